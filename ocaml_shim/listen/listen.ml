open Mnetif_core
open Lwt.Infix

type channel = { fd : Unix.file_descr; clear : unit -> unit; gone : unit -> bool }
type stats = { mutable batches : int; mutable empty : int; mutable delivered : int; mutable sleeps : int }

let stats () = { batches = 0; empty = 0; delivered = 0; sleeps = 0 }

(* The batch path: Ring.rx_frames (no view, no allocation per frame); [fn buf off len]. *)
let run_frames ?(stats = stats ()) ~stop ring ch fn =
  let lfd = Lwt_unix.of_unix_file_descr ~blocking:false ~set_flags:false ch.fd in
  let budget = (Ring.geometry ring).Ring_geom.size in
  let gone = ref false in
  let rec loop () =
    if not (Lwt.is_sleeping stop) then Lwt.return (Ok ())
    else (
      stats.batches <- stats.batches + 1;
      match Ring.rx_frames ring budget fn with
      | Error Ring_error.Busy -> Lwt.pause () >>= loop
      | Error _ as e -> Lwt.return e
      | Ok n when n >= budget -> stats.delivered <- stats.delivered + n; Lwt.pause () >>= loop
      | Ok n -> (
          stats.delivered <- stats.delivered + n;
          if n = 0 then stats.empty <- stats.empty + 1;
          (* Gone: no producer can publish any more, and the batch just taken ended the ring. *)
          if !gone then Lwt.return (Ok ())
          else
            (* Final check: a frame published before the producer read sr_wake is seen by the
               re-check; any later one signals the channel. *)
            match Ring.prepare_wait ring with
            | Error _ as e -> Lwt.return e
            | Ok false -> loop ()
            | Ok true ->
                stats.sleeps <- stats.sleeps + 1;
                Lwt.pick [ Lwt_unix.wait_read lfd; Lwt.protected stop ] >>= fun () ->
                (* Clear BEFORE the ring is re-checked: a signal after it stays pending. *)
                ch.clear ();
                gone := ch.gone ();
                loop ()))
  in
  loop ()

(* The Cstruct face: a zero-copy view per frame (what a [Cstruct.t -> unit] handler needs; the
   view is the only per-frame allocation). *)
let views ring fn =
  let whole = (Ring.geometry ring).Ring_geom.whole in
  fun _ off len -> fn (Cstruct.sub whole off len)

let run ?stats ~stop ring ch fn = run_frames ?stats ~stop ring ch (views ring fn)

let all ?(stop = fst (Lwt.wait ())) rings fn =
  let failed, fail_all = Lwt.wait () in
  let stop = Lwt.choose [ Lwt.protected stop; failed ] in
  let one i (ring, ch, stats) =
    run_frames ~stats ~stop ring ch (fn i) >|= fun r ->
    if Result.is_error r && Lwt.is_sleeping failed then Lwt.wakeup fail_all ();
    r
  in
  Lwt.all (List.mapi one rings) >|= fun rs -> Option.value ~default:(Ok ()) (List.find_opt Result.is_error rs)
