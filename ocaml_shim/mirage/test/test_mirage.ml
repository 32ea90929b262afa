(* Mnetif_mirage.Userspace as a Mirage_net.S device, over two software interfaces wired together
   (User_tx.link): frames written on one are listened on the other, byte-exact, in order, owned by
   the callback; errors, statistics, disconnect; the responder answers ARP and ICMP echo. *)
open Lwt.Infix
module U = Mnetif_mirage.Userspace
module R = Mnetif_responder.Responder
module Answer = R.Make (U)

let run f = Lwt_main.run (f ())

let ok what = function
  | Ok () -> ()
  | Error e -> Alcotest.failf "%s: %a" what U.pp_error e

let n = ref 0

(* Two fresh software interfaces a <-> b, each a connected netif. *)
let pair ?(a_tx_pages = 33) ?(b_rx_pages = 33) ?rx_proto () =
  incr n;
  let mk c = Printf.sprintf "mw%c%d" c !n in
  let a = mk 'a' and b = mk 'b' in
  let mac c = Printf.sprintf "\x02\x00\x00\x00%c%c" (Char.chr !n) c in
  if Mnetif_cring.User_if.create a ~mac:(mac 'a') < 0 || Mnetif_cring.User_if.create b ~mac:(mac 'b') < 0 then
    Alcotest.fail "mn_user_if_create";
  (match Mnetif_core.User_tx.link a b with Ok () -> () | Error e -> Alcotest.fail e);
  U.connect ~tx_pages:a_tx_pages a >>= fun na ->
  U.connect ?rx_proto ~rx_pages:b_rx_pages b >|= fun nb -> (na, nb)

let frame i len =
  let f = Cstruct.create len in
  Cstruct.BE.set_uint16 f 12 0x88b5;
  for k = 14 to len - 1 do Cstruct.set_uint8 f k ((i * 7) + k) done;
  f

let send net f =
  U.write net ~size:(Cstruct.length f) (fun b -> Cstruct.blit f 0 b 0 (Cstruct.length f); Cstruct.length f)

let rec until ?(limit = 500) cond =
  if cond () then Lwt.return true else if limit = 0 then Lwt.return false
  else Lwt_unix.sleep 0.01 >>= fun () -> until ~limit:(limit - 1) cond

let all_zero drops = List.for_all (fun (_, v) -> v = 0) drops

let show drops = String.concat " " (List.map (fun (k, v) -> Printf.sprintf "%s=%d" k v) drops)

(* 100 frames of 14..1514 bytes through a 4-slot receive ring: each slot is reused ~25 times, yet
   every buffer the callback kept still holds its own frame — it owns a copy. On each receive
   protocol (the copy comes straight out of the slot: Listen.run_frames, no view). *)
let test_write_listen_own rx_proto () =
  run @@ fun () ->
  pair ~b_rx_pages:3 ~rx_proto () >>= fun (a, b) ->
  let got = ref [] in
  let l = U.listen b ~header_size:14 (fun buf -> got := buf :: !got; Lwt.return_unit) in
  let frames = List.init 100 (fun i -> frame i (14 + (i * 37 mod 1501))) in
  Lwt_list.iteri_s
    (fun i f -> send a f >>= fun r -> ok "write" r; until (fun () -> List.length !got = i + 1) >|= ignore)
    frames
  >>= fun () ->
  let got = List.rev !got in
  Alcotest.(check int) "frames received" 100 (List.length got);
  List.iteri (fun i (f, g) -> if not (Cstruct.equal f g) then Alcotest.failf "frame %d differs" i) (List.combine frames got);
  let sa = U.get_stats_counters a and sb = U.get_stats_counters b in
  let bytes = List.fold_left (fun s f -> s + Cstruct.length f) 0 frames in
  Alcotest.(check (list int)) "stats" [ 100; bytes; 100; bytes ]
    [ Int32.to_int sa.tx_pkts; Int64.to_int sa.tx_bytes; Int32.to_int sb.rx_pkts; Int64.to_int sb.rx_bytes ];
  if not (all_zero (U.drops a) && all_zero (U.drops b)) then Alcotest.failf "drops: %s / %s" (show (U.drops a)) (show (U.drops b));
  U.reset_stats_counters b;
  Alcotest.(check int32) "reset" 0l (U.get_stats_counters b).rx_pkts;
  U.disconnect b >>= fun () ->
  l >>= fun r -> ok "listen after disconnect" r; U.disconnect a

let test_identity () =
  run @@ fun () ->
  pair () >>= fun (a, b) ->
  Alcotest.(check string) "mac" (Printf.sprintf "02:00:00:00:%02x:61" !n) (Macaddr.to_string (U.mac a));
  Alcotest.(check int) "mtu" 1500 (U.mtu a);
  U.disconnect a >>= fun () -> U.disconnect b

