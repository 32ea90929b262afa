(* Figures of the OCaml port, each measured against its reference in the same run:
   1. consumer per-frame cost: the OCaml port (Ring top/pop, Netif.rx_poll, and the batch API
      Netif.rx_frames) vs the C consumer (mn_cons_peek/release, and batched peek_n/release_n),
      with the target "batch API <= 1.3x the batched C consumer" judged MET or MISSED;
   2. the price of ordinary (model-build) externals vs [@@noalloc] ones;
   3. Netif.listen wakeup latency (event channel) vs the 2012 1 ms poll, and the consumer's CPU.
   Run: dune exec --root . ocaml_shim/bench/bench.exe [-- --quick] *)
open Mnetif_core
open Mnetif
module C = Mnetif_cring.Cring
module U = Mnetif_cring.User_if

external now_ns : unit -> int = "mnoc_bench_now_ns" [@@noalloc]
external thread_cpu_ns : unit -> int = "mnoc_bench_thread_cpu_ns" [@@noalloc]
external lat_start : string -> int -> int -> int -> unit = "mnoc_bench_lat_start"
external lat_join : unit -> unit = "mnoc_bench_lat_join"

(* The same C stubs as Hdr_ops, declared both ways (2. above). *)
external load_noalloc : Cstruct.buffer -> int -> int = "mnoc_load16_acquire" [@@noalloc]
external load_plain_ext : Cstruct.buffer -> int -> int = "mnoc_load16_acquire"
external fence_noalloc : unit -> unit = "mnoc_fence" [@@noalloc]
external fence_plain_ext : unit -> unit = "mnoc_fence"

let quick = Array.exists (( = ) "--quick") Sys.argv
open Lwt.Infix
let ok what = function Ok x -> x | Error e -> failwith (what ^ ": " ^ Ring_error.to_string e)

let fresh_ring proto =
  let page = Io_page.get Layout.default_pages in
  (match Vif.ring_init page ~proto ~nslots:0 ~slotsize:Layout.default_slotsize with
  | Ok () -> () | Error e -> failwith (Printf.sprintf "ring_init %d" e));
  Io_page.to_cstruct page

