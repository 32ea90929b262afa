open Mnetif_core

type plugged = { up : bool; index : int; mac : string; efd : Unix.file_descr }
type t = {
  id : string;
  page : Io_page.t;
  ring : Ring.t;
  mutable plugged : plugged option;
}

let errno_name = function 22 -> "EINVAL" | 28 -> "ENOSPC" | e -> Printf.sprintf "errno %d" e

let create ?(proto = Layout.proto_v2) ?(pages = Layout.default_pages) ?(nslots = 0)
    ?(slotsize = Layout.default_slotsize) id =
  let page = Io_page.get pages in
  match Vif.ring_init page ~proto ~nslots ~slotsize with
  | Error e -> Error (Printf.sprintf "Netif.create %s: ring_init: %s" id (errno_name e))
  | Ok () -> (
      match Ring.of_buf (Io_page.to_cstruct page) with
      | Ok ring -> Ok { id; page; ring; plugged = None }
      | Error e -> Error (Printf.sprintf "Netif.create %s: %s" id (Ring_error.to_string e)))

let plug t =
  match t.plugged with
  | Some _ -> Error (Printf.sprintf "Netif.plug %s: already plugged" t.id)
  | None -> (
      match Vif.plug_vif_ev t.id t.page with
      | up, index, mac, efd -> t.plugged <- Some { up; index; mac; efd }; Ok ()
      | exception Failure msg -> Error msg)

let unplug t =
  match t.plugged with
  | None -> ()
  | Some _ -> Vif.unplug_vif t.id; t.plugged <- None

let id t = t.id
let mac t = Option.map (fun p -> p.mac) t.plugged
let ifindex t = Option.map (fun p -> p.index) t.plugged
let ring t = t.ring

(* Ring.rx_batch: one read of the producer's index and one release per call (v1: frames whose
   release found the lock busy are released by the next call before anything is handed out). *)
let rx_poll ?budget t fn =
  let budget = match budget with Some b -> b | None -> (Ring.geometry t.ring).Ring_geom.size in
  Ring.rx_batch t.ring budget fn

(* The eventfd counts signals; reading it resets it. It is non-blocking: EAGAIN = no signal. *)
let clear_event fd =
  let b = Bytes.create 8 in
  try ignore (Unix.read fd b 0 8) with Unix.Unix_error ((Unix.EAGAIN | Unix.EWOULDBLOCK), _, _) -> ()

let ( >>= ) = Lwt.bind

let listen_one ~stop t fn =
  match t.plugged with
  | None -> Lwt.return (Ok ())
  | Some p ->
      let lfd = Lwt_unix.of_unix_file_descr ~blocking:false ~set_flags:false p.efd in
      let budget = (Ring.geometry t.ring).Ring_geom.size in
      let handler = fn t in
      let rec loop () =
        if not (Lwt.is_sleeping stop) then Lwt.return (Ok ())
        else
          match rx_poll ~budget t handler with
          | Error Ring_error.Busy -> Lwt.pause () >>= loop
          | Error _ as e -> Lwt.return e
          | Ok n when n >= budget -> Lwt.pause () >>= loop
          | Ok _ -> (
              (* Final check: arm sr_wake, full fence, re-check (Ring.prepare_wait). Only a ring
                 still empty after the fence may sleep: a frame published before the producer
                 read sr_wake is seen by the re-check, any later one signals the eventfd. *)
              match Ring.prepare_wait t.ring with
              | Error _ as e -> Lwt.return e
              | Ok false -> loop ()
              | Ok true ->
                  Lwt.pick [ Lwt_unix.wait_read lfd; Lwt.protected stop ] >>= fun () ->
                  (* Clear before re-checking the ring: a signal after this read stays pending. *)
                  clear_event p.efd;
                  loop ())
      in
      loop ()

let listen ?(stop = fst (Lwt.wait ())) ts fn =
  let first_error = ref None in
  let stop_all, wake_all = Lwt.wait () in
  let stop = Lwt.choose [ Lwt.protected stop; stop_all ] in
  Lwt.join
    (List.map
       (fun t ->
         listen_one ~stop t fn >>= function
         | Ok () -> Lwt.return_unit
         | Error e ->
             if !first_error = None then first_error := Some e;
             if Lwt.is_sleeping stop_all then Lwt.wakeup wake_all ();
             Lwt.return_unit)
       ts)
  >>= fun () -> Lwt.return (match !first_error with None -> Ok () | Some e -> Error e)
