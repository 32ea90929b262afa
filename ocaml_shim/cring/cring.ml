type prod = { p : Obj.t; pbuf : Cstruct.buffer }
type cons = { c : Obj.t; cbuf : Cstruct.buffer }

external prod_attach_ : Cstruct.buffer -> int -> int -> Obj.t = "mnoc_cring_prod_attach"
external push_ : Obj.t -> Cstruct.buffer -> int -> int -> int = "mnoc_cring_push"
external cons_attach_ : Cstruct.buffer -> int -> int -> Obj.t = "mnoc_cring_cons_attach"
external peek_ : Obj.t -> int * int = "mnoc_cring_peek"
external release_ : Obj.t -> int = "mnoc_cring_release"
external fill_ : Obj.t -> int = "mnoc_cring_fill"
external prepare_wait_ : Obj.t -> int = "mnoc_cring_prepare_wait"
external drain_ : Obj.t -> int -> int ref -> int = "mnoc_cring_drain"
external drain_batch_ : Obj.t -> int -> int ref -> int = "mnoc_cring_drain_batch"
external layout : unit -> int array = "mnoc_cring_layout"

let prod_attach (cs : Cstruct.t) = { p = prod_attach_ cs.buffer cs.off cs.len; pbuf = cs.buffer }
let push t (f : Cstruct.t) = ignore (Sys.opaque_identity t.pbuf); push_ t.p f.buffer f.off f.len
let cons_attach (cs : Cstruct.t) = { c = cons_attach_ cs.buffer cs.off cs.len; cbuf = cs.buffer }
let peek t = match peek_ t.c with off, len when len >= 0 -> Ok (off, len) | n, _ -> Error n
let release t = release_ t.c
let fill t = fill_ t.c
let prepare_wait t = prepare_wait_ t.c
let drain t budget sum = drain_ t.c budget sum
let drain_batch t budget sum = drain_batch_ t.c budget sum
