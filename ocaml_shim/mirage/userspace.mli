(** The [Mirage_net.S] netif of the userspace library: frames of a Linux interface (veth, tap,
    eth0: through AF_PACKET, root / CAP_NET_RAW) or of a software interface of libmnetif (a
    deterministic wire for tests, {!Mnetif_core.User_tx.link}).

    {[
      let* net = Mnetif_mirage.Userspace.connect "veth0" in
      (* net : Mnetif_mirage.Userspace.t, a Mirage_net.S device: hand it to ethernet/arp/tcpip *)
    ]} *)

include Mirage_net.S with type error = Device.error

val connect :
  ?rx_proto:int -> ?rx_pages:int -> ?tx_pages:int -> ?slotsize:int -> string -> t Lwt.t
(** [connect ifname] plugs [ifname]'s receive ring (protocol [rx_proto], default v2; [rx_pages]
    pages, default 33) and opens its transmit port (a v2 ring of [tx_pages] pages, default 33);
    both rings have [slotsize]-byte slots (default 2048; at least MTU + 18). Fails with
    [Invalid_argument] for a bad argument (slot size too small for the MTU) and [Failure] naming
    the errno for the rest ("ENODEV no such Ethernet interface", "EEXIST already plugged", ...). *)

val drops : t -> (string * int) list
(** Counted drops by reason: receive ring (["rx_full"], ["rx_oversize"], ["rx_busy"], ["rx_error"],
    the producer's counters in the ring header), transmit port (["tx_runt"], ["tx_oversize"],
    ["tx_refused"], ["tx_corrupt"]) and {!Device.Make.drops}'s. *)
