open Mnetif_core
module Kdev = Mnetif_kdev.Kdev

module B = struct
  type t = { k : Kdev.t; tx : Tx_ring.t; mtu : int }

  let name t = Kdev.name t.k
  let mac t = (Kdev.info t.k).mac
  let mtu t = t.mtu
  let rx t = (Kdev.ring t.k, Kdev.channel t.k, Kdev.stats t.k)
  let tx t = t.tx

  let drops t =
    let rx =
      match Kdev.counters t.k with
      | Ok c -> [ ("rx_full", c.drop_full); ("rx_oversize", c.drop_oversize); ("rx_busy", c.drop_busy); ("rx_error", c.drop_error) ]
      | Error _ -> []
    in
    let tx =
      match Kdev.tx_counters t.k with
      | Ok c -> [ ("tx_runt", c.t_runt); ("tx_oversize", c.t_oversize); ("tx_refused", c.t_refused); ("tx_corrupt", c.t_corrupt) ]
      | Error _ -> []
    in
    rx @ tx

  let close t = Kdev.close t.k

  (* The device is closed: nothing more to ask. *)
  let closed_drops _ = []
end

include Device.Make (B)

let kdev t = (backend t).B.k

let connect ?(rx_proto = Layout.proto_v2) ?(steal = true) ?(rx_slots = 0) ?(tx_slots = 0)
    ?(slotsize = Layout.default_slotsize) name =
  match Kdev.plug ~proto:rx_proto ~nslots:rx_slots ~slotsize ~steal name with
  | Error e -> Lwt.fail (Failure e)
  | Ok k -> (
      match Kdev.tx_attach ~nslots:tx_slots ~slotsize k with
      | Error e -> Kdev.close k; Lwt.fail (Failure e)
      | Ok (_, info) when info.mtu + 18 > slotsize ->
          Kdev.close k;
          Lwt.fail
            (Invalid_argument
               (Printf.sprintf "Kernel.connect %s: MTU %d needs slotsize >= %d (got %d)" name info.mtu (info.mtu + 18)
                  slotsize))
      | Ok (tx, info) -> Lwt.return (of_backend { B.k; tx; mtu = info.mtu }))
