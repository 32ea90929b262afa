(* Netif and the 2012 externals on software interfaces of the userspace platform. *)
open Mnetif_core
open Mnetif
module U = Mnetif_cring.User_if

open Lwt.Infix
let mac = "\x02\x00\x00\x00\x00\x01"
let fresh_if =
  let n = ref 0 in
  fun () ->
    incr n;
    let name = Printf.sprintf "ot%d" !n in
    let idx = U.create name ~mac in
    if idx < 0 then Alcotest.failf "mn_user_if_create %s: %d" name idx;
    name

let netif ?proto name =
  match Netif.create ?proto ~pages:2 ~slotsize:128 name with Ok t -> t | Error m -> Alcotest.fail m

let test_externals () =
  let name = fresh_if () in
  Alcotest.(check bool) "get_vifs lists the software interface" true (List.mem name (Vif.get_vifs ()));
  let page = Io_page.get 2 in
  (match Vif.ring_init page ~proto:Layout.proto_v2 ~nslots:8 ~slotsize:128 with
  | Ok () -> () | Error e -> Alcotest.failf "ring_init %d" e);
  let up, index, m = Vif.plug_vif name page in
  Alcotest.(check bool) "up" true up;
  Alcotest.(check bool) "software ifindex" true (index >= 0x40000000);
  Alcotest.(check string) "mac" mac m;
  let raises what f =
    match f () with
    | _ -> Alcotest.failf "%s: no exception" what
    | exception Failure msg -> msg
  in
  let msg = raises "double plug" (fun () -> Vif.plug_vif name (Io_page.get 2)) in
  Alcotest.(check bool) ("double plug names EEXIST: " ^ msg) true (Astring_like.contains msg "EEXIST");
  let msg = raises "unknown" (fun () -> Vif.plug_vif "nosuchif0" page) in
  Alcotest.(check bool) ("unknown names ENODEV: " ^ msg) true (Astring_like.contains msg "ENODEV");
  Vif.unplug_vif name;
  Vif.unplug_vif name (* 2012: unplug of an unplugged name is a no-op *);
  let bad = Io_page.get 1 in
  let msg = raises "unformatted ring" (fun () -> Vif.plug_vif name bad) in
  Alcotest.(check bool) ("bad ring names EINVAL and the check: " ^ msg) true
    (Astring_like.contains msg "EINVAL" && Astring_like.contains msg "magic");
  Alcotest.(check int) "destroy" 0 (U.destroy name)

let test_rx_poll proto () =
  let name = fresh_if () in
  let t = netif ~proto name in
  (match Netif.plug t with Ok () -> () | Error m -> Alcotest.fail m);
  let frames = List.init 20 (fun k -> Helpers.frame k (60 + k)) in
  let got = ref [] in
  List.iteri
    (fun k f ->
      Alcotest.(check int) (Printf.sprintf "inject %d" k) 0 (U.inject name f);
      if k mod 7 = 6 then ignore (Netif.rx_poll t (fun v -> got := Cstruct.to_string v :: !got)))
    frames;
  ignore (Netif.rx_poll t (fun v -> got := Cstruct.to_string v :: !got));
  Alcotest.(check (list string)) "delivered in order, byte-exact" (List.map Cstruct.to_string frames) (List.rev !got);
  Netif.unplug t;
  Alcotest.(check int) "inject after unplug: -ENODEV" (-19) (U.inject name (Helpers.frame 0 60));
  Alcotest.(check int) "destroy" 0 (U.destroy name)

(* listen wakes on the event channel: a producer thread injects with pauses; listen must deliver
   all frames and return once stopped, within a timeout (a lost wakeup would hang it). *)
let test_listen ?(frames = false) proto () =
  let names = [ fresh_if (); fresh_if () ] in
  let ts = List.map (netif ~proto) names in
  List.iter (fun t -> match Netif.plug t with Ok () -> () | Error m -> Alcotest.fail m) ts;
  let n = 400 in
  let producer name () =
    for k = 0 to n - 1 do
      let rec push () = match U.inject name (Helpers.frame k 64) with -105 -> Thread.yield (); push () | r -> r in
      if push () <> 0 then failwith "inject";
      if k mod 50 = 0 then Thread.delay 0.002
    done
  in
  let counts = Hashtbl.create 2 and expect = Hashtbl.create 2 in
  let stop, wake = Lwt.wait () in
  let total = ref 0 in
  let handler t v =
    let k = try Hashtbl.find expect (Netif.id t) with Not_found -> 0 in
    if not (Cstruct.equal v (Helpers.frame k 64)) then Alcotest.failf "%s frame %d corrupt or out of order" (Netif.id t) k;
    Hashtbl.replace expect (Netif.id t) (k + 1);
    Hashtbl.replace counts (Netif.id t) (k + 1);
    incr total;
    if !total = 2 * n then Lwt.wakeup_later wake ()
  in
  let threads = List.map (fun name -> Thread.create (producer name) ()) names in
  let res =
    Lwt_main.run
      (Lwt.pick
         [ (if frames then Netif.listen_frames ~stop ts (fun t buf off len -> handler t (Cstruct.of_bigarray buf ~off ~len))
            else Netif.listen ~stop ts handler);
           (Lwt_unix.sleep 20. >>= fun () ->
            Lwt.fail_with (Printf.sprintf "listen: no progress for 20 s (lost wakeup?): %d of %d delivered" !total (2 * n))) ])
  in
  List.iter Thread.join threads;
  (match res with Ok () -> () | Error e -> Alcotest.failf "listen: %s (delivered %d of %d)" (Ring_error.to_string e) !total (2 * n));
  Alcotest.(check int) "all frames of both interfaces delivered" (2 * n) !total;
  List.iter Netif.unplug ts;
  List.iter (fun name -> ignore (U.destroy name)) names

