(* Model mode: the OCaml consumer as an actor of the model runtime (c/model/). It is the consumer
   loop of c/model/actors.c (consumer_body) written over the OCaml port, compiled against the model
   build of the stubs (Mnetif_core_model: every header access is a visible operation), so one
   schedule (a list of choices) drives the C producers and this consumer together — performing
   exactly the visible operations the C consumer would, so the same schedule can be replayed
   against the C consumer and the results compared (mnetif/ocaml.py, tests/ocaml).

   The loop is cut into steps that the C glue (embed_stubs.c, mnoc_model_consumer) calls one at a
   time: a step may yield inside a stub (a visible operation) but never blocks; blocking (sleep on
   the event channel, idle, spin on a busy lock) is done by the glue between steps, outside OCaml.
   So the runtime can end a run with the consumer blocked without leaving an OCaml callback
   suspended. *)
open Mnetif_core_model

type state = {
  r : Ring.t;
  waits : bool;
  mutable busy_pop : bool;  (** v1: the pop found the lock busy; the glue spins, then we retry *)
  gc_stress : bool;  (** a minor GC every step and a compaction every 8th: the fiber must survive *)
  mutable steps : int;
}

(* Step results, read by the glue (embed_stubs.c keeps the same numbers). *)
let continue_ = 0 and sleep = 1 and idle = 3 and spin = 4 and error = -1

let state = ref None
let last_error = ref ""

(* Frames are at most MN_MODEL_MAX_FRAME_LEN = 8192 bytes. A Bigarray: the visible copy may run
   after this fiber yielded and the GC moved things; Bigarray data never moves. *)
let copy = Bigarray.Array1.create Bigarray.char Bigarray.c_layout 8192

let fail what e = last_error := what ^ ": " ^ Ring_error.to_string e; error

(* flags: bit 0 consumer_waits, bit 1 accept the 2012 protocol, bit 2 GC stress, bits 8.. v1 lock
   retries. The C
   consumer attaches before the run (mn_cons_attach in setup, seen = 0): attach quietly, reading
   committed memory, so no visible operation is added. *)
let start ring flags =
  let waits = flags land 1 <> 0 and allow_2012 = flags land 2 <> 0 and lock_retries = flags lsr 8 in
  let gc_stress = flags land 4 <> 0 in
  state := None;
  Model_ops.set_quiet true;
  (* v3: one look at the ring before arming, as the model's C consumer (c/model/mnetif/setup.c
     sets its wait_spins to 1: each more look is one more visible load). *)
  let r = Ring.of_buf_any ~allow_2012 ~seen:0 ~lock_retries ~wait_spins:1 (Cstruct.of_bigarray ring) in
  Model_ops.set_quiet false;
  match r with
  | Error e -> fail "consumer attach" e
  | Ok r -> state := Some { r; waits; busy_pop = false; gc_stress; steps = 0 }; continue_

let pop s =
  match Ring.pop_packet s.r with
  | Ok () -> s.busy_pop <- false; Model_ops.released (); continue_
  | Error Ring_error.Busy -> s.busy_pop <- true; spin
  | Error e -> fail "consumer: pop_packet" e

let stress s =
  s.steps <- s.steps + 1;
  (* Garbage that survives into the major heap, then a collection (moving: compaction). *)
  ignore (Sys.opaque_identity (List.init 64 (fun i -> Bytes.create (i * 8))));
  if s.steps mod 8 = 0 then Gc.compact () else Gc.minor ()

let step_in s =
  if s.busy_pop then pop s
  else
    match Ring.top_packet s.r with
    | Error e -> fail "consumer: top_packet" e
    | Ok (Some v) ->
        let len = Cstruct.length v in
        Hdr_ops.copy_out v.Cstruct.buffer v.Cstruct.off copy 0 len;
        Model_ops.deliver copy len;
        pop s
    | Ok None when s.waits -> (
        (* prepare_wait's error: the C consumer does not sleep; its next peek reports it *)
        match Ring.prepare_wait s.r with Ok true -> sleep | Ok false | Error _ -> continue_)
    | Ok None -> idle

let step () =
  match !state with
  | None -> last_error := "consumer: step before start"; error
  | Some s ->
      if s.gc_stress then stress s;
      step_in s

(* mnoc_model_probe: allocate [n] small blocks that survive a minor GC and a compaction, then
   check them; the checksum is n(n-1)/2 exactly when the heap is sound. *)
let probe n =
  let l = List.init n (fun i -> Bytes.make 1 (Char.chr (i land 0xff)), i) in
  Gc.minor ();
  if n land 1 = 1 then Gc.compact ();
  List.fold_left (fun acc (b, i) -> if Bytes.get b 0 = Char.chr (i land 0xff) then acc + i else acc - 1_000_000) 0 l

let () =
  Callback.register "mnetif.model_probe" probe;
  Callback.register "mnetif.model_start" start;
  Callback.register "mnetif.model_step" step;
  Callback.register "mnetif.model_error" (fun () -> !last_error)
