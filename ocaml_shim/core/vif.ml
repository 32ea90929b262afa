external get_vifs : unit -> string list = "caml_get_vifs"
external plug_vif_raw : string -> Io_page.t -> bool * int * string * Unix.file_descr = "mnoc_plug_vif_ev"
external unplug_raw : string -> unit = "caml_unplug_vif"
external ring_init_raw : Io_page.t -> int -> int -> int -> int = "mnoc_ring_init"

(* The registry holds a raw pointer into each plugged page: keep the Bigarray reachable until
   unplug, or the GC would free memory the producer still writes. *)
let pinned : (string, Io_page.t) Hashtbl.t = Hashtbl.create 8
let mu = Mutex.create ()
let locked f = Mutex.lock mu; Fun.protect ~finally:(fun () -> Mutex.unlock mu) f

let plug_vif_ev name page =
  let r = plug_vif_raw name page in
  locked (fun () -> Hashtbl.replace pinned name page);
  r

let plug_vif name page =
  let up, index, mac, _ = plug_vif_ev name page in
  (up, index, mac)

let unplug_vif name =
  unplug_raw name;
  locked (fun () -> Hashtbl.remove pinned name)

let ring_init page ~proto ~nslots ~slotsize =
  match ring_init_raw page proto nslots slotsize with 0 -> Ok () | e -> Error (-e)
