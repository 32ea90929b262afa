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

(* Ring.rx_frames / rx_batch: one read of the producer's index (v3: none while its cached copy
   covers the budget) and one release per call (v1: frames whose release found the lock busy are
   released by the next call before anything is handed out). *)
let budget_of t = function Some b -> b | None -> (Ring.geometry t.ring).Ring_geom.size
let rx_frames ?budget t fn = Ring.rx_frames t.ring (budget_of t budget) fn
let rx_poll ?budget t fn = Ring.rx_batch t.ring (budget_of t budget) fn

(* The eventfd counts signals; reading it resets it. It is non-blocking: EAGAIN = no signal. *)
let clear_event fd =
  let b = Bytes.create 8 in
  try ignore (Unix.read fd b 0 8) with Unix.Unix_error ((Unix.EAGAIN | Unix.EWOULDBLOCK), _, _) -> ()

(* The ring's event channel: the eventfd the producer (netif_ether_input) writes; it never says gone. *)
let channel t =
  Option.map
    (fun p -> { Mnetif_listen.Listen.fd = p.efd; clear = (fun () -> clear_event p.efd); gone = (fun () -> false) })
    t.plugged

let plugged ts = List.filter_map (fun t -> Option.map (fun ch -> (t, ch)) (channel t)) ts

(* One Listen.run_frames per ring on one scheduler: the handler is Listen's. *)
let listen_with ~handler ?stop ts fn =
  let plugged = plugged ts in
  let rings = List.map (fun (t, ch) -> (t.ring, ch, Mnetif_listen.Listen.stats ())) plugged in
  let arr = Array.of_list (List.map fst plugged) in
  Mnetif_listen.Listen.all ?stop rings (fun i -> handler arr.(i) (fn arr.(i)))

(* The 2012 handler type: a zero-copy view per frame, over the batch path. *)
let listen ?stop ts fn =
  listen_with ?stop ts fn ~handler:(fun t f -> Mnetif_listen.Listen.views t.ring f)

let listen_frames ?stop ts fn = listen_with ?stop ts fn ~handler:(fun _ f -> f)
