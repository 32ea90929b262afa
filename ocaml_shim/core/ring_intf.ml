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

  val prepare_wait : t -> (bool, Ring_error.t) result
  (** Arms the event channel (sr_wake), full fence, re-checks: [true] = still empty, the
      caller may sleep on the channel; [false] = frames arrived. *)

  val geometry : t -> Ring_geom.t
end
