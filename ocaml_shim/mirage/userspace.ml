open Mnetif_core

module B = struct
  type t = {
    netif : Mnetif.Netif.t;
    rx : Ring.t * Mnetif_listen.Listen.channel * Mnetif_listen.Listen.stats;
    port : User_tx.t;
    tx : Tx_ring.t;
  }

  let name t = Mnetif.Netif.id t.netif
  let mac t = User_tx.mac t.port
  let mtu t = User_tx.mtu t.port
  let rx t = t.rx
  let tx t = t.tx

  (* The receive producer's counters: the ring header's copies (stores of its private ones). *)
  let rx_drops t =
    let g = Ring.geometry (Mnetif.Netif.ring t.netif) in
    let ld off = Hdr_ops.load32_relaxed g.Ring_geom.buf (Ring_geom.field g off) in
    Layout.
      [ ("rx_full", ld off_drop_full); ("rx_oversize", ld off_drop_oversize); ("rx_busy", ld off_drop_busy);
        ("rx_error", ld off_drop_error) ]

  let tx_drops t =
    let c = User_tx.counters t.port in
    [ ("tx_runt", c.drop_runt); ("tx_oversize", c.drop_oversize); ("tx_refused", c.drop_xmit); ("tx_corrupt", c.corrupt) ]

  let drops t = rx_drops t @ tx_drops t

  (* User_tx keeps the final counters of its closed port. *)
  let closed_drops = tx_drops

  let close t =
    Mnetif.Netif.unplug t.netif;
    User_tx.close t.port
end

include Device.Make (B)

let fail fmt = Printf.ksprintf (fun s -> Lwt.fail (Failure s)) fmt

let connect ?(rx_proto = Layout.proto_v2) ?(rx_pages = Layout.default_pages) ?(tx_pages = Layout.default_pages)
    ?(slotsize = Layout.default_slotsize) name =
  let open Mnetif in
  match Netif.create ~proto:rx_proto ~pages:rx_pages ~slotsize name with
  | Error e -> fail "Userspace.connect %s: %s" name e
  | Ok netif -> (
      let page = Io_page.get tx_pages in
      match Vif.ring_init page ~proto:Layout.proto_v2 ~nslots:0 ~slotsize with
      | Error _ -> Lwt.fail (Invalid_argument (Printf.sprintf "Userspace.connect %s: transmit ring of %d pages with %d-byte slots" name tx_pages slotsize))
      | Ok () -> (
          match User_tx.open_ name page with
          | Error e -> fail "%s" e
          | Ok port when User_tx.mtu port + 18 > slotsize ->
              User_tx.close port;
              Lwt.fail
                (Invalid_argument
                   (Printf.sprintf "Userspace.connect %s: MTU %d needs slotsize >= %d (got %d)" name
                      (User_tx.mtu port) (User_tx.mtu port + 18) slotsize))
          | Ok port -> (
              match Tx_ring.attach (Io_page.to_cstruct page) ~kick:(User_tx.kick_fd port) with
              | Error e -> User_tx.close port; fail "Userspace.connect %s: transmit ring: %s" name e
              | Ok tx -> (
                  match Netif.plug netif with
                  | Error e -> User_tx.close port; fail "%s" e
                  | Ok () -> (
                      match Netif.channel netif with
                      | None -> User_tx.close port; fail "Userspace.connect %s: not plugged" name
                      | Some ch ->
                          let rx = (Netif.ring netif, ch, Mnetif_listen.Listen.stats ()) in
                          Lwt.return (of_backend { B.netif; rx; port; tx }))))))

