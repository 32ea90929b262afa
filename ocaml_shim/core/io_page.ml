type t = Cstruct.buffer

external get : int -> t = "mnoc_io_page_alloc"

let to_cstruct = Cstruct.of_bigarray ?off:None ?len:None
