type ints = Hdr_ops.ints
type t = { buf : Cstruct.buffer; off : ints; len : ints; mutable count : int }

let create buf size =
  let ints () = Bigarray.(Array1.create int c_layout size) in
  { buf; off = ints (); len = ints (); count = 0 }

let set_count t n = t.count <- n
