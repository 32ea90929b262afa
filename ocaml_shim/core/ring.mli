(** The consumer of any mnetif ring: probes the magic and dispatches to {!Ring_v1} or {!Ring_v2}. *)

include Ring_intf.S

val proto : t -> int
(** [Layout.proto_v1] or [Layout.proto_v2]. *)
