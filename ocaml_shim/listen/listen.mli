(** The receive loop of the OCaml port, one for every backend: drain a ring with
    [Ring.rx_frames] (the batch path: one look at the producer index and one release per batch,
    nothing allocated per frame), and when it is empty run the final check ([Ring.prepare_wait]: arm
    [sr_wake], full fence — v3: the heavy barrier — re-check) and only then wait for its event channel to become readable;
    after a wakeup, clear the channel BEFORE re-checking the ring (a signal after the clear stays
    pending). No periodic wakeup, no spinning: an idle ring costs one sleeping Lwt promise. *)

type channel = {
  fd : Unix.file_descr;  (** readable while a producer signal is pending (level-triggered) *)
  clear : unit -> unit;  (** clears the signal; raises [Failure] if the channel fails *)
  gone : unit -> bool;
      (** asked after each clear: the producer has detached for good (the ring is drained once
          more, then the loop ends) *)
}

type stats = {
  mutable batches : int;  (** [Ring.rx_frames] calls *)
  mutable empty : int;  (** of which handed out nothing *)
  mutable delivered : int;  (** frames handed to the function *)
  mutable sleeps : int;  (** waits on the channel after a final check said "still empty" *)
}
(** A consumer that never spins has [empty <= sleeps + 1] (one empty batch per wakeup, plus the
    first). *)

val stats : unit -> stats
(** Zeroed. *)

val run :
  ?stats:stats -> stop:unit Lwt.t -> Mnetif_core.Ring.t -> channel -> (Cstruct.t -> unit) ->
  (unit, Mnetif_core.Ring_error.t) result Lwt.t
(** Receives from one ring until [stop] resolves, the producer is gone, or the ring is corrupt
    (its error). The function gets zero-copy views valid during the call only. v1 lock contention
    ([Busy]) is retried after yielding. *)

val run_frames :
  ?stats:stats -> stop:unit Lwt.t -> Mnetif_core.Ring.t -> channel -> (Cstruct.buffer -> int -> int -> unit) ->
  (unit, Mnetif_core.Ring_error.t) result Lwt.t
(** [run] with the handler of [Ring.rx_frames]: [fn buf off len], the frame is [len] bytes at
    [off] in [buf], valid during the call only. No view is made: the fast path ([run] is this
    with a [Cstruct.sub] view per frame). *)

val views : Mnetif_core.Ring.t -> (Cstruct.t -> unit) -> Cstruct.buffer -> int -> int -> unit
(** [views ring fn]: the [run_frames] handler that gives [fn] a zero-copy view of each frame. *)

val all :
  ?stop:unit Lwt.t -> (Mnetif_core.Ring.t * channel * stats) list -> (int -> Cstruct.buffer -> int -> int -> unit) ->
  (unit, Mnetif_core.Ring_error.t) result Lwt.t
(** [run_frames] over several rings on one Lwt scheduler (the function gets the ring's position in the
    list); the first ring to fail stops the others and is the result. *)
