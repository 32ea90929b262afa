module Net = struct
  type error = [ `Invalid_length | `Disconnected ]

  let pp_error ppf = function
    | `Invalid_length -> Format.pp_print_string ppf "invalid length"
    | `Disconnected -> Format.pp_print_string ppf "device disconnected"
end

type stats = {
  mutable rx_bytes : int64;
  mutable rx_pkts : int32;
  mutable tx_bytes : int64;
  mutable tx_pkts : int32;
}

module type S = sig
  type error = private [> Net.error]

  val pp_error : Format.formatter -> error -> unit

  type t

  val disconnect : t -> unit Lwt.t
  val write : t -> size:int -> (Cstruct.t -> int) -> (unit, error) result Lwt.t
  val listen : t -> header_size:int -> (Cstruct.t -> unit Lwt.t) -> (unit, error) result Lwt.t
  val mac : t -> Macaddr.t
  val mtu : t -> int
  val get_stats_counters : t -> stats
  val reset_stats_counters : t -> unit
end
