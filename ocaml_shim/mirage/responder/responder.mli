(** A host that answers ARP requests for its IPv4 address and ICMP echo requests sent to it —
    enough for the real [arping] and [ping] — over any [Mirage_net.S] device. It uses nothing but
    the signature (and Cstruct, Macaddr, Ipaddr). *)

type stats = {
  mutable arp_replies : int;
  mutable echo_replies : int;
  mutable ignored : int;  (** frames that were neither (or not for us) *)
  mutable write_errors : int;
}

module Make (N : Mirage_net.S) : sig
  val run : N.t -> Ipaddr.V4.t -> stats -> (unit, N.error) result Lwt.t
  (** Answers until the device's [listen] returns (after [N.disconnect]). *)

  val answer : N.t -> Ipaddr.V4.t -> stats -> Cstruct.t -> unit Lwt.t
  (** One received frame: the reply is written, or the frame is counted as ignored. *)
end

val stats : unit -> stats
val checksum : Cstruct.t -> int
(** The Internet checksum (RFC 1071) of the bytes. *)