let is_invalid = function Error `Invalid_length -> true | _ -> false
let is_disconnected = function Error `Disconnected -> true | _ -> false

let test_errors () =
  run @@ fun () ->
  pair () >>= fun (a, b) ->
  U.write a ~size:1515 (fun _ -> 60) >>= fun r1 ->
  U.write a ~size:100 (fun _ -> 101) >>= fun r2 ->
  U.write a ~size:100 (fun _ -> 13) >>= fun r3 ->
  U.write a ~size:(-1) (fun _ -> 0) >>= fun r4 ->
  Alcotest.(check (list bool)) "Invalid_length: size > mtu + 14, fill > size, fill < 14, size < 0"
    [ true; true; true; true ] (List.map is_invalid [ r1; r2; r3; r4 ]);
  let l = U.listen b ~header_size:14 (fun _ -> Lwt.return_unit) in
  U.listen b ~header_size:14 (fun _ -> Lwt.return_unit) >>= fun twice ->
  Alcotest.(check bool) "a second listen is refused" true (match twice with Error (`Device _) -> true | _ -> false);
  U.disconnect b >>= fun () ->
  l >>= fun lr ->
  ok "listen ends with Ok after disconnect" lr;
  U.write b ~size:60 (fun _ -> 60) >>= fun w ->
  U.listen b ~header_size:14 (fun _ -> Lwt.return_unit) >>= fun l2 ->
  Alcotest.(check (list bool)) "Disconnected: write, listen" [ true; true ] [ is_disconnected w; is_disconnected l2 ];
  U.disconnect b >>= fun () -> U.disconnect a

(* Frames longer than header_size + mtu never reach the callback; they are counted. *)
let test_too_long_counted () =
  run @@ fun () ->
  pair () >>= fun (a, b) ->
  let got = ref 0 in
  let l = U.listen b ~header_size:0 (fun _ -> incr got; Lwt.return_unit) in
  send a (frame 1 1514) >>= fun r -> ok "write" r;
  send a (frame 2 1500) >>= fun r -> ok "write" r;
  until (fun () -> !got = 1 && List.assoc "rx_too_long" (U.drops b) = 1) >>= fun ok_ ->
  Alcotest.(check bool) (Printf.sprintf "1 delivered, 1 counted (%s)" (show (U.drops b))) true ok_;
  U.disconnect b >>= fun () -> l >>= fun _ -> U.disconnect a

(* A one-slot transmit ring: each write waits for the platform to free the slot; nothing is lost
   (the receiving ring, 256 slots, holds the whole burst). *)
let test_full_ring_waits () =
  run @@ fun () ->
  pair ~a_tx_pages:1 ~b_rx_pages:129 () >>= fun (a, b) ->
  let got = ref 0 in
  let l = U.listen b ~header_size:14 (fun _ -> incr got; Lwt.return_unit) in
  Lwt_list.iter_s (fun i -> send a (frame i 600) >|= ok "write") (List.init 200 Fun.id) >>= fun () ->
  until (fun () -> !got = 200) >>= fun all ->
  Alcotest.(check bool) (Printf.sprintf "200 of 200 arrived (%d; %s / %s)" !got (show (U.drops a)) (show (U.drops b)))
    true all;
  Alcotest.(check bool) "no drop anywhere" true (all_zero (U.drops a) && all_zero (U.drops b));
  U.disconnect b >>= fun () -> l >>= fun _ -> U.disconnect a

let ip = Ipaddr.V4.of_string_exn "10.0.0.2"
let peer_ip = Ipaddr.V4.of_string_exn "10.0.0.1"

let arp_request ~src ~target =
  let f = Cstruct.create 42 in
  Cstruct.blit_from_string "\xff\xff\xff\xff\xff\xff" 0 f 0 6;
  Cstruct.blit_from_string src 0 f 6 6;
  Cstruct.BE.set_uint16 f 12 0x0806;
  Cstruct.BE.set_uint16 f 14 1;
  Cstruct.BE.set_uint16 f 16 0x0800;
  Cstruct.set_uint8 f 18 6;
  Cstruct.set_uint8 f 19 4;
  Cstruct.BE.set_uint16 f 20 1;
  Cstruct.blit_from_string src 0 f 22 6;
  Cstruct.blit_from_string (Ipaddr.V4.to_octets peer_ip) 0 f 28 4;
  Cstruct.blit_from_string (Ipaddr.V4.to_octets target) 0 f 38 4;
  f

let echo_request ~src ~dst ~payload =
  let total = 20 + 8 + String.length payload in
  let f = Cstruct.create (14 + total) in
  Cstruct.blit_from_string dst 0 f 0 6;
  Cstruct.blit_from_string src 0 f 6 6;
  Cstruct.BE.set_uint16 f 12 0x0800;
  let h = Cstruct.sub f 14 20 and icmp = Cstruct.sub f 34 (total - 20) in
  Cstruct.set_uint8 h 0 0x45;
  Cstruct.BE.set_uint16 h 2 total;
  Cstruct.BE.set_uint16 h 4 0x1234;
  Cstruct.set_uint8 h 8 17;
  Cstruct.set_uint8 h 9 1;
  Cstruct.blit_from_string (Ipaddr.V4.to_octets peer_ip) 0 h 12 4;
  Cstruct.blit_from_string (Ipaddr.V4.to_octets ip) 0 h 16 4;
  Cstruct.BE.set_uint16 h 10 (R.checksum h);
  Cstruct.set_uint8 icmp 0 8;
  Cstruct.BE.set_uint16 icmp 4 0x4242;
  Cstruct.BE.set_uint16 icmp 6 7;
  Cstruct.blit_from_string payload 0 icmp 8 (String.length payload);
  Cstruct.BE.set_uint16 icmp 2 (R.checksum icmp);
  f

(* The responder on a: an ARP request for its address and one for another, an echo request with
   a payload: exactly two replies, each what the RFCs require. *)
let test_responder () =
  run @@ fun () ->
  pair () >>= fun (a, b) ->
  let st = R.stats () in
  let served = Answer.run a ip st in
  let replies = ref [] in
  let l = U.listen b ~header_size:14 (fun buf -> replies := buf :: !replies; Lwt.return_unit) in
  let bmac = Macaddr.to_octets (U.mac b) and amac = Macaddr.to_octets (U.mac a) in
  send b (arp_request ~src:bmac ~target:(Ipaddr.V4.of_string_exn "10.0.0.9")) >|= ok "write" >>= fun () ->
  send b (arp_request ~src:bmac ~target:ip) >|= ok "write" >>= fun () ->
  let payload = String.init 56 (fun i -> Char.chr (i + 32)) in
  send b (echo_request ~src:bmac ~dst:amac ~payload) >|= ok "write" >>= fun () ->
  until (fun () -> List.length !replies = 2) >>= fun _ ->
  Lwt_unix.sleep 0.05 >>= fun () ->
  (match List.rev !replies with
  | [ arp; echo ] ->
      Alcotest.(check string) "arp: to the asker" bmac (Cstruct.to_string (Cstruct.sub arp 0 6));
      Alcotest.(check int) "arp: is-at" 2 (Cstruct.BE.get_uint16 arp 20);
      Alcotest.(check string) "arp: our mac" amac (Cstruct.to_string (Cstruct.sub arp 22 6));
      Alcotest.(check string) "arp: our ip" (Ipaddr.V4.to_octets ip) (Cstruct.to_string (Cstruct.sub arp 28 4));
      let h = Cstruct.sub echo 14 20 and icmp = Cstruct.sub echo 34 (Cstruct.length echo - 34) in
      Alcotest.(check int) "ip header checksum verifies" 0 (R.checksum h);
      Alcotest.(check int) "icmp checksum verifies" 0 (R.checksum icmp);
      Alcotest.(check int) "echo reply" 0 (Cstruct.get_uint8 icmp 0);
      Alcotest.(check string) "src/dst swapped"
        (Ipaddr.V4.to_octets ip ^ Ipaddr.V4.to_octets peer_ip) (Cstruct.to_string (Cstruct.sub h 12 8));
      Alcotest.(check string) "payload" payload (Cstruct.to_string (Cstruct.sub icmp 8 56))
  | l -> Alcotest.failf "%d replies, want 2" (List.length l));
  Alcotest.(check (list int)) "responder stats" [ 1; 1; 1; 0 ] [ st.arp_replies; st.echo_replies; st.ignored; st.write_errors ];
  U.disconnect a >>= fun () ->
  served >>= fun r -> ok "responder" r; U.disconnect b >>= fun () -> l >|= ignore

let () =
  Alcotest.run "mnetif_mirage"
    [ ( "userspace",
        List.map
          (fun (name, p) ->
            Alcotest.test_case ("write/listen byte-exact, callback owns its buffer, receive ring " ^ name) `Quick
              (test_write_listen_own p))
          Mnetif_core.Layout.[ ("v1", proto_v1); ("v2", proto_v2); ("v3", proto_v3) ]
        @ [
          Alcotest.test_case "mac, mtu" `Quick test_identity;
          Alcotest.test_case "Invalid_length, Disconnected, one listen" `Quick test_errors;
          Alcotest.test_case "longer than header_size + mtu: counted" `Quick test_too_long_counted;
          Alcotest.test_case "full transmit ring: write waits, loses nothing" `Quick test_full_ring_waits;
          Alcotest.test_case "responder: ARP + ICMP echo" `Quick test_responder ] ) ]
