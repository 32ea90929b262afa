(** The C ring core (c/src/ring.c) driven from OCaml: the oracle of the differential tests and
    the C side of the benchmark. Operations return the C convention: 0 / -errno. *)

type prod
type cons

val prod_attach : Cstruct.t -> prod
val push : prod -> Cstruct.t -> int
(** mn_prod_push: 0, or the frame was dropped and counted (-ENOBUFS, -EMSGSIZE, -EBUSY, -EIO). *)

val cons_attach : Cstruct.t -> cons

val peek : cons -> (int * int, int) result
(** mn_cons_peek: [Ok (data offset from the ring's start, len)], [Error 0] empty, [Error (-EIO)]. *)

val release : cons -> int
val fill : cons -> int
val prepare_wait : cons -> int

val drain : cons -> int -> int ref -> int
(** [drain c budget sum]: the C consumer loop (peek, read 8 bytes, release) for up to [budget]
    frames; returns the count and adds the frames' checksum to [sum]. *)

val drain_batch : cons -> int -> int ref -> int
(** [drain_batch c budget sum]: the same work on the batched C API (mn_cons_peek_n of up to 64
    frames, then mn_cons_release_n): the baseline for [Netif.rx_poll], which consumes in batches. *)

val layout : unit -> int array
(** The C header's constants, in Layout's order (see cring_stubs.c). *)
