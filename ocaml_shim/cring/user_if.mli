(** Software interfaces of libmnetif's userspace platform (tests only). 0 / -errno. *)

val create : string -> mac:string -> int
(** ifindex or -errno *)

val destroy : string -> int
val inject : string -> Cstruct.t -> int
(** netif_ether_input of one frame: 0 or -errno (-ENOBUFS full, -ENODEV not plugged, ...) *)
