(* Every wire-format constant of the OCaml port equals mnetif/ring.h's. *)
open Mnetif_core.Layout

let ours =
  [ ("MN_HDR_SIZE", hdr_size); ("MN_OFF_CUR", off_cur); ("MN_OFF_AVAIL", off_avail); ("MN_OFF_SIZE", off_size);
    ("MN_OFF_SLOTSIZE", off_slotsize); ("MN_OFF_MAGIC", off_magic); ("MN_OFF_DATAOFF", off_dataoff);
    ("MN_OFF_LOCK", off_lock); ("MN_OFF_WAKE", off_wake); ("MN_OFF_ERROR", off_error);
    ("MN_OFF_DROP_FULL", off_drop_full); ("MN_OFF_DROP_OVERSIZE", off_drop_oversize);
    ("MN_OFF_DROP_BUSY", off_drop_busy); ("MN_OFF_FRAMES", off_frames); ("MN_OFF_BYTES", off_bytes);
    ("MN_OFF_DROP_ERROR", off_drop_error); ("MN_OFF_NOTIFY", off_notify); ("MN_OFF_LENS", off_lens);
    ("MN_MAGIC_BASE", magic_base); ("MN_PROTO_2012", proto_2012); ("MN_PROTO_V1", proto_v1);
    ("MN_PROTO_V2", proto_v2); ("MN_PROTO_V3", proto_v3); ("MN_MAX_SIZE", max_size); ("MN_MIN_SLOTSZ", min_slotsize);
    ("MN_MAX_SLOTSZ", max_slotsize); ("MN_LOCK_RETRIES", lock_retries); ("MN_PAGE_SIZE", page_size);
    ("MN_DEFAULT_PAGES", default_pages); ("MN_DEFAULT_SLOTSZ", default_slotsize); ("MN_WAIT_SPINS", wait_spins);
    ("MN_LINE", line); ("MN_V3_OFF_CONS", v3_off_cons); ("MN_V3_OFF_WAKE", v3_off_wake);
    ("MN_V3_OFF_LENS", v3_off_lens) ]

let test_constants () =
  let c = Mnetif_cring.Cring.layout () in
  Alcotest.(check int) "constant count" (Array.length c) (List.length ours);
  List.iteri (fun i (name, v) -> Alcotest.(check int) (name ^ " (Layout vs mnetif/ring.h)") c.(i) v) ours

let tests = [ Alcotest.test_case "constants match mnetif/ring.h" `Quick test_constants ]
