(* Model mode: the OCaml consumer as an actor of the model runtime (c/model/). It is the consumer
   loop of c/model/actors.c (consumer_body) written over the OCaml port, compiled against the model
   build of the stubs (Mnetif_core_model: every header access is a visible operation), so one
   schedule (a list of choices) drives the C producers and this consumer together — and performs
   exactly the visible operations the C consumer would, so the same schedule can be replayed
   against the C consumer and the results compared (pyharness/ocaml.py, tests/ocaml). *)
open Mnetif_core_model

(* Frames are at most MN_MODEL_MAX_FRAME_LEN = 8192 bytes. A Bigarray: the visible copy may run
   after this fiber yielded and the GC moved things; Bigarray data never moves. *)
let copy = Bigarray.Array1.create Bigarray.char Bigarray.c_layout 8192

(* Returns None when the run is over, Some message when the ring was corrupt (the C consumer
   reports the same as a consumer-error violation). *)
let consume ring flags =
  let waits = flags land 1 <> 0 and allow_2012 = flags land 2 <> 0 and lock_retries = flags lsr 8 in
  (* The C consumer attaches before the run (mn_cons_attach in setup, seen = 0): attach quietly,
     reading committed memory, so no visible operation is added. *)
  Model_ops.set_quiet true;
  let r = Ring.of_buf_any ~allow_2012 ~seen:0 ~lock_retries (Cstruct.of_bigarray ring) in
  Model_ops.set_quiet false;
  match r with
  | Error e -> Some ("consumer attach: " ^ Ring_error.to_string e)
  | Ok r ->
      let g = Ring.geometry r in
      let lock = g.Ring_geom.base + Layout.off_lock in
      (* v1: a busy lock after lock_retries attempts blocks until the holder stores to sr_lock. *)
      let rec pop () =
        match Ring.pop_packet r with
        | Error Ring_error.Busy -> Hdr_ops.spin_wait32 g.Ring_geom.buf lock; pop ()
        | res -> res
      in
      let rec loop () =
        match Ring.top_packet r with
        | Error e -> Some ("consumer: top_packet: " ^ Ring_error.to_string e)
        | Ok (Some v) -> (
            let len = Cstruct.length v in
            Hdr_ops.copy_out v.Cstruct.buffer v.Cstruct.off copy 0 len;
            Model_ops.deliver copy len;
            match pop () with
            | Ok () -> Model_ops.released (); loop ()
            | Error e -> Some ("consumer: pop_packet: " ^ Ring_error.to_string e))
        | Ok None ->
            if waits then begin
              (* prepare_wait's error: the C consumer does not sleep and its next peek reports it *)
              (match Ring.prepare_wait r with Ok true -> Model_ops.sleep () | Ok false | Error _ -> ());
              loop ()
            end
            else if Model_ops.idle () then loop ()
            else None
      in
      loop ()

let () = Callback.register "mnetif.model_consumer" consume
