(** The [Mirage_net.S] netif of the Linux module ([/dev/mnetif], {!Mnetif_kdev.Kdev}): the module
    copies the interface's frames into the receive ring from its rx_handler and drains the
    transmit ring into [dev_queue_xmit] when this process kicks it. Root only. *)

include Mirage_net.S with type error = Device.error

val connect :
  ?rx_proto:int -> ?steal:bool -> ?rx_slots:int -> ?tx_slots:int -> ?slotsize:int -> string -> t Lwt.t
(** [connect ifname] plugs [ifname] (receive ring: [rx_proto], default v2; [rx_slots] slots, default
    as many as fit in 33 pages; [steal] default [true]: the host stack no longer sees the
    interface's frames, the unikernel owns it) and attaches its transmit ring ([tx_slots], default
    as many as fit in 33 pages). [slotsize] default 2048, at least MTU + 18. Fails with [Failure]
    naming the errno ("Kdev.plug mnb: EEXIST", ...), [Invalid_argument] for a slot size too small
    for the MTU. *)

val drops : t -> (string * int) list
(** Counted drops by reason: the module's receive producer (["rx_full"], ["rx_oversize"],
    ["rx_busy"], ["rx_error"]), its transmit consumer (["tx_runt"], ["tx_oversize"],
    ["tx_refused"], ["tx_corrupt"]) and {!Device.Make.drops}'s. *)

val kdev : t -> Mnetif_kdev.Kdev.t
