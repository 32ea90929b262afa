(** Page-aligned memory for rings, as in 2012: [t] is a char Bigarray (= [Cstruct.buffer]). *)

type t = Cstruct.buffer

val get : int -> t
(** [get n]: [n] zeroed, page-aligned pages, freed by the GC. A plugged page must stay reachable
    until it is unplugged ({!Vif} keeps it so). *)

val to_cstruct : t -> Cstruct.t
