(* Consumer state shared by the protocol modules (Ring_v1, Ring_v2, Ring_2012): the private
   geometry, the consumer's own index and the slot view. Internal: each protocol module exposes an
   abstract type over this. Mirrors struct mn_cons and mn_cons_peek in c/src/ring.c. *)

open Layout

type t = {
  g : Ring_geom.t;
  mutable cons : int;  (** v2: consumer index (u16); v1/2012: masked sr_cur. Only we write sr_cur. *)
  mutable seen : int;  (** frames consumed, mod 2^32: what sr_wake is computed from *)
  mutable peeked : bool;
  lock_retries : int;  (** v1: test-and-set attempts per pop before [Busy] *)
  mutable pending : int;  (** rx_batch: frames handed out, not yet released (v1 lock was busy) *)
  lens : Cstruct.buffer;  (** rx_batch: private copy of the batch's length-table entries *)
}

(* Reads the private copy (never shared memory): a checked, inlined 16-bit host-order load. *)
external get_u16 : Cstruct.buffer -> int -> int = "%caml_bigstring_get16"

let at t off = t.g.Ring_geom.base + off
let buf t = t.g.Ring_geom.buf

(* [seen] given: the caller knows how many frames were consumed (the model's consumer attaches
   a fresh ring: 0) and the ring is not read; otherwise sr_frames - fill, as mn_cons_attach. *)
let attach ?seen ?(lock_retries = lock_retries) g ~fill =
  let cons = Hdr_ops.load16_relaxed g.Ring_geom.buf (Ring_geom.field g off_cur) in
  let lens = Bigarray.(Array1.create char c_layout (2 * g.Ring_geom.size)) in
  let t = { g; cons; seen = 0; peeked = false; lock_retries; pending = 0; lens } in
  match seen with
  | Some n -> t.seen <- n land 0xffff_ffff; Ok t
  | None -> (
      match fill t with
      | Error _ as e -> e
      | Ok n ->
          t.seen <- (Hdr_ops.load64_relaxed (buf t) (at t off_frames) - n) land 0xffff_ffff;
          Ok t)

(* The view of the slot at cons; the caller has seen fill > 0 (with the acquire that orders the
   length and the bytes after the producer's publication). *)
let peek t =
  let g = t.g in
  let i = t.cons land g.Ring_geom.mask in
  let len = Hdr_ops.load16_relaxed g.Ring_geom.buf (at t (off_len i)) in
  if len > g.Ring_geom.slotsize then
    Ring_error.corrupt (Printf.sprintf "ss_len[%d]" i) len
      (Printf.sprintf "longer than sr_slotsize %d" g.Ring_geom.slotsize)
  else begin
    t.peeked <- true;
    Ok (Some (Cstruct.sub g.Ring_geom.whole (Ring_geom.slot_off g i) len))
  end

(* v1 and 2012: sr_avail is a count (<= size) and our masked sr_cur must be < size; mirrors the
   checks of mn_cons_fill. *)
let check_count t n =
  let g = t.g in
  if n > g.Ring_geom.size then Ring_error.corrupt "sr_avail" n (Printf.sprintf "> sr_size %d" g.Ring_geom.size)
  else if t.cons > g.Ring_geom.mask then
    Ring_error.corrupt "sr_cur" t.cons (Printf.sprintf ">= sr_size %d" g.Ring_geom.size)
  else Ok n

let top_packet t ~fill =
  match fill t with
  | Ok 0 -> Ok None
  | Ok _ -> peek t
  | Error _ as e -> e

(* After a protocol's release of k frames (the shared index is already stored). *)
let advanced t ~next k =
  t.cons <- next;
  t.seen <- (t.seen + k) land 0xffff_ffff

(* [release t k]: the protocol's release of the k frames from cons on (mn_cons_release for k = 1). *)
let pop_packet t ~release =
  if not t.peeked then Error Ring_error.Not_peeked
  else match release t 1 with Ok () -> t.peeked <- false; Ok () | Error _ as e -> e

let flush t ~release =
  if t.pending = 0 then Ok ()
  else match release t t.pending with Ok () -> t.pending <- 0; Ok () | Error _ as e -> e

(* Batched consumption (the production fast path; the model consumer uses top/pop, which mirror
   the C consumer operation for operation): ONE fill (one acquire of the producer's index) for up
   to [max] frames, one copy of their length-table entries (validated in the copy), each frame's
   view to [f], then ONE release of all of them. Frames handed out
   whose release found the v1 lock busy stay [pending]: the next call releases them before it
   looks at the ring, so no frame is handed out twice. *)
let rx_batch t ~fill ~release max f =
  t.peeked <- false (* a batch supersedes an unfinished top_packet *);
  match flush t ~release with
  | Error _ as e -> e
  | Ok () -> (
      match fill t with
      | Error _ as e -> e
      | Ok n ->
          let n = if n < max then n else max and g = t.g in
          Hdr_ops.copy_lens g.Ring_geom.buf (at t off_lens) g.Ring_geom.mask t.cons n t.lens;
          let k = ref 0 and bad = ref (-1) and bad_i = ref 0 in
          (* One exception handler for the whole batch; frames 0 .. !k - 1 were handed out. A
             corrupt length stops the batch: the frames before it are still released. *)
          (try
             while !k < n && !bad < 0 do
               let i = (t.cons + !k) land g.Ring_geom.mask in
               let len = get_u16 t.lens (2 * !k) in
               if len > g.Ring_geom.slotsize then (bad := len; bad_i := i)
               else begin
                 f (Cstruct.sub g.Ring_geom.whole (Ring_geom.slot_off g i) len);
                 incr k
               end
             done
           with ex -> t.pending <- !k + 1; ignore (flush t ~release); raise ex);
          t.pending <- !k;
          ignore (flush t ~release);
          if !bad < 0 then Ok !k
          else
            Ring_error.corrupt (Printf.sprintf "ss_len[%d]" !bad_i) !bad
              (Printf.sprintf "longer than sr_slotsize %d" g.Ring_geom.slotsize))

(* Event channel, consumer side (Xen "final check"): arm sr_wake, full fence, re-check.
   The fence pairs with the producer's fence between publishing and reading sr_wake: either it
   reads our sr_wake, or our re-check reads its index. true = still empty, safe to sleep. *)
let prepare_wait t ~fill =
  Hdr_ops.store32_relaxed (buf t) (at t off_wake) ((t.seen + 1) land 0xffff_ffff);
  Hdr_ops.fence ();
  match fill t with Ok n -> Ok (n = 0) | Error _ as e -> e

let geometry t = t.g
