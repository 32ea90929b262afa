(** A faithful model of the 2012 OCaml consumer (mirage-kfreebsd lib/netif.ml), for the harness's
    bug zoo ONLY: unlocked, plain (racy) read-modify-write of [sr_avail], slot data read at
    [64 + 2*size + i*slotsize] (with the header — the 2012 C producer wrote without it). Mirrors
    the 2012 branch of c/src/ring.c's consumer operation for operation. Never a usable protocol:
    {!Ring.of_buf} accepts it only with [~allow_2012:true]. *)

include Ring_intf.S
