(** Consumer of a v1 "locked" ring (the 2012 field meanings + the test-and-set lock): [sr_cur] is
    the masked index of the next slot, [sr_avail] the number of filled slots; both are updated
    only with [sr_lock] held. The consumer views slot [sr_cur] without the lock (the producer
    never writes slots in [\[cur, cur+avail)]) and takes the lock only to pop; a lock that stays
    busy for [Layout.lock_retries] attempts gives [Error Busy] (retry later). *)

include Ring_intf.S
