(* The consumer side of one ring protocol. Every protocol module (Ring_v1, Ring_v2) has this
   signature; Ring dispatches on the magic. *)

module type S = sig
  type t

  val of_buf : ?seen:int -> ?lock_retries:int -> Cstruct.t -> (t, Ring_error.t) result
  (** Attach as the consumer: validates the geometry once (see {!Ring_geom.of_cstruct}) and
      fails if the ring does not speak this protocol. [seen]: frames consumed so far, when the
      caller knows it (default: [sr_frames] minus the fill, read from the ring). [lock_retries]:
      v1 test-and-set attempts per pop (default [Layout.lock_retries]). *)

  val of_geom : ?seen:int -> ?lock_retries:int -> Ring_geom.t -> (t, Ring_error.t) result
  (** [of_buf] on a geometry already validated. *)

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

  val prepare_wait : t -> (bool, Ring_error.t) result
  (** Arms the event channel (sr_wake), full fence, re-checks: [true] = still empty, the
      caller may sleep on the channel; [false] = frames arrived. *)

  val geometry : t -> Ring_geom.t
end
