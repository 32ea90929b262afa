external create_ : string -> string -> int = "mnoc_user_if_create"
external destroy : string -> int = "mnoc_user_if_destroy"
external inject_ : string -> Cstruct.buffer -> int -> int -> int = "mnoc_user_inject"

let create name ~mac = create_ name mac
let inject name (f : Cstruct.t) = inject_ name f.buffer f.off f.len
