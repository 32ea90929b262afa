(* The OCaml port consuming from /dev/mnetif, run by the VM test's /init (c/platform/linux/test/
   init.sh) after the module is loaded and the veth pair mna/mnb exists. Frames are sent by an
   AF_PACKET socket on mna (the VM test's frames.c) and consumed from a ring plugged to mnb through
   Kdev.listen (Ring_v1/Ring_v2 over the mapping, final check, poll). Each check prints
   "CHECK ocaml-<name>: PASS|FAIL (details)", the line run-vm.sh counts; exit 1 if any failed.
     kdevtest all     every scenario, ending with the negative control
     kdevtest wrong   the byte-exact scenario against a deliberately wrong expectation: must FAIL *)

open Mnetif_core
open Mnetif_kdev

external setup : string -> string -> int = "kdt_setup"
external send : int -> int -> int = "kdt_send"
external expected : int -> int -> Bytes.t = "kdt_expected"
external softnet_drops : unit -> int = "kdt_softnet_drops"
external epoll_once : Unix.file_descr -> int -> int = "kdt_epoll_once"

let txif = "mna" and rxif = "mnb"
let failures = ref 0

(* "CHECK" lines are what run-vm.sh counts; the negative control prints its inner checks under
   another word so that their expected FAIL does not fail the VM. *)
let prefix = ref "CHECK"
let reproduce = "reproduce: make kmod-test (console: build/kmod-vm/console.log.txt)"

let check ok name fmt =
  Printf.ksprintf
    (fun details ->
      if not ok then incr failures;
      Printf.printf "%s ocaml-%s: %s (%s%s)\n%!" !prefix name (if ok then "PASS" else "FAIL") details
        (if ok then "" else "; " ^ reproduce);
      ok)
    fmt

let proto_name p = if p = Layout.proto_v1 then "v1" else if p = Layout.proto_v3 then "v3" else "v2"

open Lwt.Infix

(* Consumes through Kdev.listen until [fn] says done ([Ok true]) or rejects a frame, or [limit]
   seconds pass. [fn i view] judges the i-th frame of this call. *)
