type prod

external attach_raw : Cstruct.buffer -> int -> int -> Unix.file_descr -> prod = "mnoc_tx_attach"
external push_raw : prod -> Cstruct.buffer -> int -> int -> int = "mnoc_tx_push" [@@noalloc]
external space_raw : prod -> int = "mnoc_tx_space" [@@noalloc]
external kick_raw : prod -> unit = "mnoc_tx_kick" [@@noalloc]
external counters_raw : prod -> int array -> unit = "mnoc_tx_prod_counters" [@@noalloc]

(* The ring's buffer lives as long as the producer that holds raw pointers into it. *)
type t = { prod : prod; ring : Cstruct.t }

type counters = { frames : int; bytes : int; drop_full : int; drop_oversize : int; drop_error : int; notify : int }

let attach ring ~kick =
  match attach_raw ring.Cstruct.buffer ring.Cstruct.off (Cstruct.length ring) kick with
  | prod -> Ok { prod; ring }
  | exception Failure why -> Error why

let push t f = push_raw t.prod f.Cstruct.buffer f.Cstruct.off (Cstruct.length f)
let space t = space_raw t.prod
let kick t = kick_raw t.prod

let counters t =
  let a = Array.make 6 0 in
  counters_raw t.prod a;
  { frames = a.(0); bytes = a.(1); drop_full = a.(2); drop_oversize = a.(3); drop_error = a.(4); notify = a.(5) }

let errno_name r =
  match -r with
  | 0 -> "OK" | 5 -> "EIO" | 9 -> "EBADF" | 16 -> "EBUSY" | 19 -> "ENODEV" | 22 -> "EINVAL" | 28 -> "ENOSPC"
  | 90 -> "EMSGSIZE" | 93 -> "EPROTONOSUPPORT" | 105 -> "ENOBUFS"
  | n -> Printf.sprintf "errno %d" n