(* v1: a release that finds the lock busy must not make the next rx_poll deliver the frame again
   (found by the real-mode test: 14 duplicates in 10^6 frames). *)
let test_busy_pop_not_redelivered () =
  let name = fresh_if () in
  let t = netif ~proto:Layout.proto_v1 name in
  (match Netif.plug t with Ok () -> () | Error m -> Alcotest.fail m);
  let g = Ring.geometry (Netif.ring t) in
  let lock = g.Ring_geom.base + Layout.off_lock in
  Alcotest.(check int) "inject" 0 (U.inject name (Helpers.frame 1 60));
  let got = ref 0 in
  Alcotest.(check int) "another holder takes sr_lock" 0 (Hdr_ops.test_and_set32 g.Ring_geom.buf lock);
  Alcotest.(check bool) "rx_poll hands the frame out (its release stays pending)" true
    (Netif.rx_poll t (fun _ -> incr got) = Ok 1);
  Alcotest.(check bool) "lock still busy: Busy, nothing handed out" true
    (Netif.rx_poll t (fun _ -> incr got) = Error Ring_error.Busy);
  Alcotest.(check int) "the frame was delivered once" 1 !got;
  Hdr_ops.clear_release32 g.Ring_geom.buf lock;
  Alcotest.(check bool) "next rx_poll completes the pop, delivers nothing" true
    (Netif.rx_poll t (fun _ -> incr got) = Ok 0);
  Alcotest.(check int) "still delivered once" 1 !got;
  Alcotest.(check int) "ring empty (sr_avail)" 0 (Hdr_ops.load16_relaxed g.Ring_geom.buf (g.Ring_geom.base + Layout.off_avail));
  Netif.unplug t;
  ignore (U.destroy name)

(* Ethernet interfaces of this namespace as sysfs sees them (type 1 = ARPHRD_ETHER). *)
let sysfs_ethernet () =
  let dir = "/sys/class/net" in
  Sys.readdir dir |> Array.to_list
  |> List.filter (fun n ->
         match open_in (Filename.concat (Filename.concat dir n) "type") with
         | ic -> Fun.protect ~finally:(fun () -> close_in ic) (fun () -> String.trim (input_line ic) = "1")
         | exception Sys_error _ -> false)

(* More than 64 Ethernet interfaces: software ones up to the platform's limit plus the real ones.
   The stub used to list at most 64 entries (and the registry 64 of every kind), losing the rest. *)
let test_get_vifs_beyond_64 () =
  let made = ref [] in
  let rec fill i =
    let name = Printf.sprintf "many%d" i in
    if i < 100 && U.create name ~mac >= 0 then (made := name :: !made; fill (i + 1))
  in
  fill 0;
  Fun.protect ~finally:(fun () -> List.iter (fun n -> ignore (U.destroy n)) !made) @@ fun () ->
  let listed = Vif.get_vifs () in
  let want = !made @ sysfs_ethernet () in
  Alcotest.(check bool) (Printf.sprintf "made %d software interfaces" (List.length !made)) true
    (List.length !made >= 32);
  List.iter (fun n -> Alcotest.(check bool) ("get_vifs lists " ^ n) true (List.mem n listed)) want;
  Alcotest.(check bool) "lo (not Ethernet) is not listed" false (List.mem "lo" listed)

let tests =
  [ Alcotest.test_case "get_vifs / plug_vif / unplug_vif" `Quick test_externals;
    Alcotest.test_case "get_vifs lists every Ethernet interface (more than 64)" `Quick test_get_vifs_beyond_64;
    Alcotest.test_case "v1 busy release completed, not redelivered" `Quick test_busy_pop_not_redelivered ]
  @ List.concat_map
      (fun p ->
        let pn = Helpers.proto_name p in
        [ Alcotest.test_case ("rx_poll " ^ pn) `Quick (test_rx_poll p);
          Alcotest.test_case ("listen on two rings " ^ pn) `Quick (test_listen p);
          Alcotest.test_case ("listen_frames (no views) on two rings " ^ pn) `Quick (test_listen ~frames:true p) ])
      [ Layout.proto_v1; Layout.proto_v2; Layout.proto_v3 ]
