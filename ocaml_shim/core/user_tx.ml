external open_raw : string -> Io_page.t -> int * Unix.file_descr * int * int * string = "mnoc_user_tx_open"
external close_raw : int -> int array -> int = "mnoc_user_tx_close"
external counters_raw : int -> int array -> int = "mnoc_user_tx_counters"
external link_raw : string -> string -> int = "mnoc_user_if_link"

type counters = {
  frames : int;
  bytes : int;
  drop_runt : int;
  drop_oversize : int;
  drop_xmit : int;
  corrupt : int;
  drains : int;
  sleeps : int;
}

type t = {
  handle : int;
  kick : Unix.file_descr;
  ifindex : int;
  mtu : int;
  mac : string;
  page : Io_page.t;  (** the consumer holds raw pointers into it until close *)
  mutable closed : counters option;
}

let why r =
  match -r with
  | 19 -> "ENODEV no such Ethernet interface"
  | 93 -> "EPROTONOSUPPORT a transmit ring must be v2"
  | 16 -> "EBUSY the ring is already open"
  | 22 -> "EINVAL bad name or ring geometry"
  | 28 -> "ENOSPC too many transmit ports"
  | _ -> Tx_ring.errno_name r

let open_ name page =
  let h, kick, ifindex, mtu, mac = open_raw name page in
  if h < 0 then Error (Printf.sprintf "User_tx.open_ %s: %s" name (why h))
  else Ok { handle = h; kick; ifindex; mtu; mac; page; closed = None }

let kick_fd t = t.kick
let ifindex t = t.ifindex
let mtu t = t.mtu
let mac t = t.mac

let of_array a =
  { frames = a.(0); bytes = a.(1); drop_runt = a.(2); drop_oversize = a.(3); drop_xmit = a.(4); corrupt = a.(5);
    drains = a.(6); sleeps = a.(7) }

let counters t =
  match t.closed with
  | Some c -> c
  | None ->
      let a = Array.make 8 0 in
      ignore (counters_raw t.handle a);
      of_array a

let close t =
  if t.closed = None then (
    let a = Array.make 8 0 in
    ignore (close_raw t.handle a);
    (* Only now may the page go: the thread's last drain read it. *)
    ignore (Sys.opaque_identity t.page);
    t.closed <- Some (of_array a))

let link a b =
  match link_raw a b with 0 -> Ok () | r -> Error (Printf.sprintf "User_tx.link %s %s: %s" a b (why r))
