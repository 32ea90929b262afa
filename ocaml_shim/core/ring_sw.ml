(* The single-writer protocols' consumer (v2 and v3 share it: v3 only moves the consumer's words
   to lines of their own, caches the producer index and waits with the heavy barrier, ring.h;
   Ring_cons knows where the words are and whether to use the cache). Internal: Ring_v2 and
   Ring_v3 are [Make] applied. Mirrors mn_cons_fill and mn_cons_release_n in c/src/ring.c. *)
open Layout

(* Acquire pairs with the producer's store-release of sr_avail: ss_len and the frame bytes of
   every slot below prod are visible. The index read is what v3 caches (only once validated). *)
let fill t =
  let prod = Hdr_ops.load16_acquire (Ring_cons.buf t) (Ring_cons.at t off_avail) in
  let cons = t.Ring_cons.cons in
  let n = (prod - cons) land 0xffff in
  let size = t.Ring_cons.g.Ring_geom.size in
  if n > size then begin
    t.Ring_cons.prod_seen <- cons (* nothing cached from a corrupt index *);
    Ring_error.corrupt "sr_avail" prod (Printf.sprintf "prod - cons = %d > sr_size %d (cons %d)" n size cons)
  end
  else (t.Ring_cons.prod_seen <- prod; Ok n)

(* Release pairs with the producer's load-acquire of our index: we are done with the slots. *)
let release t k =
  let next = (t.Ring_cons.cons + k) land 0xffff in
  Hdr_ops.store16_release (Ring_cons.buf t) t.Ring_cons.cons_at next;
  Ring_cons.advanced t ~next k;
  Ok ()

module Make (P : sig
  val proto : int
  val name : string

  val barrier : unit -> int
  (** prepare_wait's barrier between arming sr_wake and the re-check: 0 done, else do not sleep *)
end) =
struct
  type t = Ring_cons.t

  let of_geom ?seen ?lock_retries ?wait_spins g =
    if g.Ring_geom.proto <> P.proto then
      Ring_error.corrupt "sr_magic" (magic g.Ring_geom.proto) ("not a " ^ P.name ^ " ring")
    else Ring_cons.attach ?seen ?lock_retries ?wait_spins g ~fill

  let of_buf ?seen ?lock_retries cs =
    match Ring_geom.of_cstruct cs with Error _ as e -> e | Ok g -> of_geom ?seen ?lock_retries g

  let avail = fill
  let top_packet t = Ring_cons.top_packet t ~fill
  let pop_packet t = Ring_cons.pop_packet t ~release
  let rx_batch t max f = Ring_cons.rx_batch t ~fill ~release max f
  let rx_frames t max f = Ring_cons.rx_frames t ~fill ~release max f
  let peek_n t max = Ring_cons.peek_n t ~fill max
  let release_n t n = Ring_cons.release_n t ~release n
  let frames = Ring_cons.frames
  let prepare_wait t = Ring_cons.prepare_wait t ~fill ~barrier:P.barrier
  let geometry = Ring_cons.geometry
end
