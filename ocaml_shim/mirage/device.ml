open Mnetif_core
open Lwt.Infix

type error = [ Mirage_net.Net.error | `Ring of Ring_error.t | `Device of string ]

let eth_hlen = 14

(* Backoff while the transmit ring is full: 50 us doubling to 2 ms, 64 tries (~0.1 s). *)
let full_waits = 64
let full_delay n = Float.min 0.002 (0.00005 *. Float.pow 2. (float_of_int (min n 6)))

module Make (B : Backend.S) = struct
  type nonrec error = error

  let pp_error ppf : error -> unit = function
    | #Mirage_net.Net.error as e -> Mirage_net.Net.pp_error ppf e
    | `Ring e -> Format.fprintf ppf "ring: %a" Ring_error.pp e
    | `Device s -> Format.pp_print_string ppf s

  type t = {
    b : B.t;
    mac : Macaddr.t;
    mtu : int;
    stats : Mirage_net.stats;
    scratch : Cstruct.t;  (** write's buffer: filled and pushed with no yield in between *)
    mutable disconnected : bool;
    stop : unit Lwt.t;
    wake_stop : unit Lwt.u;
    mutable listener : (unit, error) result Lwt.t option;
    mutable rx_too_long : int;
    mutable final_drops : (string * int) list option;  (** taken just before the backend closed *)
  }

  (* The backend's counters after close win where it still has them (the transmit consumer's final
     drain); the rest keep their last live values. *)
  let merge before after = List.map (fun (k, v) -> (k, Option.value (List.assoc_opt k after) ~default:v)) before

  let fresh_stats () = { Mirage_net.rx_bytes = 0L; rx_pkts = 0l; tx_bytes = 0L; tx_pkts = 0l }

  let of_backend b =
    let stop, wake_stop = Lwt.wait () in
    { b; mac = Macaddr.of_octets_exn (B.mac b); mtu = B.mtu b; stats = fresh_stats ();
      scratch = Cstruct.create (B.mtu b + eth_hlen); disconnected = false; stop; wake_stop; listener = None;
      rx_too_long = 0; final_drops = None }

  let backend t = t.b
  let mac t = t.mac
  let mtu t = t.mtu
  let get_stats_counters t = t.stats

  let reset_stats_counters t =
    t.stats.rx_bytes <- 0L;
    t.stats.rx_pkts <- 0l;
    t.stats.tx_bytes <- 0L;
    t.stats.tx_pkts <- 0l

  let live_drops t =
    let c = Tx_ring.counters (B.tx t.b) in
    B.drops t.b @ [ ("rx_too_long", t.rx_too_long); ("tx_ring_full", c.drop_full); ("tx_ring_corrupt", c.drop_error) ]

  let drops t = match t.final_drops with Some d -> d | None -> live_drops t

  (* The single producer never yields between [space] and [push], so a free slot seen here is
     still free when the frame is pushed. *)
  let rec wait_slot t n =
    if t.disconnected then Lwt.return `Disconnected
    else if Tx_ring.space (B.tx t.b) > 0 || n >= full_waits then Lwt.return `Go
    else (
      Tx_ring.kick (B.tx t.b);
      Lwt_unix.sleep (full_delay n) >>= fun () -> wait_slot t (n + 1))

  let push t len =
    match Tx_ring.push (B.tx t.b) (Cstruct.sub t.scratch 0 len) with
    | 0 ->
        t.stats.tx_pkts <- Int32.succ t.stats.tx_pkts;
        t.stats.tx_bytes <- Int64.add t.stats.tx_bytes (Int64.of_int len);
        Ok ()
    | -105 (* ENOBUFS: full after the wait, counted by the producer *) -> Ok ()
    | -90 (* EMSGSIZE *) -> Error `Invalid_length
    | r -> Error (`Device (Printf.sprintf "%s: transmit ring: %s" (B.name t.b) (Tx_ring.errno_name r)))

  let write t ~size fill =
    if t.disconnected then Lwt.return (Error `Disconnected)
    else if size < 0 || size > t.mtu + eth_hlen then Lwt.return (Error `Invalid_length)
    else
      wait_slot t 0 >>= function
      | `Disconnected -> Lwt.return (Error `Disconnected)
      | `Go -> (
          let buf = Cstruct.sub t.scratch 0 size in
          Cstruct.memset buf 0;
          match fill buf with
          | exception e -> Lwt.fail e
          | len when len < eth_hlen || len > size -> Lwt.return (Error `Invalid_length)
          | len -> Lwt.return (push t len))

  (* The batch path (Listen.run_frames): the frame is copied straight out of the slot (the
     ordering layer's region load) into a buffer fn owns; no view of the ring is made. *)
  let deliver t max_len fn ring off len =
    if len > max_len then t.rx_too_long <- t.rx_too_long + 1
    else (
      (* The ring slot goes back to the producer as soon as the batch is released: fn gets a copy
         it owns. *)
      let buf = Cstruct.create_unsafe len in
      Hdr_ops.copy_out ring off buf.Cstruct.buffer buf.Cstruct.off len;
      t.stats.rx_pkts <- Int32.succ t.stats.rx_pkts;
      t.stats.rx_bytes <- Int64.add t.stats.rx_bytes (Int64.of_int len);
      Lwt.async (fun () ->
          Lwt.catch
            (fun () -> fn buf)
            (fun e ->
              Printf.eprintf "%s: listen callback raised %s\n%!" (B.name t.b) (Printexc.to_string e);
              Lwt.return_unit)))

  let listen t ~header_size fn =
    if t.disconnected then Lwt.return (Error `Disconnected)
    else if t.listener <> None then Lwt.return (Error (`Device (B.name t.b ^ ": already listening")))
    else
      let ring, ch, stats = B.rx t.b in
      let run =
        Mnetif_listen.Listen.run_frames ~stats ~stop:t.stop ring ch (deliver t (header_size + t.mtu) fn) >|= function
        | Error e -> Error (`Ring e)
        | Ok () when t.disconnected -> Ok ()
        | Ok () -> Error `Disconnected (* the producer went away: the interface is gone *)
      in
      let p = Lwt.finalize (fun () -> run) (fun () -> t.listener <- None; Lwt.return_unit) in
      if Lwt.is_sleeping p then t.listener <- Some p;
      p

  let disconnect t =
    if t.disconnected then Lwt.return_unit
    else (
      t.disconnected <- true;
      Lwt.wakeup_later t.wake_stop ();
      (* The receive loop must be done with the event channel before the backend closes it. *)
      (match t.listener with Some p -> p >|= ignore | None -> Lwt.return_unit) >|= fun () ->
      (* The backend's close sends what was written (the transmit consumer's last drain) and ends
         the plug; its counters are read before, the transmit consumer's final ones after. *)
      let before = live_drops t in
      B.close t.b;
      t.final_drops <- Some (merge before (B.closed_drops t.b)))
end
