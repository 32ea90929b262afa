(** The OCaml port of the 2012 [Netif] (mirage-kfreebsd lib/netif.ml): one shared receive ring
    per plugged interface, filled by the C producer (netif_ether_input), consumed here.

    Differences from 2012, each a fix of a known defect (docs/design.md §2): header fields are accessed
    only through ordered stubs; the ring speaks v1 (locked), v2 (lock-free) or v3 (lock-free, one
    writer per cache line) and its geometry is validated once; a corrupt header is an [Error] naming the field and the value, never a crash;
    [listen] blocks on the rings' event channels in one Lwt loop instead of sleeping 1 ms. *)

type t

val create :
  ?proto:int -> ?pages:int -> ?nslots:int -> ?slotsize:int -> string -> (t, string) result
(** [create id] lays out an empty ring for interface [id] in fresh [Io_page]s (defaults: v2,
    33 pages, 2048-byte slots, as many slots as fit — 64 in 2012's geometry). Not plugged yet. *)

val plug : t -> (unit, string) result
(** Plugs the interface ([Vif.plug_vif]): the producer starts filling the ring. *)

val unplug : t -> unit
(** Unplugs; no producer touches the ring afterwards. Call it after [listen] on [t] returned
    (it closes the ring's event channel). A no-op when not plugged. *)

val id : t -> string
val mac : t -> string option
(** 6 raw bytes, once plugged. *)

val ifindex : t -> int option
val ring : t -> Mnetif_core.Ring.t

val rx_poll : ?budget:int -> t -> (Cstruct.t -> unit) -> (int, Mnetif_core.Ring_error.t) result
(** Hands every frame in the ring now (at most [budget], default the ring size) to the function,
    as a zero-copy view valid only during the call, and releases them (also if the function
    raises; the exception is re-raised). Returns the number of frames. Never sleeps. v1: frames
    whose release found the lock busy are released by the next call before it hands anything
    out ([Error Busy] if the lock is still busy): a frame is never delivered twice. *)

val rx_frames : ?budget:int -> t -> (Cstruct.buffer -> int -> int -> unit) -> (int, Mnetif_core.Ring_error.t) result
(** {!rx_poll} without views (the batch API, [Ring.rx_frames]): [fn buf off len] gets each frame
    as [len] bytes at offset [off] of [buf], valid during the call only; nothing is allocated or
    boxed per frame. Same release, exception and v1 rules as {!rx_poll}. *)

val channel : t -> Mnetif_listen.Listen.channel option
(** The ring's event channel (its eventfd), once plugged: what {!listen} waits on. *)

val listen :
  ?stop:unit Lwt.t -> t list -> (t -> Cstruct.t -> unit) -> (unit, Mnetif_core.Ring_error.t) result Lwt.t
(** Receives from all the (plugged) interfaces in one Lwt loop until [stop] resolves. When a ring
    is empty it arms the ring's wake word, issues a full fence, re-checks, and only then waits for
    its event channel to become readable (no periodic wakeup). A corrupt ring ends [listen] with
    its error. v1 lock contention ([Busy]) is retried after yielding to the other rings.
    Path: {!Mnetif_listen.Listen.run_frames} (the batch API) with a [Cstruct.sub] view per frame,
    which the [Cstruct.t] handler type requires; {!listen_frames} is the same loop without it. *)

val listen_frames :
  ?stop:unit Lwt.t -> t list -> (t -> Cstruct.buffer -> int -> int -> unit) ->
  (unit, Mnetif_core.Ring_error.t) result Lwt.t
(** {!listen} with {!rx_frames}'s handler: no view, no allocation per frame (the fast path). *)
