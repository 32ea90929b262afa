open Layout

type t = Ring_cons.t

(* Acquire pairs with the producer's store-release of sr_avail: ss_len and the frame bytes of
   every slot below prod are visible. *)
let fill t =
  let prod = Hdr_ops.load16_acquire (Ring_cons.buf t) (Ring_cons.at t off_avail) in
  let n = (prod - t.Ring_cons.cons) land 0xffff in
  let size = t.Ring_cons.g.Ring_geom.size in
  if n > size then
    Ring_error.corrupt "sr_avail" prod
      (Printf.sprintf "prod - cons = %d > sr_size %d (cons %d)" n size t.Ring_cons.cons)
  else Ok n

let of_geom ?seen ?lock_retries g =
  if g.Ring_geom.proto <> proto_v2 then Ring_error.corrupt "sr_magic" (magic g.Ring_geom.proto) "not a v2 ring"
  else Ring_cons.attach ?seen ?lock_retries g ~fill

let of_buf ?seen ?lock_retries cs =
  match Ring_geom.of_cstruct cs with Error _ as e -> e | Ok g -> of_geom ?seen ?lock_retries g

let avail = fill
let top_packet t = Ring_cons.top_packet t ~fill

(* Release pairs with the producer's load-acquire of sr_cur: we are done with the slots. *)
let release t k =
  let next = (t.Ring_cons.cons + k) land 0xffff in
  Hdr_ops.store16_release (Ring_cons.buf t) (Ring_cons.at t off_cur) next;
  Ring_cons.advanced t ~next k;
  Ok ()

let pop_packet t = Ring_cons.pop_packet t ~release
let rx_batch t max f = Ring_cons.rx_batch t ~fill ~release max f
let prepare_wait t = Ring_cons.prepare_wait t ~fill
let geometry = Ring_cons.geometry
