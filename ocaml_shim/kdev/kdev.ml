open Mnetif_core

external plug_ioctl : Unix.file_descr -> string -> int array -> int array -> Bytes.t -> int = "mnkd_plug"
external unplug_ioctl : Unix.file_descr -> int = "mnkd_unplug"
external counters_ioctl : Unix.file_descr -> int array -> int = "mnkd_counters"
external map : Unix.file_descr -> int -> Cstruct.buffer = "mnkd_map"
external poll : Unix.file_descr -> int -> int = "mnkd_poll"
external clear_read : Unix.file_descr -> int = "mnkd_clear"
external tx_attach_ioctl : Unix.file_descr -> int array -> int array -> int = "mnkd_tx_attach"
external tx_map : Unix.file_descr -> int -> Cstruct.buffer = "mnkd_tx_map"
external tx_counters_ioctl : Unix.file_descr -> int array -> int = "mnkd_tx_counters"

type info = { mmap_len : int; index : int; size : int; slotsize : int; dataoff : int; mac : string; up : bool }

type counters = {
  frames : int;
  bytes : int;
  drop_full : int;
  drop_oversize : int;
  drop_busy : int;
  drop_error : int;
  notify : int;
  error : int;
  plugged : bool;
  gone : bool;
}

type hdr_counters = { h_frames : int; h_drop_full : int; h_drop_oversize : int; h_drop_busy : int }
type stats = Mnetif_listen.Listen.stats = {
  mutable batches : int;
  mutable empty : int;
  mutable delivered : int;
  mutable sleeps : int;
}

type t = {
  name : string;
  fd : Unix.file_descr;
  ring : Ring.t;
  info : info;
  stats : stats;
  mutable closed : bool;
  mutable gone : bool;  (** poll said POLLHUP: the producer is detached for good *)
}

let device = "/dev/mnetif"
let available () = Sys.file_exists device

(* The errnos uapi.h documents; any other is printed as a number. *)
let errno_name e =
  match -e with
  | 1 -> "EPERM" | 2 -> "ENOENT" | 6 -> "ENXIO" | 12 -> "ENOMEM" | 13 -> "EACCES" | 16 -> "EBUSY"
  | 17 -> "EEXIST" | 19 -> "ENODEV" | 22 -> "EINVAL" | 28 -> "ENOSPC"
  | n -> Printf.sprintf "errno %d" n

let fail name what = Error (Printf.sprintf "Kdev.%s: %s" name what)

(* The consumer validates the mapped header itself (copy, then validate) and must find the
   geometry the producer took as its private copy: anything else means the ring is not the one
   the kernel produces into. *)
let attach name fd info =
  match map fd info.mmap_len with
  | exception Unix.Unix_error (e, _, _) -> fail ("plug " ^ name) ("mmap: " ^ Unix.error_message e)
  | buf -> (
      match Ring.of_buf (Cstruct.of_bigarray buf) with
      | Error e -> fail ("plug " ^ name) (Ring_error.to_string e)
      | Ok ring ->
          let g = Ring.geometry ring in
          if g.Ring_geom.size <> info.size || g.slotsize <> info.slotsize || g.dataoff <> info.dataoff then
            fail ("plug " ^ name)
              (Printf.sprintf "mapped geometry %dx%d@%d differs from the producer's %dx%d@%d" g.size g.slotsize
                 g.dataoff info.size info.slotsize info.dataoff)
          else Ok ring)

let plug ?(proto = Layout.proto_v2) ?(nslots = 0) ?(slotsize = Layout.default_slotsize) ?(buflen = 0)
    ?(steal = false) name =
  match Unix.openfile device [ Unix.O_RDWR; Unix.O_CLOEXEC ] 0 with
  | exception Unix.Unix_error (e, _, _) -> fail ("plug " ^ name) (device ^ ": " ^ Unix.error_message e)
  | fd -> (
      let out = Array.make 6 0 and mac = Bytes.create 6 in
      let flags = if steal then 1 (* MNETIF_PLUG_STEAL *) else 0 in
      let r = plug_ioctl fd name [| proto; nslots; slotsize; flags; buflen |] out mac in
      let info =
        { mmap_len = out.(0); index = out.(1); size = out.(2); slotsize = out.(3); dataoff = out.(4);
          mac = Bytes.to_string mac; up = out.(5) <> 0 }
      in
      let ring = if r <> 0 then fail ("plug " ^ name) (errno_name r) else attach name fd info in
      match ring with
      | Ok ring ->
          let stats = Mnetif_listen.Listen.stats () in
          Ok { name; fd; ring; info; stats; closed = false; gone = false }
      | Error _ as e ->
          (* Unplug first: a mapping that failed validation may still hold the file. *)
          if r = 0 then ignore (unplug_ioctl fd);
          Unix.close fd;
          e)

