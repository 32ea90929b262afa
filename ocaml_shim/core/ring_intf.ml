(* The consumer side of one ring protocol. Every protocol module (Ring_v1, Ring_v2, Ring_v3) has this
   signature; Ring dispatches on the magic. *)

module type S = sig
  type t

  val of_buf : ?seen:int -> ?lock_retries:int -> Cstruct.t -> (t, Ring_error.t) result
  (** Attach as the consumer: validates the geometry once (see {!Ring_geom.of_cstruct}) and
      fails if the ring does not speak this protocol. [seen]: frames consumed so far, when the
      caller knows it (default: [sr_frames] minus the fill, read from the ring). [lock_retries]:
      v1 test-and-set attempts per pop (default [Layout.lock_retries]). *)

  val of_geom : ?seen:int -> ?lock_retries:int -> ?wait_spins:int -> Ring_geom.t -> (t, Ring_error.t) result
  (** [of_buf] on a geometry already validated. [wait_spins] (v3 only): how many times
      [prepare_wait] looks at the ring before arming [sr_wake] (default [Layout.wait_spins],
      MN_WAIT_SPINS; the model harness's C consumer uses 1). *)

  val avail : t -> (int, Ring_error.t) result
  (** Frames waiting, [0..size]. *)

  val top_packet : t -> (Cstruct.t option, Ring_error.t) result
  (** A zero-copy view of the next frame ([None]: empty). The view stays valid until
      [pop_packet]; the producer does not write the slot before that. *)

  val pop_packet : t -> (unit, Ring_error.t) result
  (** Releases the frame returned by the last [top_packet]. *)

  val rx_batch : t -> int -> (Cstruct.t -> unit) -> (int, Ring_error.t) result
  (** [rx_batch t max f]: the fast path. Reads the producer's index once, hands up to [max]
      frames to [f] (zero-copy views valid during the call), then releases them all at once.
      Returns how many were handed out. v1: if the release finds the lock busy the frames stay
      pending and the next call releases them first ([Error Busy] if it still cannot); a frame
      is never handed out twice. If [f] raises, the frames up to and including that one are
      released and the exception is re-raised. Do not mix with an unfinished
      [top_packet]/[pop_packet] pair. *)

  val rx_frames : t -> int -> (Cstruct.buffer -> int -> int -> unit) -> (int, Ring_error.t) result
  (** [rx_frames t max f]: [rx_batch] without views, over [peek_n]/[release_n]: [f buf off len]
      gets the frame as [len] bytes at offset [off] of [buf] (the ring's Bigarray), valid during
      the call only. Nothing is allocated or boxed per frame. Same release, exception and v1
      rules as [rx_batch]. *)

  val peek_n : t -> int -> (int, Ring_error.t) result
  (** [peek_n t max] ([max >= 1], else [Invalid_argument]): the batch API, as [mn_cons_peek_n].
      One look at the producer's index (v3: none while its cached copy covers [max]), then the
      views of up to [max] frames written into [frames t] by one stub call, each length read
      once and validated in the copy. [Ok k]: frames [0 .. k-1] of [frames t] ([0]: empty); a
      corrupt length ends the batch before it ([Error] when it is the first). Nothing is
      allocated. Peeking again without a release returns the same frames first. *)

  val release_n : t -> int -> (unit, Ring_error.t) result
  (** [release_n t n]: pops the first [n] frames of the last [peek_n] with ONE release
      ([mn_cons_release_n]); the batch is then empty. [Not_peeked] if [n] exceeds it; v1:
      [Busy] (nothing popped, retry). *)

  val frames : t -> Frames.t
  (** The ring's batch views (one record, reused by every [peek_n]). *)

  val prepare_wait : t -> (bool, Ring_error.t) result
  (** Arms the event channel (sr_wake), then the barrier (v1/v2: a full fence; v3: after looking
      at the ring [wait_spins] times, the heavy barrier, membarrier), re-checks: [true] = still
      empty, the caller may sleep on the channel; [false] = frames arrived (or v3's heavy barrier
      failed: do not sleep). *)

  val geometry : t -> Ring_geom.t
end
