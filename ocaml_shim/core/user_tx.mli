(** The userspace platform's transmit port (c/include/mnetif/user_tx.h): a thread that consumes a
    transmit ring and sends its frames through an AF_PACKET socket (real interfaces) or along a
    software wire ({!link}, software interfaces). The application produces with {!Tx_ring}, kicking
    {!kick_fd}. *)

type t

val open_ : string -> Io_page.t -> (t, string) result
(** [open_ ifname page]: the port of [ifname], consuming the v2 ring laid out in [page]
    ({!Vif.ring_init}). [page] must stay reachable until {!close} (the returned port keeps it).
    Errors name the errno ("ENODEV ...", "EPROTONOSUPPORT ...", "EBUSY ..."). *)

val kick_fd : t -> Unix.file_descr
val ifindex : t -> int
val mtu : t -> int
(** Bytes after the Ethernet header (read at open; software interfaces: 1500). *)

val mac : t -> string
(** 6 raw bytes. *)

type counters = {
  frames : int;  (** taken by the device *)
  bytes : int;
  drop_runt : int;  (** shorter than an Ethernet header *)
  drop_oversize : int;  (** longer than MTU + 14 + 4 *)
  drop_xmit : int;  (** refused by the socket / no carrier on a software wire *)
  corrupt : int;  (** drains ended by a corrupt producer index *)
  drains : int;
  sleeps : int;  (** drains that ended with the consumer armed on an empty ring *)
}

val counters : t -> counters
(** The consumer's counters as of its last completed drain. Closed: the last ones read. *)

val close : t -> unit
(** Sends what was pushed before the call, stops the thread, closes the socket and the kick fd.
    Idempotent. *)

val link : string -> string -> (unit, string) result
(** Wires two software interfaces (each one's transmitted frames arrive at the other). *)
