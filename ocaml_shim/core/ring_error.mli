(** Errors of the OCaml ring port. A corrupt header names the field and the bad value. *)

type corrupt = {
  field : string;  (** the header field, as named in mnetif/ring.h, e.g. ["sr_size"], ["ss_len[3]"] *)
  value : int;  (** the value read *)
  why : string;  (** the violated check *)
}

type t =
  | Corrupt of corrupt  (** the shared header fails validation: nothing was read or written *)
  | Busy  (** v1: the test-and-set lock stayed busy for [Layout.lock_retries] attempts; retry *)
  | Not_peeked  (** [pop_packet] without a preceding successful [top_packet] *)

val corrupt : string -> int -> string -> ('a, t) result
val to_string : t -> string
val pp : Format.formatter -> t -> unit
