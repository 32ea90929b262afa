(* Figures of the OCaml port, each measured against its reference in the same run:
   1. consumer per-frame cost: the OCaml port (Ring, Netif.rx_poll) vs the C consumer (mn_cons_peek/release);
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

(* The per-frame work of both consumers: the frame's first 8 bytes and its length into a sum. *)
let touch sum v = sum := !sum + Int64.to_int (Cstruct.LE.get_uint64 v 0) + Cstruct.length v

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
   consumers round by round so both see the same machine state. *)
let consumer_cost proto flen =
  let rounds = if quick then 2000 else 20000 in
  (* ring 1 is a Netif's own ring (not plugged: the benchmark is its producer). *)
  let netif = match Netif.create ~proto "obench1" with Ok t -> t | Error m -> failwith m in
  let g = Ring.geometry (Netif.ring netif) in
  let netif_cs = Cstruct.of_bigarray g.Ring_geom.buf ~off:g.Ring_geom.base ~len:g.Ring_geom.buflen in
  let rings = [| fresh_ring proto; netif_cs; fresh_ring proto; fresh_ring proto |] in
  let prods = Array.map C.prod_attach rings in
  let ocaml_ring = ok "of_buf" (Ring.of_buf rings.(0)) in
  let c_cons = C.cons_attach rings.(2) in
  let c_batch = C.cons_attach rings.(3) in
  let size = (Ring.geometry ocaml_ring).Ring_geom.size in
  let frame = Cstruct.create flen in
  let fill i = for _ = 1 to size do if C.push prods.(i) frame <> 0 then failwith "push" done in
  let times = Array.make_matrix 4 rounds 0 and sum = ref 0 and csum = ref 0 and bsum = ref 0 in
  for k = 0 to rounds - 1 do
    fill 0;
    let t0 = now_ns () in
    let n = drain_ring ocaml_ring sum in
    times.(0).(k) <- now_ns () - t0;
    fill 1;
    let t0 = now_ns () in
    let n1 = ok "rx_poll" (Netif.rx_poll netif (touch sum)) in
    times.(1).(k) <- now_ns () - t0;
    fill 2;
    let t0 = now_ns () in
    let n2 = C.drain c_cons size csum in
    times.(2).(k) <- now_ns () - t0;
    fill 3;
    let t0 = now_ns () in
    let n3 = C.drain_batch c_batch size bsum in
    times.(3).(k) <- now_ns () - t0;
    if n <> size || n1 <> size || n2 <> size || n3 <> size then failwith "short drain"
  done;
  if !sum <> !csum * 2 || !bsum <> !csum then failwith "the consumers read different bytes";
  let per i = float_of_int (Array.fold_left ( + ) 0 times.(i)) /. float_of_int (rounds * size) in
  let med i = float_of_int (median times.(i)) /. float_of_int size in
  let pn = if proto = Layout.proto_v1 then "v1" else "v2" in
  Printf.printf "| %s | %5d B | %6.1f (%5.1f) | %6.1f (%5.1f) | %6.1f (%5.1f) | %6.1f (%5.1f) | %4.2fx | %4.2fx | %4.2fx |\n%!" pn flen
    (per 2) (med 2) (per 3) (med 3) (per 0) (med 0) (per 1) (med 1) (med 0 /. med 2) (med 1 /. med 2)
    (med 1 /. med 3)

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


let () =
  Printf.printf "## Consumer per-frame cost, ns/frame: mean (median of %d-frame drains); ratios of medians\n\n" 64;
  print_endline "| proto | frame | C mn_cons_peek/release | C peek_n/release_n (batch) | OCaml top_packet/pop_packet | OCaml Netif.rx_poll (rx_batch) | top-pop/C | rx_poll/C | rx_poll/C batch |";
  print_endline "|---|---|---|---|---|---|---|---|---|";
  List.iter (fun p -> List.iter (consumer_cost p) [ 64; 1500 ]) [ Layout.proto_v2; Layout.proto_v1 ];
  print_endline "\n## Stub call cost, ns/call (production [@@noalloc] vs ordinary external, as the model build)\n";
  print_endline "| stub | noalloc | ordinary | difference |";
  print_endline "|---|---|---|---|";
  external_cost ();
  print_endline "\n## Wakeup latency, frames at random 0.2-1.8 ms intervals (us)\n";
  print_endline "| consumer | frames | p50 | p99 | max | consumer CPU |";
  print_endline "|---|---|---|---|---|---|";
  latency `Listen;
  latency `Poll_1ms
