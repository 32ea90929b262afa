(** The 2012 plug externals (mirage-kfreebsd netif_stubs.c), same signatures, on the C plug
    registry (mnetif/registry.h). Not thread-safe against a concurrent plug/unplug of the SAME
    name from two OCaml threads (the registry itself is; this module's pin table is locked). *)

val get_vifs : unit -> string list
(** Ethernet interfaces (software interfaces of libmnetif and real Linux ones). *)

val plug_vif : string -> Io_page.t -> bool * int * string
(** [plug_vif name page] plugs the interface with the ring in [page] (initialised beforehand,
    validated here) and returns [(up, ifindex, mac)], [mac] the 6 raw bytes. Raises [Failure]
    naming the errno (ENODEV, EEXIST, EBUSY, EINVAL with the failed check, ENOSPC).
    [page] is kept reachable until [unplug_vif name]. *)

val unplug_vif : string -> unit
(** Unplugs; returns once no producer can touch the ring any more. A name that is not plugged
    is a no-op (the 2012 behaviour). *)

val plug_vif_ev : string -> Io_page.t -> bool * int * string * Unix.file_descr
(** [plug_vif] plus the ring's event channel: a non-blocking eventfd, readable when the producer
    signalled (see [Ring_intf.S.prepare_wait]); closed by [unplug_vif]. *)

val ring_init : Io_page.t -> proto:int -> nslots:int -> slotsize:int -> (unit, int) result
(** The initialiser (mn_ring_init): lays out an empty ring before it is shared. [nslots = 0]
    picks the largest power of two that fits. [Error errno] (EINVAL, ENOSPC). *)
