(** Attach-time validation of a ring's geometry (mirrors [mn_ring_geometry] in c/src/ring.c).
    After [of_cstruct] succeeds the consumer never re-reads [sr_size], [sr_slotsize] or
    [sr_dataoff]: every later offset is computed from this private copy. *)

type t = private {
  buf : Cstruct.buffer;
  base : int;  (** offset of the ring's byte 0 in [buf] (8-byte aligned) *)
  proto : int;  (** [Layout.proto_v1], [proto_v2], [proto_v3] (or [proto_2012] when allowed) *)
  size : int;  (** slots, a power of two *)
  mask : int;
  slotsize : int;
  dataoff : int;  (** offset of slot 0's data from the ring's start *)
  buflen : int;
  whole : Cstruct.t;  (** all of [buf]: slot views are [Cstruct.sub whole (slot_off g i) len] *)
}

val of_cstruct : ?allow_2012:bool -> Cstruct.t -> (t, Ring_error.t) result
(** Probes the magic with explicit little- and big-endian reads to tell the ring's byte order
    (a ring of the other byte order is an error naming [sr_magic]), then checks the magic and
    protocol, power-of-two [sr_size] <= 32768, [sr_slotsize] a multiple of 64 >= 64, [sr_dataoff]
    (v1/2012: exactly [64 + 2*size]; v2: at least that, 64-aligned; v3: at least
    [192 + 2*size] rounded up to 64, 64-aligned) and that the slots fit in the
    buffer. [allow_2012] (default false) accepts the 2012 bug-zoo protocol (harness only). *)

val slot_off : t -> int -> int
(** Offset in [buf] of slot [i]'s data ([i] is masked). *)

val field : t -> int -> int
(** Offset in [buf] of the header field at wire offset [off] (a [Layout.off_*]). *)
