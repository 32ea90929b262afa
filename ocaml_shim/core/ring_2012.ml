open Layout

type t = Ring_cons.t

(* 2012: avail read plainly, no acquire (bug 6), then range-checked like mn_cons_fill. *)
let fill t =
  let n = Hdr_ops.load16_plain (Ring_cons.buf t) (Ring_cons.at t off_avail) in
  Ring_cons.check_count t n

let of_geom ?seen ?lock_retries ?wait_spins g =
  if g.Ring_geom.proto <> proto_2012 then Ring_error.corrupt "sr_magic" (magic g.Ring_geom.proto) "not a 2012 ring"
  else Ring_cons.attach ?seen ?lock_retries ?wait_spins g ~fill

let of_buf ?seen ?lock_retries cs =
  match Ring_geom.of_cstruct ~allow_2012:true cs with Error _ as e -> e | Ok g -> of_geom ?seen ?lock_retries g

let avail = fill
let top_packet t = Ring_cons.top_packet t ~fill

(* netif.ml: cur = (cur+1) & (size-1); avail = avail - 1 — both unlocked (bug 1). *)
let release t k =
  let buf = Ring_cons.buf t in
  let next = (t.Ring_cons.cons + k) land t.Ring_cons.g.Ring_geom.mask in
  Hdr_ops.store16_plain buf (Ring_cons.at t off_cur) next;
  let avail = Hdr_ops.load16_plain buf (Ring_cons.at t off_avail) in
  Hdr_ops.store16_plain buf (Ring_cons.at t off_avail) ((avail - k) land 0xffff);
  Ring_cons.advanced t ~next k;
  Ok ()

let pop_packet t = Ring_cons.pop_packet t ~release
let rx_batch t max f = Ring_cons.rx_batch t ~fill ~release max f
let rx_frames t max f = Ring_cons.rx_frames t ~fill ~release max f
let peek_n t max = Ring_cons.peek_n t ~fill max
let release_n t n = Ring_cons.release_n t ~release n
let frames = Ring_cons.frames
let prepare_wait t = Ring_cons.prepare_wait t ~fill ~barrier:Ring_cons.full_fence
let geometry = Ring_cons.geometry