type event = { signal : bool; hup : bool }

let poll_event t timeout_ms =
  let r = poll t.fd timeout_ms in
  if r < 0 then fail ("poll " ^ t.name) (errno_name r) else Ok { signal = r land 1 <> 0; hup = r land 2 <> 0 }

let clear t =
  let r = clear_read t.fd in
  if r < 0 then fail ("clear " ^ t.name) (errno_name r) else Ok r

let ring t = t.ring
let name t = t.name
let info t = t.info
let fd t = t.fd
let stats t = t.stats
let poll = poll_event

let counters t =
  let a = Array.make 10 0 in
  let r = counters_ioctl t.fd a in
  if r <> 0 then fail ("counters " ^ t.name) (errno_name r)
  else
    Ok
      { frames = a.(0); bytes = a.(1); drop_full = a.(2); drop_oversize = a.(3); drop_busy = a.(4);
        drop_error = a.(5); notify = a.(6); error = a.(7); plugged = a.(8) <> 0; gone = a.(9) <> 0 }

let header_counters t =
  let g = Ring.geometry t.ring in
  let ld32 off = Hdr_ops.load32_relaxed g.Ring_geom.buf (Ring_geom.field g off) in
  { h_frames = Hdr_ops.load64_relaxed g.buf (Ring_geom.field g Layout.off_frames);
    h_drop_full = ld32 Layout.off_drop_full; h_drop_oversize = ld32 Layout.off_drop_oversize;
    h_drop_busy = ld32 Layout.off_drop_busy }

let unplug t =
  let r = unplug_ioctl t.fd in
  if r <> 0 then fail ("unplug " ^ t.name) (errno_name r) else Ok ()

let close t =
  if not t.closed then (
    t.closed <- true;
    ignore (unplug_ioctl t.fd);
    Unix.close t.fd)

type tx_info = { tx_mmap_len : int; tx_size : int; tx_slotsize : int; tx_dataoff : int; mtu : int }

type tx_counters = {
  t_frames : int;
  t_bytes : int;
  t_runt : int;
  t_oversize : int;
  t_refused : int;
  t_corrupt : int;
  t_drains : int;
  t_sleeps : int;
  t_attached : bool;
}

(* The producer is ring.c's (through Tx_ring), its kick write() on this file: the module drains the
   ring in the kicking thread. *)
let tx_attach ?(nslots = 0) ?(slotsize = Layout.default_slotsize) ?(buflen = 0) t =
  let out = Array.make 5 0 in
  let r = tx_attach_ioctl t.fd [| nslots; slotsize; buflen |] out in
  if r <> 0 then fail ("tx_attach " ^ t.name) (errno_name r)
  else
    let info = { tx_mmap_len = out.(0); tx_size = out.(1); tx_slotsize = out.(2); tx_dataoff = out.(3); mtu = out.(4) } in
    match tx_map t.fd info.tx_mmap_len with
    | exception Unix.Unix_error (e, _, _) -> fail ("tx_attach " ^ t.name) ("mmap: " ^ Unix.error_message e)
    | buf -> (
        match Tx_ring.attach (Cstruct.of_bigarray buf) ~kick:t.fd with
        | Error e -> fail ("tx_attach " ^ t.name) e
        | Ok tx -> Ok (tx, info))

let tx_counters t =
  let a = Array.make 9 0 in
  let r = tx_counters_ioctl t.fd a in
  if r <> 0 then fail ("tx_counters " ^ t.name) (errno_name r)
  else
    Ok
      { t_frames = a.(0); t_bytes = a.(1); t_runt = a.(2); t_oversize = a.(3); t_refused = a.(4); t_corrupt = a.(5);
        t_drains = a.(6); t_sleeps = a.(7); t_attached = a.(8) <> 0 }

(* Optional since the device's poll is level-triggered (epoll-safe): see the .mli. *)
let engine_installed = ref false

let use_select_engine () =
  if not !engine_installed then (
    Lwt_engine.set (new Lwt_engine.select);
    engine_installed := true)

(* The device's event channel: clear = read(), gone = POLLHUP after the clear (the interface went
   away and the module unplugged: no producer can publish any more). *)
let channel t =
  { Mnetif_listen.Listen.fd = t.fd;
    clear = (fun () -> match clear t with Ok _ -> () | Error e -> failwith e);
    gone = (fun () -> match poll_event t 0 with Ok { hup = true; _ } -> t.gone <- true; true | _ -> t.gone) }

let listen ?stop ?(set_engine = false) ts fn =
  if set_engine then use_select_engine ();
  let arr = Array.of_list ts in
  Mnetif_listen.Listen.all ?stop (List.map (fun t -> (t.ring, channel t, t.stats)) ts)
    (fun i -> Mnetif_listen.Listen.views arr.(i).ring (fn arr.(i)))
