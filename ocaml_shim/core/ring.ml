type t = V1 of Ring_v1.t | V2 of Ring_v2.t | V3 of Ring_v3.t | Z2012 of Ring_2012.t

let map f = function Ok x -> Ok (f x) | Error _ as e -> e

let of_geom ?seen ?lock_retries ?wait_spins g =
  let p = g.Ring_geom.proto in
  if p = Layout.proto_v1 then map (fun r -> V1 r) (Ring_v1.of_geom ?seen ?lock_retries g)
  else if p = Layout.proto_v2 then map (fun r -> V2 r) (Ring_v2.of_geom ?seen ?lock_retries g)
  else if p = Layout.proto_v3 then map (fun r -> V3 r) (Ring_v3.of_geom ?seen ?lock_retries ?wait_spins g)
  else map (fun r -> Z2012 r) (Ring_2012.of_geom ?seen ?lock_retries g)

let of_buf_any ?allow_2012 ?seen ?lock_retries ?wait_spins cs =
  match Ring_geom.of_cstruct ?allow_2012 cs with
  | Error _ as e -> e
  | Ok g -> of_geom ?seen ?lock_retries ?wait_spins g

let of_buf ?seen ?lock_retries cs = of_buf_any ?seen ?lock_retries cs

let avail = function
  | V1 r -> Ring_v1.avail r
  | V2 r -> Ring_v2.avail r
  | V3 r -> Ring_v3.avail r
  | Z2012 r -> Ring_2012.avail r

let top_packet = function
  | V1 r -> Ring_v1.top_packet r
  | V2 r -> Ring_v2.top_packet r
  | V3 r -> Ring_v3.top_packet r
  | Z2012 r -> Ring_2012.top_packet r

let pop_packet = function
  | V1 r -> Ring_v1.pop_packet r
  | V2 r -> Ring_v2.pop_packet r
  | V3 r -> Ring_v3.pop_packet r
  | Z2012 r -> Ring_2012.pop_packet r

let rx_batch t max f =
  match t with
  | V1 r -> Ring_v1.rx_batch r max f
  | V2 r -> Ring_v2.rx_batch r max f
  | V3 r -> Ring_v3.rx_batch r max f
  | Z2012 r -> Ring_2012.rx_batch r max f

let rx_frames t max f =
  match t with
  | V1 r -> Ring_v1.rx_frames r max f
  | V2 r -> Ring_v2.rx_frames r max f
  | V3 r -> Ring_v3.rx_frames r max f
  | Z2012 r -> Ring_2012.rx_frames r max f

let peek_n t max =
  match t with
  | V1 r -> Ring_v1.peek_n r max
  | V2 r -> Ring_v2.peek_n r max
  | V3 r -> Ring_v3.peek_n r max
  | Z2012 r -> Ring_2012.peek_n r max

let release_n t n =
  match t with
  | V1 r -> Ring_v1.release_n r n
  | V2 r -> Ring_v2.release_n r n
  | V3 r -> Ring_v3.release_n r n
  | Z2012 r -> Ring_2012.release_n r n

let frames = function
  | V1 r -> Ring_v1.frames r
  | V2 r -> Ring_v2.frames r
  | V3 r -> Ring_v3.frames r
  | Z2012 r -> Ring_2012.frames r

let prepare_wait = function
  | V1 r -> Ring_v1.prepare_wait r
  | V2 r -> Ring_v2.prepare_wait r
  | V3 r -> Ring_v3.prepare_wait r
  | Z2012 r -> Ring_2012.prepare_wait r

let geometry = function
  | V1 r -> Ring_v1.geometry r
  | V2 r -> Ring_v2.geometry r
  | V3 r -> Ring_v3.geometry r
  | Z2012 r -> Ring_2012.geometry r

let proto t = (geometry t).Ring_geom.proto
