(** Consumer of a v3 "single-writer lines" ring (mnetif/ring.h): v2's lock-free protocol with the
    consumer's index ([sr_cons], offset 64) and [sr_wake] (offset 128) each alone on a cache line,
    the length table at 192, a cached copy of the producer index (re-read only when it holds fewer
    frames than asked for), and the event channel's final check by an asymmetric barrier: after
    arming [sr_wake] the consumer issues the heavy barrier (membarrier), the producer only a
    compiler barrier. Mirrors the v3 branches of c/src/ring.c's consumer. *)

include Ring_intf.S

