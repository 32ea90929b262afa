(* Unit tests of the OCaml consumer port against the C producer (c/src/ring.c through Cring). *)
open Mnetif_core
module C = Mnetif_cring.Cring

let protos = [ Layout.proto_v1; Layout.proto_v2; Layout.proto_v3 ]
let pname = Helpers.proto_name

let push_ok p f what = Alcotest.(check int) (what ^ ": mn_prod_push") 0 (C.push p f)

(* Frames come out in order, byte-exact, through the zero-copy view; wrap the u16 index. *)
let test_fifo proto start () =
  let ring = Helpers.make ~start ~proto ~nslots:8 ~slotsize:128 () in
  let p = C.prod_attach ring in
  let r = Helpers.ok_or_fail "of_buf" (Ring.of_buf ring) in
  for round = 0 to 9 do
    let frames = List.init 5 (fun k -> Helpers.frame ((round * 5) + k) (60 + k)) in
    List.iter (fun f -> push_ok p f (pname proto)) frames;
    Alcotest.(check int) "avail after 5 pushes" 5 (Helpers.ok_or_fail "avail" (Ring.avail r));
    List.iteri
      (fun k f ->
        match Ring.top_packet r with
        | Ok (Some v) ->
            Alcotest.(check bool) (Printf.sprintf "round %d frame %d byte-exact" round k) true (Cstruct.equal v f);
            Helpers.ok_or_fail "pop" (Ring.pop_packet r)
        | Ok None -> Alcotest.failf "round %d frame %d: ring empty" round k
        | Error e -> Alcotest.failf "round %d frame %d: %s" round k (Ring_error.to_string e))
      frames;
    Alcotest.(check bool) "empty at the end" true (Ring.top_packet r = Ok None)
  done

let test_full proto () =
  let ring = Helpers.make ~proto ~nslots:4 ~slotsize:64 () in
  let p = C.prod_attach ring in
  let r = Helpers.ok_or_fail "of_buf" (Ring.of_buf ring) in
  for k = 0 to 3 do push_ok p (Helpers.frame k 60) "fill" done;
  Alcotest.(check int) "5th push: -ENOBUFS (full)" (-105) (C.push p (Helpers.frame 4 60));
  Alcotest.(check int) "avail = size" 4 (Helpers.ok_or_fail "avail" (Ring.avail r));
  ignore (Helpers.ok_or_fail "top" (Ring.top_packet r));
  Helpers.ok_or_fail "pop" (Ring.pop_packet r);
  push_ok p (Helpers.frame 5 60) "after one pop"

let test_not_peeked proto () =
  let ring = Helpers.make ~proto ~nslots:4 ~slotsize:64 () in
  let r = Helpers.ok_or_fail "of_buf" (Ring.of_buf ring) in
  Alcotest.(check bool) "pop without top_packet" true (Ring.pop_packet r = Error Ring_error.Not_peeked)

let test_v1_busy () =
  let ring = Helpers.make ~proto:Layout.proto_v1 ~nslots:4 ~slotsize:64 () in
  let p = C.prod_attach ring in
  let r = Helpers.ok_or_fail "of_buf" (Ring.of_buf ring) in
  push_ok p (Helpers.frame 0 60) "v1";
  ignore (Helpers.ok_or_fail "top" (Ring.top_packet r));
  let buf = ring.Cstruct.buffer in
  Alcotest.(check int) "someone else takes sr_lock" 0 (Hdr_ops.test_and_set32 buf Layout.off_lock);
  Alcotest.(check bool) "pop with the lock held elsewhere: Busy" true (Ring.pop_packet r = Error Ring_error.Busy);
  Alcotest.(check int) "producer with the lock held: -EBUSY" (-16) (C.push p (Helpers.frame 1 60));
  Hdr_ops.clear_release32 buf Layout.off_lock;
  Helpers.ok_or_fail "pop after unlock" (Ring.pop_packet r);
  Alcotest.(check int) "sr_lock free after pop" 0 (Hdr_ops.load32_relaxed buf Layout.off_lock)

let test_prepare_wait proto () =
  let ring = Helpers.make ~proto ~nslots:4 ~slotsize:64 () in
  let p = C.prod_attach ring in
  let r = Helpers.ok_or_fail "of_buf" (Ring.of_buf ring) in
  let buf = ring.Cstruct.buffer in
  Alcotest.(check bool) "empty: may sleep" true (Helpers.ok_or_fail "wait" (Ring.prepare_wait r));
  Alcotest.(check int) "sr_wake armed to seen+1" 1 (Hdr_ops.load32_relaxed buf (Layout.off_wake_of proto));
  push_ok p (Helpers.frame 0 60) "wake";
  Alcotest.(check int) "producer signalled (sr_notify)" 1 (Hdr_ops.load32_relaxed buf Layout.off_notify);
  Alcotest.(check bool) "non-empty: must not sleep" false (Helpers.ok_or_fail "wait" (Ring.prepare_wait r))

