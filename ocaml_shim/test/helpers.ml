(* Ring construction shared by the tests. *)
open Mnetif_core

let proto_name p =
  if p = Layout.proto_v1 then "v1" else if p = Layout.proto_v2 then "v2" else if p = Layout.proto_v3 then "v3" else "2012"

let single_writer p = p = Layout.proto_v2 || p = Layout.proto_v3

(* A fresh ring: nslots slots of slotsize bytes in just enough pages; indices started at [start]
   (v2/v3: both free-running indices; v1: sr_cur masked) to exercise the u16 wrap. *)
let make ?(start = 0) ~proto ~nslots ~slotsize () =
  let need = Layout.off_lens_of proto + (2 * nslots) + 64 + (nslots * slotsize) in
  let page = Io_page.get ((need + 4095) / 4096) in
  (match Vif.ring_init page ~proto ~nslots ~slotsize with
  | Ok () -> ()
  | Error e -> Alcotest.failf "ring_init %s nslots=%d slotsize=%d: errno %d" (proto_name proto) nslots slotsize e);
  let idx = if single_writer proto then start land 0xffff else start land (nslots - 1) in
  Hdr_ops.store16_relaxed page (Layout.off_cons_of proto) idx;
  if single_writer proto then Hdr_ops.store16_relaxed page Layout.off_avail idx;
  Io_page.to_cstruct page

let frame seq len =
  let cs = Cstruct.create len in
  for i = 0 to len - 1 do
    Cstruct.set_uint8 cs i (((seq * 31) + i) land 0xff)
  done;
  cs

let ok_or_fail what = function Ok x -> x | Error e -> Alcotest.failf "%s: %s" what (Ring_error.to_string e)
