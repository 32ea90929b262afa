(** The OCaml port over the Linux module: a ring plugged through [/dev/mnetif] (see
    c/include/mnetif/uapi.h and c/platform/linux/README.md), consumed by the SAME {!Mnetif_core.Ring}
    ([Ring_v1]/[Ring_v2]/[Ring_v3] [of_buf] over the mapped buffer) as a ring of the userspace library.

    Backend choice: {!Netif} is the userspace library's backend (ring in an [Io_page], producer
    [netif_ether_input] in this process, eventfd); [Kdev] is the kernel's (ring allocated by the
    module, producer the module's rx_handler, the event channel the device's [poll()]). Both hand
    frames to a [Cstruct.t -> unit] function through [Ring.rx_frames], and {!listen} has
    {!Netif.listen}'s semantics.

    One [t] = one open file of the device = one plugged ring. Root only (device mode 0600). *)

type t

type info = {
  mmap_len : int;  (** bytes mapped *)
  index : int;  (** interface index *)
  size : int;  (** slots (the producer's validated private geometry) *)
  slotsize : int;
  dataoff : int;
  mac : string;  (** 6 raw bytes *)
  up : bool;
}

type counters = {
  frames : int;
  bytes : int;
  drop_full : int;
  drop_oversize : int;
  drop_busy : int;
  drop_error : int;
  notify : int;  (** times the producer signalled the event channel *)
  error : int;
  plugged : bool;
  gone : bool;  (** the interface was unregistered while plugged *)
}

type hdr_counters = { h_frames : int; h_drop_full : int; h_drop_oversize : int; h_drop_busy : int }

type stats = Mnetif_listen.Listen.stats = {
  mutable batches : int;  (** [Ring.rx_frames] calls made by {!listen} *)
  mutable empty : int;  (** of which handed out nothing *)
  mutable delivered : int;  (** frames handed to the function *)
  mutable sleeps : int;  (** waits on the event channel after a final check said "still empty" *)
}
(** What {!listen} did on this ring: a consumer that never spins has [empty <= sleeps + 1]
    (one empty batch per wakeup, plus the first). *)

val device : string
val available : unit -> bool
(** [/dev/mnetif] exists (the module is loaded). *)

val plug :
  ?proto:int -> ?nslots:int -> ?slotsize:int -> ?buflen:int -> ?steal:bool -> string ->
  (t, string) result
(** [plug ifname] opens the device, plugs [ifname] (defaults: v2, 2048-byte slots, as many as fit
    in 33 pages, copy mode), maps the ring and attaches {!Mnetif_core.Ring} to it, checking that
    the geometry the consumer validated is the one the producer reported. Errors name the errno
    (e.g. ["Kdev.plug mnb: EEXIST"]). *)

val ring : t -> Mnetif_core.Ring.t
val name : t -> string
(** The plugged interface's name. *)

val info : t -> info
val fd : t -> Unix.file_descr
(** The event channel: readable while a producer signal is pending (level-triggered, like an
    eventfd: poll/select/epoll report it and never clear it; {!clear} does). *)

type event = { signal : bool; hup : bool }

val poll : t -> int -> (event, string) result
(** [poll t timeout_ms] (negative: forever): [signal] = the producer signalled since the last
    {!clear} (the report leaves it pending), [hup] = the interface is gone. Blocks outside the runtime
    lock: for a consumer without Lwt; sleep only after [Ring.prepare_wait] said [true]. *)

val clear : t -> (int, string) result
(** [read()] on the device: clears the event channel and returns the number of signals since the
    last clear (0: none was pending; never blocks). After a wakeup, clear BEFORE re-checking the
    ring: a signal after the clear stays pending, so the next wait cannot miss it. *)

val stats : t -> stats
val counters : t -> (counters, string) result
(** The producer's private counters ([MNETIF_IOC_COUNTERS]; a consumer cannot change them). *)

val header_counters : t -> hdr_counters
(** The ring header's copies (relaxed loads through the ordering stubs). *)

val unplug : t -> (unit, string) result
(** [MNETIF_IOC_UNPLUG]: the producer stops; the mapping stays readable. *)

val close : t -> unit
(** Unplugs (if plugged) and closes the file. The mapping is released by the GC once no view of it
    is reachable (a managed finaliser munmaps it), so a view kept past [close] stays valid memory.
    Idempotent. *)

(** {1 Transmit path} (uapi.h "Transmit path", tx.h) *)

type tx_info = {
  tx_mmap_len : int;
  tx_size : int;  (** slots *)
  tx_slotsize : int;
  tx_dataoff : int;
  mtu : int;  (** the device's MTU at attach (the module checks each frame against the current one) *)
}

val tx_attach :
  ?nslots:int -> ?slotsize:int -> ?buflen:int -> t -> (Mnetif_core.Tx_ring.t * tx_info, string) result
(** After {!plug}: [MNETIF_IOC_TX_ATTACH] (a fresh v2 ring laid out by the module), the mapping at
    [MNETIF_TX_MMAP_OFF], and the ring's producer ({!Mnetif_core.Tx_ring}, ring.c's [mn_prod_*])
    whose kick is [write()] on this file: the module then drains the ring into [dev_queue_xmit] in
    the kicking thread. The ring ends with the plug. Errors name the errno ("ENXIO": not plugged). *)

type tx_counters = {
  t_frames : int;  (** accepted by dev_queue_xmit *)
  t_bytes : int;
  t_runt : int;
  t_oversize : int;  (** longer than the device's MTU + 18 *)
  t_refused : int;  (** the device refused them (down, queue full) *)
  t_corrupt : int;  (** drains ended by a corrupt producer index *)
  t_drains : int;
  t_sleeps : int;
  t_attached : bool;
}

val tx_counters : t -> (tx_counters, string) result
(** [MNETIF_IOC_TX_COUNTERS]: the module's consumer counters. *)

val channel : t -> Mnetif_listen.Listen.channel
(** The device as {!Mnetif_listen.Listen}'s event channel: clear = [read()], gone = POLLHUP. *)

val listen :
  ?stop:unit Lwt.t -> ?set_engine:bool -> t list -> (t -> Cstruct.t -> unit) ->
  (unit, Mnetif_core.Ring_error.t) result Lwt.t
(** {!Netif.listen} over device rings: drain with [Ring.rx_frames] (a view per frame), then the
    final check ([Ring.prepare_wait]: arm [sr_wake], full fence — v3: heavy barrier — re-check) and only then wait for the file
    to become readable; no periodic wakeup. A ring whose interface went away (POLLHUP) is drained
    and then left; [listen] returns when [stop] resolves, every ring is gone, or a ring is
    corrupt (its error).

    After each wakeup it {!clear}s the event channel before re-checking the ring. Engine: the
    device's [poll()] is level-triggered (reports a pending signal, never clears it), so any Lwt
    engine works, including the default libev/epoll one. [set_engine] (default [false]) installs
    [Lwt_engine.select] before the first wait, as an option. *)
