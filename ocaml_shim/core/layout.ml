(* The wire format of mnetif/ring.h (MN_OFF_*, MN_MAGIC, geometry limits). A test compares every
   constant with the C header's (test/test_layout.ml), so a change there fails here loudly. *)

let hdr_size = 64
let off_cur = 0
let off_avail = 2
let off_size = 4
let off_slotsize = 6
let off_magic = 8
let off_dataoff = 12
let off_lock = 16
let off_wake = 20
let off_error = 24
let off_drop_full = 28
let off_drop_oversize = 32
let off_drop_busy = 36
let off_frames = 40
let off_bytes = 48
let off_drop_error = 56
let off_notify = 60
let off_lens = 64

let magic_base = 0x4d4e5200
let proto_2012 = 0
let proto_v1 = 1
let proto_v2 = 2
let proto_v3 = 3
let magic proto = magic_base lor proto
let max_size = 32768
let min_slotsize = 64
let max_slotsize = 65472
let lock_retries = 64
let page_size = 4096
let default_pages = 33
let default_slotsize = 2048
let wait_spins = 64 (* MN_WAIT_SPINS: v3 looks at the ring this many times before arming sr_wake *)

(* v3 (ring.h, struct mn_ring_v3): the consumer's two words alone on their cache lines, the
   length table after them. *)
let line = 64
let v3_off_cons = 64
let v3_off_wake = 128
let v3_off_lens = 192

(* Where the consumer index, sr_wake and the length table are, by protocol (mn_off_cons & co). *)
let off_cons_of proto = if proto = proto_v3 then v3_off_cons else off_cur
let off_wake_of proto = if proto = proto_v3 then v3_off_wake else off_wake
let off_lens_of proto = if proto = proto_v3 then v3_off_lens else off_lens

(* Offset of ss_len.(i) in a v1/v2 ring, i already masked. *)
let off_len i = off_lens + (2 * i)