let consume ?(limit = 10.) k fn =
  let got = ref 0 and outcome = ref None in
  let stop, wake = Lwt.wait () in
  let finish o = if !outcome = None then outcome := Some o; if Lwt.is_sleeping stop then Lwt.wakeup wake () in
  let handler _ view =
    if !outcome = None then (
      let r = fn !got view in
      incr got;
      match r with Ok false -> () | Ok true -> finish (`Done !got) | Error why -> finish (`Bad why))
  in
  let timeout = Lwt_unix.sleep limit >>= fun () -> finish (`Timeout !got); Lwt.return (Ok ()) in
  match Lwt_main.run (Lwt.pick [ Kdev.listen ~stop [ k ] handler; timeout ]) with
  | Error e -> `Bad (Printf.sprintf "after %d frames: %s" !got (Ring_error.to_string e))
  | Ok () -> (
      match !outcome with
      | Some (`Bad why) -> `Bad (Printf.sprintf "after %d frames: %s" !got why)
      | Some o -> o
      | None -> `Bad "listen returned by itself")

let consume_n k want fn =
  if want = 0 then Ok 0
  else
    match consume k (fun i v -> Result.map (fun () -> i + 1 = want) (fn i v)) with
    | `Done n -> Ok n
    | `Timeout n -> Error (Printf.sprintf "timeout: %d of %d frames" n want)
    | `Bad why -> Error why

let same ~seq ~len view =
  let want = expected seq len in
  if Cstruct.length view <> len then Error (Printf.sprintf "seq %d: sent %d bytes, got %d" seq len (Cstruct.length view))
  else if Cstruct.to_string view <> Bytes.to_string want then Error (Printf.sprintf "seq %d len %d: content differs" seq len)
  else Ok ()

let counters_are k name ~frames ~full ~over =
  match Kdev.counters k with
  | Error e -> check false name "%s" e
  | Ok c ->
      let h = Kdev.header_counters k in
      check
        (c.frames = frames && c.drop_full = full && c.drop_oversize = over && c.drop_busy = 0 && c.drop_error = 0
       && c.error = 0 && h.h_frames = frames && h.h_drop_full = full && h.h_drop_oversize = over)
        name "want frames=%d full=%d oversize=%d; kernel frames=%d full=%d oversize=%d busy=%d error=%d; header %d/%d/%d"
        frames full over c.frames c.drop_full c.drop_oversize c.drop_busy c.error h.h_frames h.h_drop_full
        h.h_drop_oversize

let plug_ok name ?nslots ?slotsize proto =
  match Kdev.plug ~proto ?nslots ?slotsize rxif with
  | Ok k -> Some k
  | Error e -> ignore (check false (name ^ "-plug") "%s" e); None

let fixed = [ 14; 15; 19; 20; 59; 60; 61; 63; 64; 65; 127; 128; 1000; 1514; 2047; 2048; 2049; 4000; 9014 ]

(* The sizes of t_exact in vmtest.c: every edge, then random ones around the slot size. *)
let sizes slotsize =
  let rnd = Random.State.make [| slotsize |] in
  Array.init 256 (fun i -> if i < List.length fixed then List.nth fixed i else 14 + Random.State.int rnd (slotsize + 50))

(* Sends in batches of half the ring, consumes each batch byte-exact; oversize frames must be
   counted, never delivered. [judge] is [same] except in the negative control. *)
let exact ?(judge = same) ?(tag = "") proto nslots slotsize =
  let name = Printf.sprintf "exact%s-%s-%dx%d" tag (proto_name proto) nslots slotsize in
  match plug_ok name ~nslots ~slotsize proto with
  | None -> false
  | Some k ->
      let lens = sizes slotsize and slot = (Kdev.info k).slotsize in
      let batch = max 1 ((Kdev.info k).size / 2) in
      let over = ref 0 and bytes = ref 0 and res = ref (Ok 0) and i = ref 0 in
      while Result.is_ok !res && !i < Array.length lens do
        let q = Queue.create () in
        for s = !i to min (Array.length lens) (!i + batch) - 1 do
          if send s lens.(s) <> 0 then res := Error (Printf.sprintf "send seq %d failed" s)
          else if lens.(s) > slot then incr over
          else (Queue.add (s, lens.(s)) q; bytes := !bytes + lens.(s))
        done;
        i := !i + batch;
        if Result.is_ok !res then
          res := consume_n k (Queue.length q) (fun _ view -> let seq, len = Queue.pop q in judge ~seq ~len view)
      done;
      Unix.sleepf 0.1;
      let extra = match Ring.avail (Kdev.ring k) with Ok n -> n | Error _ -> -1 in
      let ok =
        check (Result.is_ok !res && extra = 0) name "256 frames, 14..9014 bytes: %s"
          (match !res with Error e -> e | Ok _ when extra <> 0 -> Printf.sprintf "%d frames nobody expected" extra | Ok _ -> "all byte-exact, in order")
      in
      if ok then (
        ignore (counters_are k (Printf.sprintf "exact%s-counters-%s-%dx%d" tag (proto_name proto) nslots slotsize)
          ~frames:(256 - !over) ~full:0 ~over:!over);
        match Kdev.counters k with
        | Ok c -> ignore (check (c.bytes = !bytes) (name ^ "-bytes") "want %d got %d" !bytes c.bytes)
        | Error e -> ignore (check false (name ^ "-bytes") "%s" e));
      Kdev.close k;
      ok

(* A stalled consumer: 8 slots, 20 frames -> exactly 8 published and 12 drop_full, then the 8
   byte-exact, then 5 more. *)
let stall proto =
  let name = "stall-" ^ proto_name proto in
  match plug_ok name ~nslots:8 ~slotsize:2048 proto with
  | None -> ()
  | Some k ->
      for s = 0 to 19 do ignore (send s (100 + s)) done;
      Unix.sleepf 0.05;
      ignore (counters_are k ("stall-drop-full-" ^ proto_name proto) ~frames:8 ~full:12 ~over:0);
      let r1 = consume_n k 8 (fun i v -> same ~seq:i ~len:(100 + i) v) in
      for s = 20 to 24 do ignore (send s (100 + s)) done;
      let r2 = if Result.is_ok r1 then consume_n k 5 (fun i v -> same ~seq:(20 + i) ~len:(120 + i) v) else r1 in
      ignore (check (Result.is_ok r2) name "8 of 20 kept, then 5 more: %s" (match r2 with Ok _ -> "byte-exact" | Error e -> e));
      ignore (counters_are k ("stall-after-" ^ proto_name proto) ~frames:13 ~full:12 ~over:0);
      Kdev.close k

let seq_of v = Int32.to_int (Cstruct.HE.get_uint32 v 14) land 0xffff_ffff
let len_field v = Cstruct.BE.get_uint16 v 18

(* A paced child sender: the consumer empties the ring and sleeps in poll between bursts. Every
   frame delivered is valid and in order; every frame sent is published or counted once. *)
let wakeup proto =
  let n = 2000 and name = "wakeup-" ^ proto_name proto in
  match plug_ok name ~nslots:64 ~slotsize:2048 proto with
  | None -> ()
  | Some k ->
      let sd0 = softnet_drops () in
      let rnd = Random.State.make [| n; proto |] in
      let lens = Array.init n (fun _ -> 20 + Random.State.int rnd 1494) in
      let pid =
        match Unix.fork () with
        | 0 ->
            Array.iteri (fun s len -> ignore (send s len); if s mod 25 = 24 then Unix.sleepf 0.001) lens;
            Unix._exit 0
        | pid -> pid
      in
      let last = ref (-1) in
      let judge _ v =
        let seq = seq_of v in
        if Cstruct.length v < 20 || len_field v <> Cstruct.length v then Error "a frame without its length"
        else if seq <= !last || seq >= n then Error (Printf.sprintf "seq %d after %d" seq !last)
        else (last := seq; Result.map (fun () -> seq = n - 1) (same ~seq ~len:lens.(seq) v))
      in
      (* Done at the last frame sent; if that one was dropped, the quiet ring times out. *)
      let r = match consume ~limit:15. k judge with `Done g -> Ok g | `Timeout g when g > 0 -> Ok g | `Timeout _ -> Error "nothing arrived" | `Bad w -> Error w in
      ignore (Unix.waitpid [] pid);
      Unix.sleepf 0.05;
      let got = match r with Ok g -> g | Error _ -> -1 in
      let st = Kdev.stats k and sd = softnet_drops () - sd0 in
      (match Kdev.counters k with
      | Error e -> ignore (check false name "%s" e)
      | Ok c ->
          ignore
            (check (Result.is_ok r && c.frames = got) name
               "%d delivered byte-exact and in order, kernel published %d: %s" got c.frames
               (match r with Ok _ -> "ok" | Error e -> e));
          ignore
            (check (c.frames + c.drop_full + c.drop_busy + sd = n) (name ^ "-accounting")
               "published %d + dropped full %d busy %d + backlog drops %d must be the %d sent" c.frames c.drop_full
               c.drop_busy sd n);
          ignore
            (check (c.notify > 0 && st.sleeps > 0 && st.empty <= st.sleeps + 1) (name ^ "-poll")
               "slept in poll %d times, %d signals, %d empty batches of %d (a spinning consumer has empty >> sleeps)"
               st.sleeps c.notify st.empty st.batches));
      Kdev.close k

(* The event channel is level-triggered, so epoll is safe (the old poll cleared the signal it
   reported: the poll EPOLL_CTL_ADD makes consumed a pending signal and epoll_wait reported
   nothing, a lost wakeup with a frame in the ring). Arm the wake word on an empty ring (the final
   check says "sleep"), one frame arrives and signals; then a fresh epoll registration must report
   it, twice (reporting never clears), a clear must return it, and after the clear nothing is
   pending until the next signal, which a new epoll registration reports again. *)
let epoll_keeps_signal () =
  let name = "epoll-keeps-a-pending-signal" in
  match plug_ok name Layout.proto_v2 with
  | None -> ()
  | Some k ->
      let ring = Kdev.ring k in
      let arm_and_signal seq =
        let armed = Ring.prepare_wait ring = Ok true in
        ignore (send seq 60);
        Unix.sleepf 0.05;
        armed
      in
      let signal () = match Kdev.poll k 0 with Ok e -> Bool.to_int e.signal + (2 * Bool.to_int e.hup) | Error _ -> -1 in
      let clr () = match Kdev.clear k with Ok n -> n | Error _ -> -1 in
      let a1 = arm_and_signal 0 in
      let ep1 = epoll_once (Kdev.fd k) 300 in
      let ep2 = epoll_once (Kdev.fd k) 300 in
      let still = signal () in
      let cleared = clr () in
      let after_clear = signal () and ep_quiet = epoll_once (Kdev.fd k) 50 and clear_again = clr () in
      let avail1 = Ring.avail ring in
      ignore (Ring.rx_batch ring 64 ignore);
      let a2 = arm_and_signal 1 in
      let ep3 = epoll_once (Kdev.fd k) 300 in
      let cleared2 = clr () in
      let c = Kdev.counters k in
      ignore
        (check
           (a1 && a2 && ep1 = 1 && ep2 = 1 && still = 1 && cleared = 1 && after_clear = 0 && ep_quiet = 0
           && clear_again = 0 && avail1 = Ok 1 && ep3 = 1 && cleared2 = 1
           && (match c with Ok c -> c.notify = 2 | Error _ -> false))
           name
           "frame in the ring, producer signalled: two epoll registrations reported %d and %d (want 1, 1), poll after them %d (want 1), clear returned %d (want 1); after the clear poll %d, epoll %d, clear %d (want 0, 0, 0); next signal: epoll %d, clear %d (want 1, 1); %s"
           ep1 ep2 still cleared after_clear ep_quiet clear_again ep3 cleared2
           (match c with Ok c -> Printf.sprintf "%d signals (want 2)" c.notify | Error e -> e));
      Kdev.close k

(* The negative control: a consumer that reads slot data 64 bytes early (the 2012 data-offset
   bug) must be rejected by the same byte-exact check. Its FAIL line is expected and not counted;
   the control's own check is. *)
let negative_control () =
  let off_by_64 ~seq ~len view =
    let v = Cstruct.of_bigarray view.Cstruct.buffer ~off:(view.Cstruct.off - 64) ~len:(Cstruct.length view) in
    same ~seq ~len v
  in
  let before = !failures in
  prefix := "NEGATIVE-CONTROL";
  let caught = not (exact ~judge:off_by_64 ~tag:"-broken-consumer" Layout.proto_v2 0 2048) in
  prefix := "CHECK";
  failures := before;
  ignore
    (check caught "negative-control" "a consumer reading 64 bytes early %s"
       (if caught then "was rejected by the byte-exact check (the NEGATIVE-CONTROL FAIL above)" else "PASSED the byte-exact check"))

let () =
  let mode = if Array.length Sys.argv > 1 then Sys.argv.(1) else "all" and t0 = Unix.gettimeofday () in
  if not (check (Kdev.available ()) "device" "%s" Kdev.device) then exit 1;
  if not (check (setup txif rxif = 0) "setup" "AF_PACKET sender on %s, frames to %s" txif rxif) then exit 1;
  (match mode with
  | "wrong" ->
      ignore (exact ~judge:(fun ~seq ~len v -> same ~seq:(seq + 1) ~len v) ~tag:"-wrong-expectation" Layout.proto_v2 0 2048)
  | _ ->
      ignore (exact Layout.proto_v3 0 2048);
      ignore (exact Layout.proto_v2 0 2048);
      ignore (exact Layout.proto_v1 0 2048);
      ignore (exact Layout.proto_v1 4 1024);
      stall Layout.proto_v3;
      stall Layout.proto_v2;
      stall Layout.proto_v1;
      wakeup Layout.proto_v3;
      wakeup Layout.proto_v2;
      wakeup Layout.proto_v1;
      epoll_keeps_signal ();
      negative_control ());
  Printf.printf "KDEVTEST: %s (%d failed checks, %.1f s)\n%!" (if !failures = 0 then "PASS" else "FAIL") !failures
    (Unix.gettimeofday () -. t0);
  exit (if !failures = 0 then 0 else 1)
