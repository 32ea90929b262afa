(* The external consumer's reports to the model runtime (c/model/model.h). Ordinary externals
   (the model build has no noalloc stub); neither yields: the blocking calls (idle, sleep, spin)
   are made by the C glue between OCaml steps (embed/embed_stubs.c). *)

external set_quiet : bool -> unit = "mnocm_set_quiet"
external deliver : Cstruct.buffer -> int -> unit = "mnocm_deliver"
external released : unit -> unit = "mnocm_released"
