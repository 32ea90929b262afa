(* The external consumer's reports to the model runtime (c/model/model.h). Ordinary externals:
   idle and sleep switch fibers (DESIGN §8: a yielding stub must not be [@@noalloc]). *)

external set_quiet : bool -> unit = "mnocm_set_quiet"
external deliver : Cstruct.buffer -> int -> unit = "mnocm_deliver"
external released : unit -> unit = "mnocm_released"
external idle : unit -> bool = "mnocm_idle"
external sleep : unit -> unit = "mnocm_sleep"
