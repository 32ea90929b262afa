(* Consumer state shared by the protocol modules (Ring_v1, Ring_v2, Ring_2012): the private
   geometry, the consumer's own index and the slot view. Internal: each protocol module exposes an
   abstract type over this. Mirrors struct mn_cons and mn_cons_peek in c/src/ring.c. *)

open Layout

type t = {
  g : Ring_geom.t;
  mutable cons : int;  (** v2/v3: consumer index (u16); v1/2012: masked sr_cur. Only we write it. *)
  mutable seen : int;  (** frames consumed, mod 2^32: what sr_wake is computed from *)
  mutable peeked : bool;
  lock_retries : int;  (** v1: test-and-set attempts per pop before [Busy] *)
  mutable pending : int;  (** rx_frames: frames handed out, not yet released (v1 lock was busy) *)
  frames : Frames.t;  (** peek_n: the batch's private views (lengths validated in the copy) *)
  mutable bad_len : int;  (** the corrupt length that ended the last peek_n's batch early, -1 *)
  (* Where this protocol keeps its words (Layout.off_*_of, ring.h: v3 moves them), as offsets
     in [g.buf]; and slot 0's data. Fixed at attach, like the geometry. *)
  cons_at : int;
  wake_at : int;
  lens_at : int;
  data_at : int;
  mutable prod_seen : int;
      (** v2/v3: the producer index the last [fill] read (validated then); v3 answers a request
          for at most [cached] frames from it, without a shared access (mn_cons_peek_n). *)
  cached : bool;  (** v3: the cached peer index is used *)
  wait_spins : int;  (** v3: looks at the ring this many times before arming (MN_WAIT_SPINS) *)
}

let at t off = t.g.Ring_geom.base + off
let buf t = t.g.Ring_geom.buf

(* [seen] given: the caller knows how many frames were consumed (the model's consumer attaches
   a fresh ring: 0) and the ring is not read (the cached producer index is then our own index:
   nothing known to be there, as mn_cons_attach's fill on an empty ring leaves it); otherwise
   sr_frames - fill, as mn_cons_attach. [wait_spins] (v3): default MN_WAIT_SPINS. *)
let attach ?seen ?(lock_retries = lock_retries) ?wait_spins g ~fill =
  let p = g.Ring_geom.proto and field = Ring_geom.field g in
  let cons_at = field (off_cons_of p) in
  let cons = Hdr_ops.load16_relaxed g.Ring_geom.buf cons_at in
  let frames = Frames.create g.Ring_geom.buf g.Ring_geom.size in
  let v3 = p = proto_v3 in
  let wait_spins = if v3 then Option.value wait_spins ~default:Layout.wait_spins else 0 in
  let t =
    { g; cons; seen = 0; peeked = false; lock_retries; pending = 0; frames; bad_len = -1; cons_at; wake_at = field (off_wake_of p);
      lens_at = field (off_lens_of p); data_at = g.Ring_geom.base + g.Ring_geom.dataoff; prod_seen = cons;
      cached = v3; wait_spins }
  in
  match seen with
  | Some n -> t.seen <- n land 0xffff_ffff; Ok t
  | None -> (
      match fill t with
      | Error _ as e -> e
      | Ok n ->
          t.seen <- (Hdr_ops.load64_relaxed (buf t) (at t off_frames) - n) land 0xffff_ffff;
          Ok t)

(* Frames we may take now for a request of up to [max] (cons_avail in ring.c): v3 counts its
   cached copy of the producer index first and re-reads the shared one only when that holds
   fewer than [max]; v1/v2/2012 always read. A stale copy only under-counts. *)
let avail t ~fill max =
  let cached = (t.prod_seen - t.cons) land 0xffff in
  if t.cached && cached >= max then Ok cached else fill t

(* The view of the slot at cons; the caller has seen fill > 0 (with the acquire that orders the
   length and the bytes after the producer's publication). *)
let peek t =
  let g = t.g in
  let i = t.cons land g.Ring_geom.mask in
  let len = Hdr_ops.load16_relaxed g.Ring_geom.buf (t.lens_at + (2 * i)) in
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
  match avail t ~fill 1 with
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

(* The batch API, as mn_cons_peek_n / mn_cons_release_n: ONE look at the producer's index (v3:
   none while the cached one covers [max]) for up to [max] frames, their views written into the
   ring's reused [frames] by one stub call (each length read once, validated in the copy). A
   length > slotsize ends the batch before it: 0 frames -> the corrupt entry is the error. *)
let corrupt_len t i len =
  Ring_error.corrupt (Printf.sprintf "ss_len[%d]" (i land t.g.Ring_geom.mask)) len
    (Printf.sprintf "longer than sr_slotsize %d" t.g.Ring_geom.slotsize)

let peek_n t ~fill max =
  if max <= 0 then invalid_arg "Ring.peek_n: max must be >= 1";
  t.peeked <- false (* a batch supersedes an unfinished top_packet *);
  match avail t ~fill max with
  | Error _ as e -> e
  | Ok n ->
      let n = if n < max then n else max and g = t.g and fr = t.frames in
      let k =
        Hdr_ops.peek_frames g.Ring_geom.buf t.lens_at g.Ring_geom.mask t.cons n g.Ring_geom.slotsize t.data_at
          fr.Frames.off fr.Frames.len
      in
      Frames.set_count fr k;
      t.bad_len <- (if k < n then Bigarray.Array1.get fr.Frames.len k else -1);
      if k = 0 && n > 0 then corrupt_len t t.cons t.bad_len else Ok k

(* Pops the first n peeked frames with ONE release; the batch is then empty (frames peeked and
   not released are the first ones the next peek_n returns). *)
let release_n t ~release n =
  let fr = t.frames in
  if n < 0 || n > fr.Frames.count then Error Ring_error.Not_peeked
  else if n = 0 then Ok ()
  else match release t n with Ok () -> Frames.set_count fr 0; Ok () | Error _ as e -> e

(* The batch API with a handler: peek_n, each frame to [f] as (buffer, offset, length) — nothing
   allocated or boxed per frame — then ONE release of all of them. Frames handed out whose
   release found the v1 lock busy stay [pending]: the next call releases them before it looks at
   the ring, so no frame is handed out twice. A corrupt length after some valid frames: those
   are handed out and released, then the error. *)
let rx_frames t ~fill ~release max (f : Cstruct.buffer -> int -> int -> unit) =
  match flush t ~release with
  | Error _ as e -> e
  | Ok () -> (
      match peek_n t ~fill max with
      | Error _ as e -> e
      | Ok n ->
          let fr = t.frames and first = t.cons in
          let b = fr.Frames.buf and off = fr.Frames.off and len = fr.Frames.len in
          let k = ref 0 in
          (* One exception handler for the whole batch; frames 0 .. !k - 1 were handed out. *)
          (try
             while !k < n do
               f b (Bigarray.Array1.unsafe_get off !k) (Bigarray.Array1.unsafe_get len !k);
               incr k
             done
           with ex -> t.pending <- !k + 1; Frames.set_count fr 0; ignore (flush t ~release); raise ex);
          t.pending <- n;
          Frames.set_count fr 0;
          ignore (flush t ~release);
          if t.bad_len < 0 then Ok n else corrupt_len t (first + n) t.bad_len)

(* The Cstruct face of rx_frames: a zero-copy view per frame (what a [Cstruct.t -> unit]
   handler, e.g. Mirage_net's, needs). *)
let rx_batch t ~fill ~release max f =
  let whole = t.g.Ring_geom.whole in
  rx_frames t ~fill ~release max (fun _ off len -> f (Cstruct.sub whole off len))

(* Event channel, consumer side (Xen "final check"; mn_cons_prepare_wait): v3 first looks at the
   ring [wait_spins] times; then arm sr_wake, the barrier, re-check. v1/v2: a full fence, pairing
   with the producer's full fence between publishing and reading sr_wake: either it reads our
   sr_wake, or our re-check reads its index. v3: the HEAVY barrier (membarrier, Ring_v3),
   pairing with the producer's compiler barrier (ring.h "v3"). true = still empty, safe to sleep;
   false = frames arrived, or v3's heavy barrier could not be issued (do not sleep then). *)
let prepare_wait t ~fill ~barrier =
  let rec spin i =
    if i = 0 then Ok true
    else match fill t with Ok 0 -> Hdr_ops.cpu_relax (); spin (i - 1) | Ok _ -> Ok false | Error _ as e -> e
  in
  match spin t.wait_spins with
  | Ok true ->
      Hdr_ops.store32_relaxed (buf t) t.wake_at ((t.seen + 1) land 0xffff_ffff);
      if barrier () <> 0 then Ok false
      else (match fill t with Ok n -> Ok (n = 0) | Error _ as e -> e)
  | r -> r

(* The v1/v2/2012 barrier: a full fence, always issued. *)
let full_fence () = Hdr_ops.fence (); 0

let geometry t = t.g
let frames t = t.frames
