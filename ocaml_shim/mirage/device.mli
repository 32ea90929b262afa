(** A [Mirage_net.S] netif over any mnetif backend ({!Backend.S}): frames arrive through the shared
    receive loop ({!Mnetif_listen.Listen}) and leave through the transmit ring ({!Mnetif_core.Tx_ring}).

    - [write t ~size fill]: [size] at most [mtu + 14], else [`Invalid_length]. When the transmit
      ring is full it kicks the platform and waits (50 us doubling to 2 ms, at most ~0.1 s in all)
      for a free slot; [fill] gets a zeroed buffer and must return 14..[size] (else
      [`Invalid_length]); the frame is copied into the ring and the platform is kicked if it
      sleeps. A ring still full after the wait drops the frame and counts it ([drops]:
      ["tx_ring_full"]), like a full NIC queue: the write returns [Ok ()].
    - [listen t ~header_size fn]: each frame of at most [header_size + mtu] bytes is COPIED out of
      the ring into a fresh buffer that [fn] owns, and [fn] runs in its own task ([Lwt.async]; an
      exception it raises is printed and ends nothing). Longer frames are counted
      (["rx_too_long"]). Returns [Ok ()] after [disconnect], [Error `Disconnected] if the
      interface went away, [Error (`Ring e)] if the ring is corrupt. One listen at a time.
    - [disconnect]: ends [listen], then closes the backend (what was written is still sent). *)

type error = [ Mirage_net.Net.error | `Ring of Mnetif_core.Ring_error.t | `Device of string ]

module Make (B : Backend.S) : sig
  include Mirage_net.S with type error = error

  val of_backend : B.t -> t
  val backend : t -> B.t

  val drops : t -> (string * int) list
  (** The platform's counted drops ({!Backend.S.drops}) and this layer's own: ["rx_too_long"],
      ["tx_ring_full"] (the producer's ring-full count), ["tx_ring_corrupt"]. A frame is either
      delivered / sent or in exactly one of them. *)
end