(* The per-frame work of every consumer: the frame's first 8 bytes and its length into a sum. *)
let touch sum v = sum := !sum + Int64.to_int (Cstruct.LE.get_uint64 v 0) + Cstruct.length v

(* The same on the batch API's (buffer, offset, length): the primitive's int64 goes straight into
   Int64.to_int, so ocamlopt never boxes it; nothing is allocated per frame. Unchecked access:
   rx_frames hands out [off, off + len) inside a slot and every frame here has >= 64 bytes. *)
external get64u : Cstruct.buffer -> int -> int64 = "%caml_bigstring_get64u"

let fsum = ref 0
let touch_frame buf off len = fsum := !fsum + Int64.to_int (get64u buf off) + len

(* The batch API read in place (Frames' doc): up to [budget] frames, batches of at most 64 as
   the C consumer's drain_batch (cring_stubs.c). The Frames fields have known types: ocamlopt
   inlines the Bigarray reads; no call and no allocation per frame. *)
let drain_peek r budget sum =
  let fr = Ring.frames r in
  let rec go got =
    if got >= budget then got
    else
      match Ring.peek_n r (min 64 (budget - got)) with
      | Ok 0 -> got
      | Ok n ->
          let s = ref !sum in
          for k = 0 to n - 1 do
            let off = Bigarray.Array1.unsafe_get fr.Frames.off k in
            s := !s + Int64.to_int (get64u fr.Frames.buf off) + Bigarray.Array1.unsafe_get fr.Frames.len k
          done;
          sum := !s;
          ok "release_n" (Ring.release_n r n);
          go (got + n)
      | Error e -> failwith (Ring_error.to_string e)
  in
  go 0

let drain_ring r sum =
  let rec go n =
    match Ring.top_packet r with
    | Ok (Some v) -> touch sum v; ok "pop" (Ring.pop_packet r); go (n + 1)
    | Ok None -> n
    | Error e -> failwith (Ring_error.to_string e)
  in
  go 0

let median a = let a = Array.copy a in Array.sort compare a; a.(Array.length a / 2)

(* 1. Fill a ring with `size` frames (C producer, not timed), drain it (timed); alternate the
   consumers round by round so all see the same machine state. Returns the ratio of medians
   rx_frames / C batch. *)
let consumer_cost proto flen =
  let rounds = if quick then 2000 else 20000 in
  (* rings 1 and 4 are Netifs' own rings (not plugged: the benchmark is their producer). *)
  let netif_ring name =
    let t = match Netif.create ~proto name with Ok t -> t | Error m -> failwith m in
    let g = Ring.geometry (Netif.ring t) in
    (t, Cstruct.of_bigarray g.Ring_geom.buf ~off:g.Ring_geom.base ~len:g.Ring_geom.buflen)
  in
  let netif, netif_cs = netif_ring "obench1" and netif_f, netif_f_cs = netif_ring "obench2" in
  let rings = [| fresh_ring proto; netif_cs; fresh_ring proto; fresh_ring proto; netif_f_cs; fresh_ring proto |] in
  let prods = Array.map C.prod_attach rings in
  let ocaml_ring = ok "of_buf" (Ring.of_buf rings.(0)) in
  let c_cons = C.cons_attach rings.(2) in
  let c_batch = C.cons_attach rings.(3) in
  let peek_ring = ok "of_buf" (Ring.of_buf rings.(5)) in
  let size = (Ring.geometry ocaml_ring).Ring_geom.size in
  let frame = Cstruct.create flen in
  let fill i = for _ = 1 to size do if C.push prods.(i) frame <> 0 then failwith "push" done in
  let times = Array.make_matrix 6 rounds 0 and sum = ref 0 and csum = ref 0 and bsum = ref 0 and psum = ref 0 in
  fsum := 0;
  let timed i k f =
    fill i;
    let t0 = now_ns () in
    let n = f () in
    times.(i).(k) <- now_ns () - t0;
    if n <> size then failwith "short drain"
  in
  for k = 0 to rounds - 1 do
    timed 0 k (fun () -> drain_ring ocaml_ring sum);
    timed 1 k (fun () -> ok "rx_poll" (Netif.rx_poll netif (touch sum)));
    timed 2 k (fun () -> C.drain c_cons size csum);
    timed 3 k (fun () -> C.drain_batch c_batch size bsum);
    timed 4 k (fun () -> ok "rx_frames" (Netif.rx_frames netif_f touch_frame));
    timed 5 k (fun () -> drain_peek peek_ring size psum)
  done;
  if !sum <> !csum * 2 || !bsum <> !csum || !fsum <> !csum || !psum <> !csum then
    failwith "the consumers read different bytes";
  let per i = float_of_int (Array.fold_left ( + ) 0 times.(i)) /. float_of_int (rounds * size) in
  let med i = float_of_int (median times.(i)) /. float_of_int size in
  let pn = Printf.sprintf "v%d" proto in
  Printf.printf
    "| %s | %5d B | %6.1f (%5.1f) | %6.1f (%5.1f) | %6.1f (%5.1f) | %6.1f (%5.1f) | %6.1f (%5.1f) | %6.1f (%5.1f) | %4.2fx | %4.2fx | %4.2fx | %4.2fx | **%4.2fx** |\n%!"
    pn flen (per 2) (med 2) (per 3) (med 3) (per 0) (med 0) (per 1) (med 1) (per 4) (med 4) (per 5) (med 5)
    (med 0 /. med 2) (med 1 /. med 2) (med 1 /. med 3) (med 4 /. med 3) (med 5 /. med 3);
  (pn, flen, med 5 /. med 3, med 4 /. med 3)

(* 2. ns per call, noalloc vs ordinary external. *)
let external_cost () =
  let n = if quick then 2_000_000 else 20_000_000 in
  let buf = (fresh_ring Layout.proto_v2).Cstruct.buffer in
  let time f =
    let t0 = now_ns () in
    let acc = ref 0 in
    for _ = 1 to n do acc := !acc + f () done;
    ignore (Sys.opaque_identity !acc);
    float_of_int (now_ns () - t0) /. float_of_int n
  in
  let a = time (fun () -> load_noalloc buf 2) and b = time (fun () -> load_plain_ext buf 2) in
  let c = time (fun () -> fence_noalloc (); 0) and d = time (fun () -> fence_plain_ext (); 0) in
  Printf.printf "| load16_acquire | %5.2f | %5.2f | %+5.2f |\n" a b (b -. a);
  Printf.printf "| fence (mfence) | %5.2f | %5.2f | %+5.2f |\n%!" c d (d -. c)

(* 3. Latency of frames injected at random 0.2-1.8 ms intervals by a C thread, as the consumer
   sees them; consumer-thread CPU time over the wall time. *)
let percentile a p = let a = Array.copy a in Array.sort compare a; a.(min (Array.length a - 1) (Array.length a * p / 100))

let latency mode =
  let n = if quick then 200 else 2000 in
  let name = "obench0" in
  if U.create name ~mac:"\002\000\000\000\000\009" < 0 then failwith "if_create";
  let t = match Netif.create ~pages:2 ~slotsize:128 name with Ok t -> t | Error m -> failwith m in
  (match Netif.plug t with Ok () -> () | Error m -> failwith m);
  let lat = Array.make n 0 and got = ref 0 in
  let stop, wake = Lwt.wait () in
  let handler v =
    if !got < n then lat.(!got) <- now_ns () - Int64.to_int (Cstruct.LE.get_uint64 v 0);
    incr got;
    if !got = n && Lwt.is_sleeping stop then Lwt.wakeup_later wake ()
  in
  let cpu0 = thread_cpu_ns () and w0 = now_ns () in
  lat_start name n 200 1800;
  (match mode with
  | `Listen -> ignore (ok "listen" (Lwt_main.run (Netif.listen ~stop [ t ] (fun _ v -> handler v))))
  | `Poll_1ms ->
      (* 2012 netif.ml: while the ring has packets call the function, else sleep 1 ms. *)
      let rec loop () =
        if !got >= n then Lwt.return_unit
        else match Netif.rx_poll t handler with
          | Ok 0 -> Lwt_unix.sleep 0.001 >>= loop
          | Ok _ -> loop ()
          | Error e -> failwith (Ring_error.to_string e)
      in
      Lwt_main.run (loop ()));
  let cpu = thread_cpu_ns () - cpu0 and wall = now_ns () - w0 in
  lat_join ();
  Netif.unplug t;
  ignore (U.destroy name);
  let us x = float_of_int x /. 1000. in
  Printf.printf "| %s | %d | %7.1f | %7.1f | %7.1f | %5.2f %% |\n%!"
    (match mode with `Listen -> "Netif.listen (eventfd, final check)" | `Poll_1ms -> "2012: rx_poll + 1 ms sleep")
    n (us (percentile lat 50)) (us (percentile lat 99)) (us (percentile lat 100))
    (100. *. float_of_int cpu /. float_of_int wall)


(* The issue-14 target: the OCaml batch consumer within 1.3x the batched C consumer. *)
let target = 1.3

let () =
  Printf.printf "## Consumer per-frame cost, ns/frame: mean (median of %d-frame drains); ratios of medians\n\n" 64;
  print_endline
    "| proto | frame | C mn_cons_peek/release | C peek_n/release_n (batch) | OCaml top_packet/pop_packet | OCaml Netif.rx_poll (rx_batch, views) | OCaml Netif.rx_frames (handler) | OCaml Ring.peek_n/release_n (batch API) | top-pop/C | rx_poll/C | rx_poll/C batch | rx_frames/C batch | peek_n/C batch |";
  print_endline "|---|---|---|---|---|---|---|---|---|---|---|---|---|";
  let ratios =
    List.concat_map (fun p -> List.map (consumer_cost p) [ 64; 1500 ]) [ Layout.proto_v3; Layout.proto_v2; Layout.proto_v1 ]
  in
  print_newline ();
  List.iter
    (fun (pn, flen, r, rf) ->
      if pn <> "v1" then
        Printf.printf
          "%s OCaml batch consumer (Ring.peek_n/release_n) <= %.1fx the batched C consumer, %s %d B: %.2fx (with a handler, Netif.rx_frames: %.2fx)\n"
          (if r <= target then "MET" else "MISSED") target pn flen r rf)
    ratios;
  print_endline "\n## Stub call cost, ns/call (production [@@noalloc] vs ordinary external, as the model build)\n";
  print_endline "| stub | noalloc | ordinary | difference |";
  print_endline "|---|---|---|---|";
  external_cost ();
  print_endline "\n## Wakeup latency, frames at random 0.2-1.8 ms intervals (us)\n";
  print_endline "| consumer | frames | p50 | p99 | max | consumer CPU |";
  print_endline "|---|---|---|---|---|---|";
  latency `Listen;
  latency `Poll_1ms
