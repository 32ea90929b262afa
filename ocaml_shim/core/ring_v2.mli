(** Consumer of a v2 "single-writer" ring (lock-free; see mnetif/ring.h): [sr_cur] is our
    free-running u16 index, [sr_avail] the producer's. We read the producer index with
    load-acquire and release a slot with store-release of [sr_cur], only once we are done with it. *)

include Ring_intf.S
