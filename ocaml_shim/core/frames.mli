(** The views of a peeked batch (Ring.peek_n): frame [k < count] is [len.{k}] bytes at offset
    [off.{k}] of [buf] (the ring's Bigarray), valid until the batch is released. One per ring,
    reused by every batch: nothing is allocated per frame or per batch. Read it in place:

    {[
      match Ring.peek_n r 64 with
      | Ok n ->
          let fr = Ring.frames r in
          for k = 0 to n - 1 do
            let off = Bigarray.Array1.unsafe_get fr.off k and len = Bigarray.Array1.unsafe_get fr.len k in
            (* ... the frame's bytes: fr.buf, [off, off + len) ... *)
          done;
          Ring.release_n r n
      | Error _ as e -> e
    ]}

    The field types are known, so ocamlopt inlines those reads (no call, no boxing). *)

type ints = (int, Bigarray.int_elt, Bigarray.c_layout) Bigarray.Array1.t

type t = private {
  buf : Cstruct.buffer;
  off : ints;  (** [off.{k}]: where frame [k] starts in [buf] *)
  len : ints;  (** [len.{k}]: its length (<= the slot size: validated in the private copy) *)
  mutable count : int;  (** frames peeked and not released *)
}

val create : Cstruct.buffer -> int -> t
(** [create buf size]: room for a batch of up to [size] frames of a ring in [buf] (internal). *)

val set_count : t -> int -> unit
(** internal (Ring_cons) *)
