open Layout

type t = Ring_cons.t

(* Unlocked: acquire pairs with the producer's store-release of sr_avail under the lock. *)
let fill t =
  let n = Hdr_ops.load16_acquire (Ring_cons.buf t) (Ring_cons.at t off_avail) in
  Ring_cons.check_count t n

let of_geom ?seen ?lock_retries ?wait_spins g =
  if g.Ring_geom.proto <> proto_v1 then Ring_error.corrupt "sr_magic" (magic g.Ring_geom.proto) "not a v1 ring"
  else Ring_cons.attach ?seen ?lock_retries ?wait_spins g ~fill

let of_buf ?seen ?lock_retries cs =
  match Ring_geom.of_cstruct cs with Error _ as e -> e | Ok g -> of_geom ?seen ?lock_retries g

(* mn_ring_lock: bounded test-and-set attempts. Acquire (in the test-and-set) pairs with the
   holder's clear-release: we see everything it did under the lock. *)
let lock buf off retries =
  let rec go n =
    if n = 0 then false
    else if Hdr_ops.test_and_set32 buf off = 0 then true
    else (Hdr_ops.cpu_relax (); go (n - 1))
  in
  go retries

let avail = fill
let top_packet t = Ring_cons.top_packet t ~fill

let release t k =
  let buf = Ring_cons.buf t and g = t.Ring_cons.g in
  let lk = Ring_cons.at t off_lock in
  if not (lock buf lk t.Ring_cons.lock_retries) then Error Ring_error.Busy
  else begin
    (* Under the lock relaxed accesses suffice: the lock's acquire and release order them. *)
    let avail = Hdr_ops.load16_relaxed buf (Ring_cons.at t off_avail) in
    if avail < k || avail > g.Ring_geom.size then begin
      Hdr_ops.clear_release32 buf lk;
      Ring_error.corrupt "sr_avail" avail (Printf.sprintf "releasing %d with avail not in %d..%d" k k g.Ring_geom.size)
    end
    else begin
      let next = (t.Ring_cons.cons + k) land g.Ring_geom.mask in
      Hdr_ops.store16_relaxed buf (Ring_cons.at t off_cur) next;
      Hdr_ops.store16_relaxed buf (Ring_cons.at t off_avail) (avail - k);
      (* Release: the producer, taking the lock, sees that we are done with the slots. *)
      Hdr_ops.clear_release32 buf lk;
      Ring_cons.advanced t ~next k;
      Ok ()
    end
  end

let pop_packet t = Ring_cons.pop_packet t ~release
let rx_batch t max f = Ring_cons.rx_batch t ~fill ~release max f
let rx_frames t max f = Ring_cons.rx_frames t ~fill ~release max f
let peek_n t max = Ring_cons.peek_n t ~fill max
let release_n t n = Ring_cons.release_n t ~release n
let frames = Ring_cons.frames
let prepare_wait t = Ring_cons.prepare_wait t ~fill ~barrier:Ring_cons.full_fence
let geometry = Ring_cons.geometry
