(** The network device signature of MirageOS (mirage-net 4.x), as its documentation states it.
    A MirageOS stack (ethernet, arp, tcpip) talks to a device only through {!S}. *)

(** The errors every device may return. *)
module Net : sig
  type error =
    [ `Invalid_length  (** a [write] asked for more than [mtu] + the Ethernet header, or its
                           fill function returned a length outside the buffer *)
    | `Disconnected  (** the device was disconnected before the call *) ]

  val pp_error : Format.formatter -> error -> unit
end

type stats = {
  mutable rx_bytes : int64;
  mutable rx_pkts : int32;
  mutable tx_bytes : int64;
  mutable tx_pkts : int32;
}
(** Frame counters of a device since it was connected or last reset. *)

(** A device that sends and receives Ethernet frames. *)
module type S = sig
  type error = private [> Net.error]
  (** A device may add its own errors to {!Net.error}. *)

  val pp_error : Format.formatter -> error -> unit

  type t
  (** The device's state. *)

  val disconnect : t -> unit Lwt.t
  (** Stops the device; a running [listen] returns. It may take time but never fails. *)

  val write : t -> size:int -> (Cstruct.t -> int) -> (unit, error) result Lwt.t
  (** [write t ~size fill] gives [fill] a zeroed buffer of [size] bytes ([size] at most [mtu t]
      plus the Ethernet header); [fill] writes a frame into it and returns its length (at most
      [size]); the first that many bytes go on the wire. *)

  val listen : t -> header_size:int -> (Cstruct.t -> unit Lwt.t) -> (unit, error) result Lwt.t
  (** [listen t ~header_size fn] receives frames of at most [header_size + mtu t] bytes until
      [disconnect]; each one is handed to [fn] in a task of its own, and [fn] owns the buffer. *)

  val mac : t -> Macaddr.t
  val mtu : t -> int
  (** Bytes a frame may carry after the Ethernet header. *)

  val get_stats_counters : t -> stats
  (** The current counters. *)

  val reset_stats_counters : t -> unit
end