(* Corrupt headers: an error naming the field and the bad value, never an exception. *)
let corrupt_case name ~proto ~mutate ~field ~value =
  Alcotest.test_case name `Quick (fun () ->
      let ring = Helpers.make ~proto ~nslots:8 ~slotsize:64 () in
      mutate ring.Cstruct.buffer;
      let res =
        match Ring.of_buf ring with
        | Error e -> Error e
        | Ok r -> ( match Ring.top_packet r with Error e -> Error e | Ok _ -> Ok ())
      in
      match res with
      | Error (Ring_error.Corrupt c) ->
          Alcotest.(check string) (name ^ ": field") field c.Ring_error.field;
          Alcotest.(check int) (name ^ ": value") value c.Ring_error.value
      | Error e -> Alcotest.failf "%s: expected Corrupt %s, got %s" name field (Ring_error.to_string e)
      | Ok () -> Alcotest.failf "%s: corrupt header accepted (expected an error naming %s)" name field)

let st16 off v b = Hdr_ops.store16_relaxed b off v
let st32 off v b = Hdr_ops.store32_relaxed b off v

let corrupt_tests =
  let v1 = Layout.proto_v1 and v2 = Layout.proto_v2 and v3 = Layout.proto_v3 in
  [ corrupt_case "size 0" ~proto:v2 ~mutate:(st16 Layout.off_size 0) ~field:"sr_size" ~value:0;
    corrupt_case "size not a power of two" ~proto:v2 ~mutate:(st16 Layout.off_size 6) ~field:"sr_size" ~value:6;
    corrupt_case "slotsize 100" ~proto:v1 ~mutate:(st16 Layout.off_slotsize 100) ~field:"sr_slotsize" ~value:100;
    corrupt_case "v1 dataoff moved" ~proto:v1 ~mutate:(st32 Layout.off_dataoff 128) ~field:"sr_dataoff" ~value:128;
    corrupt_case "v2 dataoff misaligned" ~proto:v2 ~mutate:(st32 Layout.off_dataoff 100) ~field:"sr_dataoff" ~value:100;
    corrupt_case "slots past the buffer" ~proto:v2 ~mutate:(st16 Layout.off_slotsize 65472)
      ~field:"sr_dataoff + sr_size*sr_slotsize" ~value:(128 + (8 * 65472));
    corrupt_case "unknown protocol" ~proto:v2 ~mutate:(st32 Layout.off_magic (Layout.magic 9)) ~field:"sr_magic"
      ~value:(Layout.magic 9);
    corrupt_case "v3 dataoff over the length table at 192" ~proto:v3 ~mutate:(st32 Layout.off_dataoff 192)
      ~field:"sr_dataoff" ~value:192;
    corrupt_case "v3 prod - cons > size" ~proto:v3 ~mutate:(st16 Layout.off_avail 9) ~field:"sr_avail" ~value:9;
    corrupt_case "v3 ss_len > slotsize (table at 192)" ~proto:v3
      ~mutate:(fun b -> st16 Layout.off_avail 1 b; st16 Layout.v3_off_lens 65 b)
      ~field:"ss_len[0]" ~value:65;
    corrupt_case "no magic" ~proto:v2 ~mutate:(st32 Layout.off_magic 0x12345678) ~field:"sr_magic" ~value:0x12345678;
    corrupt_case "byte-swapped magic (other endianness)" ~proto:v2
      ~mutate:(st32 Layout.off_magic 0x02524e4d) ~field:"sr_magic" ~value:0x02524e4d;
    corrupt_case "v2 prod - cons > size" ~proto:v2 ~mutate:(st16 Layout.off_avail 9) ~field:"sr_avail" ~value:9;
    corrupt_case "v1 avail > size" ~proto:v1 ~mutate:(st16 Layout.off_avail 9) ~field:"sr_avail" ~value:9;
    corrupt_case "v1 cur >= size" ~proto:v1
      ~mutate:(fun b -> st16 Layout.off_cur 8 b; st16 Layout.off_avail 1 b)
      ~field:"sr_cur" ~value:8;
    corrupt_case "ss_len > slotsize" ~proto:v2
      ~mutate:(fun b -> st16 Layout.off_avail 1 b; st16 (Layout.off_len 0) 65 b)
      ~field:"ss_len[0]" ~value:65 ]

exception Stop

(* rx_batch: a handler that raises releases the frames up to and including the raising one; a
   corrupt length stops the batch after releasing the frames before it. *)
let test_batch_edges proto () =
  let ring = Helpers.make ~proto ~nslots:8 ~slotsize:64 () in
  let p = C.prod_attach ring in
  let r = Helpers.ok_or_fail "of_buf" (Ring.of_buf ring) in
  for k = 0 to 4 do push_ok p (Helpers.frame k 60) "batch" done;
  let seen = ref 0 in
  (match Ring.rx_batch r 8 (fun _ -> incr seen; if !seen = 2 then raise Stop) with
  | _ -> Alcotest.fail "the handler's exception was swallowed"
  | exception Stop -> ());
  Alcotest.(check int) "3 left after the raising frame" 3 (Helpers.ok_or_fail "avail" (Ring.avail r));
  let buf = ring.Cstruct.buffer in
  let next = Hdr_ops.load16_relaxed buf (Layout.off_cons_of proto) land 7 in
  Hdr_ops.store16_relaxed buf (Layout.off_lens_of proto + (2 * ((next + 1) land 7))) 65;
  let got = ref 0 in
  (match Ring.rx_batch r 8 (fun _ -> incr got) with
  | Error (Ring_error.Corrupt c) ->
      Alcotest.(check string) "names the entry" (Printf.sprintf "ss_len[%d]" ((next + 1) land 7)) c.Ring_error.field
  | _ -> Alcotest.fail "corrupt length not reported");
  Alcotest.(check int) "the frame before it was handed out" 1 !got;
  Alcotest.(check int) "and released" 2 (Helpers.ok_or_fail "avail" (Ring.avail r))

(* v3: the consumer writes only its own two lines (sr_cons @64, sr_wake @128); the v2 words of
   line 0 stay 0. *)
let test_v3_lines () =
  let ring = Helpers.make ~start:0xfffe ~proto:Layout.proto_v3 ~nslots:4 ~slotsize:64 () in
  let p = C.prod_attach ring in
  let r = Helpers.ok_or_fail "of_buf" (Ring.of_buf ring) in
  let buf = ring.Cstruct.buffer in
  for k = 0 to 2 do push_ok p (Helpers.frame k 60) "v3" done;
  Alcotest.(check int) "3 frames across the u16 wrap" 3
    (Helpers.ok_or_fail "rx_frames" (Ring.rx_frames r 8 (fun _ _ _ -> ())));
  Alcotest.(check int) "sr_cons advanced (wrapped)" 1 (Hdr_ops.load16_relaxed buf Layout.v3_off_cons);
  Alcotest.(check bool) "empty: may sleep" true (Helpers.ok_or_fail "wait" (Ring.prepare_wait r));
  Alcotest.(check int) "sr_wake @128 armed" 4 (Hdr_ops.load32_relaxed buf Layout.v3_off_wake);
  Alcotest.(check int) "v2's sr_cur unused" 0 (Hdr_ops.load16_relaxed buf Layout.off_cur);
  Alcotest.(check int) "v2's sr_wake unused" 0 (Hdr_ops.load32_relaxed buf Layout.off_wake);
  push_ok p (Helpers.frame 3 60) "wake";
  Alcotest.(check int) "producer signalled" 1 (Hdr_ops.load32_relaxed buf Layout.off_notify)

(* v3's cached producer index, as mn_cons_peek_n's: once a fill saw n frames, requests for at
   most what the copy holds do not read sr_avail (here scribbled over after the fill: a
   non-cached read would report it), and the C consumer answers the same on a twin ring. *)
let test_v3_cached_index () =
  let rings = List.init 2 (fun _ -> Helpers.make ~proto:Layout.proto_v3 ~nslots:8 ~slotsize:64 ()) in
  let a = List.nth rings 0 and b = List.nth rings 1 in
  let pa = C.prod_attach a and pb = C.prod_attach b in
  for k = 0 to 3 do push_ok pa (Helpers.frame k 60) "a"; push_ok pb (Helpers.frame k 60) "b" done;
  let r = Helpers.ok_or_fail "of_buf" (Ring.of_buf a) and cb = C.cons_attach b in
  List.iter (fun cs -> st16 Layout.off_avail 0x4000 cs.Cstruct.buffer) rings;
  for k = 0 to 3 do
    (match Ring.top_packet r, C.peek cb with
    | Ok (Some v), Ok (off, len) ->
        Alcotest.(check bool) (Printf.sprintf "frame %d from the cache, as C" k) true
          (Cstruct.equal v (Helpers.frame k 60) && Cstruct.equal v (Cstruct.sub b off len))
    | _ -> Alcotest.failf "frame %d: not answered from the cached index" k);
    Helpers.ok_or_fail "pop" (Ring.pop_packet r);
    Alcotest.(check int) "C release" 0 (C.release cb)
  done;
  (match Ring.top_packet r, C.peek cb with
  | Error (Ring_error.Corrupt c), Error -5 -> Alcotest.(check string) "then sr_avail is read" "sr_avail" c.Ring_error.field
  | _ -> Alcotest.fail "the cache ran out: both consumers must read sr_avail and report it")

(* The batch API (peek_n / release_n, as mn_cons_peek_n / mn_cons_release_n): views in the
   ring's reused Frames record; a re-peek without release gives the same frames; a partial
   release leaves the rest first for the next peek; a corrupt length ends a batch before it and
   is the next peek's error. *)
let test_peek_n proto () =
  let ring = Helpers.make ~start:0xfffe ~proto ~nslots:8 ~slotsize:64 () in
  let p = C.prod_attach ring in
  let r = Helpers.ok_or_fail "of_buf" (Ring.of_buf ring) in
  let fr = Ring.frames r in
  let frame k = Cstruct.of_bigarray fr.Frames.buf ~off:fr.Frames.off.{k} ~len:fr.Frames.len.{k} in
  let peek max = Helpers.ok_or_fail "peek_n" (Ring.peek_n r max) in
  Alcotest.(check int) "empty" 0 (peek 4);
  Alcotest.check_raises "max 0" (Invalid_argument "Ring.peek_n: max must be >= 1") (fun () -> ignore (Ring.peek_n r 0));
  for k = 0 to 4 do push_ok p (Helpers.frame k (60 + k)) "peek_n" done;
  Alcotest.(check int) "3 of 5" 3 (peek 3);
  Alcotest.(check int) "count" 3 fr.Frames.count;
  Alcotest.(check int) "re-peek without release: the same frames" 3 (peek 3);
  List.iter (fun k -> Alcotest.(check bool) (Printf.sprintf "frame %d byte-exact" k) true
    (Cstruct.equal (frame k) (Helpers.frame k (60 + k)))) [ 0; 1; 2 ];
  Alcotest.(check bool) "release_n 4 > peeked: Not_peeked" true (Ring.release_n r 4 = Error Ring_error.Not_peeked);
  Helpers.ok_or_fail "release_n 2" (Ring.release_n r 2);
  Alcotest.(check int) "batch empty after release" 0 fr.Frames.count;
  Alcotest.(check int) "3 left" 3 (Helpers.ok_or_fail "avail" (Ring.avail r));
  Alcotest.(check int) "next peek starts at the unreleased frame" 3 (peek 8);
  Alcotest.(check bool) "frame 2 first" true (Cstruct.equal (frame 0) (Helpers.frame 2 62));
  (* corrupt the length of the 2nd frame of the batch (frame 3) *)
  let buf = ring.Cstruct.buffer in
  let cons = Hdr_ops.load16_relaxed buf (Layout.off_cons_of proto) in
  let first = if proto = Layout.proto_v1 then cons else cons land 7 in
  Hdr_ops.store16_relaxed buf (Layout.off_lens_of proto + (2 * ((first + 1) land 7))) 65;
  Alcotest.(check int) "a corrupt length ends the batch before it" 1 (peek 8);
  Helpers.ok_or_fail "release_n 1" (Ring.release_n r 1);
  (match Ring.peek_n r 8 with
  | Error (Ring_error.Corrupt c) ->
      Alcotest.(check string) "then it is the error" (Printf.sprintf "ss_len[%d]" ((first + 1) land 7)) c.Ring_error.field
  | _ -> Alcotest.fail "corrupt length not reported by the next peek_n")

let per_proto name f = List.map (fun p -> Alcotest.test_case (name ^ " " ^ pname p) `Quick (f p)) protos

let tests =
  per_proto "FIFO byte-exact" (fun p -> test_fifo p 0)
  @ per_proto "FIFO across the u16 wrap" (fun p -> test_fifo p 0xfffd)
  @ per_proto "full ring" test_full
  @ per_proto "pop without top" test_not_peeked
  @ per_proto "prepare_wait arms sr_wake" test_prepare_wait
  @ per_proto "rx_batch: raising handler, corrupt length" test_batch_edges
  @ per_proto "peek_n/release_n batch API" test_peek_n
  @ [ Alcotest.test_case "v1 lock busy" `Quick test_v1_busy;
      Alcotest.test_case "v3 consumer writes only its own lines" `Quick test_v3_lines;
      Alcotest.test_case "v3 cached producer index (= C)" `Quick test_v3_cached_index ]
  @ corrupt_tests
