(* mirage_responder user|kernel IFNAME IPV4: answers arping and ping on IFNAME as IPV4 through the
   Mirage_net.S netif of the chosen backend, until SIGTERM/SIGINT. Prints "READY <mac> <ip>" once
   it listens, and at the end one JSON line with its counters and every counted drop. *)
open Lwt.Infix

let json_of st (s : Mirage_net.stats) drops =
  Printf.sprintf
    "{\"arp_replies\": %d, \"echo_replies\": %d, \"ignored\": %d, \"write_errors\": %d, \"rx_pkts\": %ld, \"tx_pkts\": %ld, \"drops\": {%s}}"
    st.Mnetif_responder.Responder.arp_replies st.echo_replies st.ignored st.write_errors s.rx_pkts s.tx_pkts
    (String.concat ", " (List.map (fun (k, v) -> Printf.sprintf "%S: %d" k v) drops))

module Serve (N : sig
  include Mirage_net.S

  val drops : t -> (string * int) list
end) =
struct
  module R = Mnetif_responder.Responder.Make (N)

  let main net ip =
    let st = Mnetif_responder.Responder.stats () in
    let stop, wake = Lwt.wait () in
    let on_signal _ = if Lwt.is_sleeping stop then Lwt.wakeup wake () in
    ignore (Lwt_unix.on_signal Sys.sigterm on_signal);
    ignore (Lwt_unix.on_signal Sys.sigint on_signal);
    Printf.printf "READY %s %s\n%!" (Macaddr.to_string (N.mac net)) (Ipaddr.V4.to_string ip);
    let served = R.run net ip st in
    (* A signal, or listen ended by itself (the interface went away, a corrupt ring). *)
    Lwt.choose [ stop; Lwt.map ignore served ] >>= fun () ->
    N.disconnect net >>= fun () ->
    served >|= fun r ->
    print_endline (json_of st (N.get_stats_counters net) (N.drops net));
    match r with
    | Ok () -> 0
    | Error e -> Format.eprintf "listen: %a@." N.pp_error e; 1
end

module U = Serve (Mnetif_mirage.Userspace)
module K = Serve (Mnetif_mirage.Kernel)

let usage () = prerr_endline "usage: mirage_responder user|kernel IFNAME IPV4"; exit 2

let () =
  match Sys.argv with
  | [| _; backend; ifname; ip |] -> (
      let ip = match Ipaddr.V4.of_string ip with Ok ip -> ip | Error (`Msg m) -> prerr_endline m; exit 2 in
      let run =
        match backend with
        | "user" -> Mnetif_mirage.Userspace.connect ifname >>= fun n -> U.main n ip
        | "kernel" -> Mnetif_mirage.Kernel.connect ifname >>= fun n -> K.main n ip
        | _ -> usage ()
      in
      match Lwt_main.run run with
      | code -> exit code
      | exception (Failure m | Invalid_argument m) -> prerr_endline ("mirage_responder: " ^ m); exit 1)
  | _ -> usage ()
