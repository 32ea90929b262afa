type corrupt = { field : string; value : int; why : string }
type t = Corrupt of corrupt | Busy | Not_peeked

let corrupt field value why = Error (Corrupt { field; value; why })

let to_string = function
  | Corrupt { field; value; why } -> Printf.sprintf "corrupt ring header: %s = %d (%s)" field value why
  | Busy -> "ring lock busy"
  | Not_peeked -> "pop_packet without top_packet"

let pp ppf e = Format.pp_print_string ppf (to_string e)
