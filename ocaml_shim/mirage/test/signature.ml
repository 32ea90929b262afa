(* Both netifs ARE Mirage_net.S devices (mirage-net 4.x, ocaml_shim/mirage_net): if either side
   changes, this file stops compiling. tests/ocaml/test_signature.py checks that it can: a netif
   without [mtu], or a signature with one more value, is rejected by the compiler. *)
module Userspace : Mirage_net.S = Mnetif_mirage.Userspace
module Kernel : Mirage_net.S = Mnetif_mirage.Kernel

(* The responder is written against the signature alone: it applies to both. *)
module Answer_user = Mnetif_responder.Responder.Make (Mnetif_mirage.Userspace)
module Answer_kernel = Mnetif_responder.Responder.Make (Mnetif_mirage.Kernel)
