(* Differential, byte for byte: one operation sequence runs on two identical rings; on ring A the
   consumer is the OCaml port (Ring), on ring B the C core (mn_cons_peek, mn_cons_release). The producer is the C core
   on both. After every operation the two buffers must be identical (header, length table, slots)
   and both consumers must have answered the same. *)
open Mnetif_core
module C = Mnetif_cring.Cring

type op = Push of int * int (* seq, len *) | Peek | Pop | Wait | Batch of int | Frames of int

let pp_op = function
  | Push (s, l) -> Printf.sprintf "Push(seq=%d,len=%d)" s l
  | Peek -> "Peek"
  | Pop -> "Pop"
  | Wait -> "Wait"
  | Batch k -> Printf.sprintf "Batch(%d)" k
  | Frames k -> Printf.sprintf "Frames(%d)" k

type case = { proto : int; nslots : int; slotsize : int; start : int; ops : op list }

let pp_case c =
  Printf.sprintf "{proto=%s nslots=%d slotsize=%d start=%d ops=[%s]}" (Helpers.proto_name c.proto) c.nslots
    c.slotsize c.start (String.concat "; " (List.map pp_op c.ops))

let gen_case =
  let open QCheck.Gen in
  let* proto = oneofl [ Layout.proto_v1; Layout.proto_v2; Layout.proto_v3 ] in
  let* nslots = oneofl [ 1; 2; 4; 8 ] in
  let* slotsize = oneofl [ 64; 128 ] in
  let* start = oneof [ return 0; int_range 0xfff0 0xffff; int_bound 0xffff ] in
  let op =
    frequency
      [ (4, map2 (fun s l -> Push (s, l)) (int_bound 1000) (int_range 0 (slotsize + 8)));
        (3, return Peek); (3, return Pop); (1, return Wait); (2, map (fun k -> Batch k) (int_range 1 5));
        (2, map (fun k -> Frames k) (int_range 1 5)) ]
  in
  let* ops = list_size (int_range 1 60) op in
  return { proto; nslots; slotsize; start; ops }

let shrink_case c = QCheck.Iter.map (fun ops -> { c with ops }) (QCheck.Shrink.list c.ops)
let arb = QCheck.make ~print:pp_case ~shrink:shrink_case gen_case

(* The OCaml answer in the C convention, so the two can be compared. *)
let errno_of = function
  | Ring_error.Corrupt _ -> -5
  | Ring_error.Busy -> -16
  | Ring_error.Not_peeked -> -2

let run c =
  let a = Helpers.make ~start:c.start ~proto:c.proto ~nslots:c.nslots ~slotsize:c.slotsize () in
  let b = Helpers.make ~start:c.start ~proto:c.proto ~nslots:c.nslots ~slotsize:c.slotsize () in
  let pa = C.prod_attach a and pb = C.prod_attach b in
  let ra = Helpers.ok_or_fail "OCaml of_buf" (Ring.of_buf a) and cb = C.cons_attach b in
  let step k op =
    let what = Printf.sprintf "step %d %s" k (pp_op op) in
    (match op with
    | Push (seq, len) ->
        let f = Helpers.frame seq len in
        let x = C.push pa f and y = C.push pb f in
        if x <> y then QCheck.Test.fail_reportf "%s: producer answered %d on A, %d on B" what x y
    | Peek -> (
        match (Ring.top_packet ra, C.peek cb) with
        | Ok None, Error 0 -> ()
        | Ok (Some v), Ok (off, len) ->
            let w = Cstruct.sub b off len in
            if not (Cstruct.equal v w) then QCheck.Test.fail_reportf "%s: frames differ" what
        | x, y ->
            QCheck.Test.fail_reportf "%s: OCaml %s, C %s" what
              (match x with Ok None -> "empty" | Ok (Some v) -> Printf.sprintf "len %d" (Cstruct.length v)
                | Error e -> Ring_error.to_string e)
              (match y with Ok (_, l) -> Printf.sprintf "len %d" l | Error n -> string_of_int n))
    | Pop ->
        let x = match Ring.pop_packet ra with Ok () -> 0 | Error e -> errno_of e in
        let y = C.release cb in
        if x <> y then QCheck.Test.fail_reportf "%s: OCaml pop %d, C release %d" what x y
    | Batch k | Frames k ->
        (* OCaml: one rx_batch (views) or rx_frames (buffer, offset, length); C: the same frames
           one peek/release at a time. *)
        let got = ref [] in
        let x =
          match op with
          | Batch _ -> Ring.rx_batch ra k (fun v -> got := Cstruct.to_string v :: !got)
          | _ -> Ring.rx_frames ra k (fun buf off len -> got := Cstruct.to_string (Cstruct.of_bigarray buf ~off ~len) :: !got)
        in
        let rec c_side n acc =
          if n = 0 then List.rev acc
          else match C.peek cb with
            | Ok (off, len) ->
                let f = Cstruct.to_string (Cstruct.sub b off len) in
                if C.release cb <> 0 then QCheck.Test.fail_reportf "%s: C release failed" what;
                c_side (n - 1) (f :: acc)
            | Error _ -> List.rev acc
        in
        let y = c_side k [] in
        (match x with
        | Ok n when n = List.length y && List.rev !got = y -> ()
        | Ok n -> QCheck.Test.fail_reportf "%s: OCaml handed out %d frames, C %d (or bytes differ)" what n (List.length y)
        | Error e -> QCheck.Test.fail_reportf "%s: OCaml rx_batch %s" what (Ring_error.to_string e))
    | Wait ->
        let x = match Ring.prepare_wait ra with Ok true -> 1 | Ok false -> 0 | Error _ -> -5 in
        let y = C.prepare_wait cb in
        if x <> y then QCheck.Test.fail_reportf "%s: OCaml prepare_wait %d, C %d" what x y);
    if not (Cstruct.equal a b) then begin
      let i = ref 0 in
      while Cstruct.get_uint8 a !i = Cstruct.get_uint8 b !i do incr i done;
      QCheck.Test.fail_reportf "%s: buffers differ first at byte %d (OCaml %d, C %d)" what !i
        (Cstruct.get_uint8 a !i) (Cstruct.get_uint8 b !i)
    end
  in
  List.iteri step c.ops;
  true

let prop = QCheck.Test.make ~name:"OCaml consumer = C consumer, byte for byte" ~count:2000 arb run
let tests = [ Alcotest.test_case "OCaml consumer = C consumer, byte for byte" `Quick (fun () -> QCheck.Test.check_exn ~rand:(Random.State.make [| 2012 |]) prop) ]
