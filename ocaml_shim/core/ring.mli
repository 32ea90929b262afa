(** The consumer of any mnetif ring: probes the magic and dispatches to {!Ring_v1}, {!Ring_v2},
    {!Ring_v3} (or, with [~allow_2012:true], the bug-zoo {!Ring_2012}). *)

include Ring_intf.S

val of_buf_any :
  ?allow_2012:bool -> ?seen:int -> ?lock_retries:int -> ?wait_spins:int -> Cstruct.t -> (t, Ring_error.t) result
(** [of_buf] that also accepts the 2012 bug-zoo protocol when [allow_2012] (harness only). *)

val proto : t -> int
(** [Layout.proto_v1], [Layout.proto_v2], [Layout.proto_v3] or [Layout.proto_2012]. *)
