(* What Device.Make needs from a backend: an interface's receive ring with its event channel, its
   transmit producer, its identity, and its counted drops. Userspace and Kernel provide one each. *)
module type S = sig
  type t

  val name : t -> string
  val mac : t -> string
  (** 6 raw bytes *)

  val mtu : t -> int
  (** bytes after the Ethernet header *)

  val rx : t -> Mnetif_core.Ring.t * Mnetif_listen.Listen.channel * Mnetif_listen.Listen.stats
  val tx : t -> Mnetif_core.Tx_ring.t

  val drops : t -> (string * int) list
  (** Every frame the platform dropped and counted, by reason (receive producer, transmit consumer). *)

  val close : t -> unit
  (** Unplugs the receive ring and stops the transmit path (after sending what was pushed). *)

  val closed_drops : t -> (string * int) list
  (** After [close]: the counts it can still tell (e.g. the transmit consumer's final ones). *)
end
