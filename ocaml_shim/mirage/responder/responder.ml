open Lwt.Infix

type stats = { mutable arp_replies : int; mutable echo_replies : int; mutable ignored : int; mutable write_errors : int }

let stats () = { arp_replies = 0; echo_replies = 0; ignored = 0; write_errors = 0 }
let eth_hlen = 14
let ethertype_arp = 0x0806
let ethertype_ipv4 = 0x0800

let checksum b =
  let n = Cstruct.length b in
  let rec sum i acc = if i + 1 < n then sum (i + 2) (acc + Cstruct.BE.get_uint16 b i) else acc in
  let s = sum 0 0 in
  let s = if n land 1 = 1 then s + (Cstruct.get_uint8 b (n - 1) lsl 8) else s in
  let rec fold s = if s > 0xffff then fold ((s land 0xffff) + (s lsr 16)) else s in
  lnot (fold s) land 0xffff

let mac_bytes m = Macaddr.to_octets m
let is_for_us mac f =
  let dst = Cstruct.to_string (Cstruct.sub f 0 6) in
  dst = mac_bytes mac || dst = "\xff\xff\xff\xff\xff\xff"

module Make (N : Mirage_net.S) = struct
  let reply net st ~size fill =
    N.write net ~size fill >|= function Ok () -> () | Error _ -> st.write_errors <- st.write_errors + 1

  (* ARP request (RFC 826, Ethernet/IPv4) for our address: who-has -> is-at. *)
  let arp net ip st f =
    let ours = Ipaddr.V4.to_octets ip in
    if Cstruct.length f < eth_hlen + 28 || Cstruct.BE.get_uint16 f 20 <> 1
       || Cstruct.BE.get_uint16 f 14 <> 1 || Cstruct.BE.get_uint16 f 16 <> ethertype_ipv4
       || Cstruct.to_string (Cstruct.sub f 38 4) <> ours
    then (st.ignored <- st.ignored + 1; Lwt.return_unit)
    else
      let mac = mac_bytes (N.mac net) and sha = Cstruct.sub f 22 6 and spa = Cstruct.sub f 28 4 in
      st.arp_replies <- st.arp_replies + 1;
      reply net st ~size:(eth_hlen + 28) (fun b ->
          Cstruct.blit sha 0 b 0 6;
          Cstruct.blit_from_string mac 0 b 6 6;
          Cstruct.BE.set_uint16 b 12 ethertype_arp;
          Cstruct.BE.set_uint16 b 14 1;
          Cstruct.BE.set_uint16 b 16 ethertype_ipv4;
          Cstruct.set_uint8 b 18 6;
          Cstruct.set_uint8 b 19 4;
          Cstruct.BE.set_uint16 b 20 2;
          Cstruct.blit_from_string mac 0 b 22 6;
          Cstruct.blit_from_string ours 0 b 28 4;
          Cstruct.blit sha 0 b 32 6;
          Cstruct.blit spa 0 b 38 4;
          eth_hlen + 28)

  (* ICMP echo request (RFC 792) to our address, not fragmented: the same bytes back with the
     addresses swapped, type 0, TTL 64 and both checksums recomputed. *)
  let icmp net ip st f =
    let n = Cstruct.length f in
    let ihl = if n > eth_hlen then (Cstruct.get_uint8 f eth_hlen land 0xf) * 4 else 0 in
    let total = if n >= eth_hlen + 4 then Cstruct.BE.get_uint16 f (eth_hlen + 2) else 0 in
    if n < eth_hlen + 20 || Cstruct.get_uint8 f eth_hlen lsr 4 <> 4 || ihl < 20 || total < ihl + 8
       || eth_hlen + total > n || Cstruct.get_uint8 f (eth_hlen + 9) <> 1
       || Cstruct.BE.get_uint16 f (eth_hlen + 6) land 0x3fff <> 0
       || Cstruct.to_string (Cstruct.sub f (eth_hlen + 16) 4) <> Ipaddr.V4.to_octets ip
       || Cstruct.get_uint8 f (eth_hlen + ihl) <> 8
    then (st.ignored <- st.ignored + 1; Lwt.return_unit)
    else (
      st.echo_replies <- st.echo_replies + 1;
      reply net st ~size:(eth_hlen + total) (fun b ->
          Cstruct.blit f 6 b 0 6;
          Cstruct.blit_from_string (mac_bytes (N.mac net)) 0 b 6 6;
          Cstruct.blit f 12 b 12 (2 + total);
          let h = Cstruct.sub b eth_hlen ihl and icmp = Cstruct.sub b (eth_hlen + ihl) (total - ihl) in
          Cstruct.blit f (eth_hlen + 16) h 12 4;
          Cstruct.blit f (eth_hlen + 12) h 16 4;
          Cstruct.set_uint8 h 8 64;
          Cstruct.BE.set_uint16 h 10 0;
          Cstruct.BE.set_uint16 h 10 (checksum h);
          Cstruct.set_uint8 icmp 0 0;
          Cstruct.BE.set_uint16 icmp 2 0;
          Cstruct.BE.set_uint16 icmp 2 (checksum icmp);
          eth_hlen + total))

  let answer net ip st f =
    if Cstruct.length f < eth_hlen || not (is_for_us (N.mac net) f) then (st.ignored <- st.ignored + 1; Lwt.return_unit)
    else
      match Cstruct.BE.get_uint16 f 12 with
      | t when t = ethertype_arp -> arp net ip st f
      | t when t = ethertype_ipv4 -> icmp net ip st f
      | _ -> st.ignored <- st.ignored + 1; Lwt.return_unit

  let run net ip st = N.listen net ~header_size:eth_hlen (answer net ip st)
end
