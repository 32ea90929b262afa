type t = V1 of Ring_v1.t | V2 of Ring_v2.t

let map f = function Ok x -> Ok (f x) | Error _ as e -> e

let of_buf cs =
  match Ring_geom.of_cstruct cs with
  | Error _ as e -> e
  | Ok g when g.Ring_geom.proto = Layout.proto_v1 -> map (fun r -> V1 r) (Ring_v1.of_geom g)
  | Ok g -> map (fun r -> V2 r) (Ring_v2.of_geom g)

let avail = function V1 r -> Ring_v1.avail r | V2 r -> Ring_v2.avail r
let top_packet = function V1 r -> Ring_v1.top_packet r | V2 r -> Ring_v2.top_packet r
let pop_packet = function V1 r -> Ring_v1.pop_packet r | V2 r -> Ring_v2.pop_packet r
let prepare_wait = function V1 r -> Ring_v1.prepare_wait r | V2 r -> Ring_v2.prepare_wait r
let geometry = function V1 r -> Ring_v1.geometry r | V2 r -> Ring_v2.geometry r
let proto t = (geometry t).Ring_geom.proto
