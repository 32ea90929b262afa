(** The producer of a transmit ring (c/include/mnetif/tx.h): the application's side, the C
    producer of c/src/ring.c itself ([mn_prod_attach], [mn_prod_push], [mn_prod_space]) — the
    same code every receive path's platform produces with, so the transmit ring is the ring the
    harness proves, with the roles swapped. The platform consumes it and puts the frames on the
    wire. One producer per ring: calls must not overlap (Lwt code never does: no call yields).

    The kick: when the platform consumer armed [sr_wake] and a push crosses it, the push writes 1
    to [kick] (the userspace port's eventfd, or [/dev/mnetif], whose [write] drains the ring). *)

type t

type counters = {
  frames : int;  (** published *)
  bytes : int;
  drop_full : int;  (** the ring was full *)
  drop_oversize : int;  (** longer than a slot *)
  drop_error : int;  (** corrupt header (the consumer's index out of range) *)
  notify : int;  (** kicks sent *)
}

val attach : Cstruct.t -> kick:Unix.file_descr -> (t, string) result
(** Attach as the producer of the v2 ring laid out in the buffer (validated here; the error names
    the failed check, or says the ring is not v2). *)

val push : t -> Cstruct.t -> int
(** Publishes one frame (copied into the next slot): [0], or the frame was dropped and counted:
    [-ENOBUFS] (105) full, [-EMSGSIZE] (90) longer than a slot, [-EIO] (5) corrupt header.
    Never blocks; kicks the consumer when it asked for it. *)

val space : t -> int
(** Free slots as the producer sees them now (never more than are really free). *)

val kick : t -> unit
(** Signals the consumer regardless of [sr_wake] (a spurious kick is harmless). *)

val counters : t -> counters
val errno_name : int -> string
(** ["ENOBUFS"], ["EMSGSIZE"], ["EIO"], ... for a [push] result (or any -errno). *)
