"""The ctypes binding of the model runtime (c/model/model.h): its constants, structures and
functions, field for field. Nothing here runs an execution: pyharness.runtime does (run, explore,
dpor, find on a workload.Workload), through `lib()` and `to_c()`.

Variants: `VARIANTS` maps a name to the one-line description of its bug; the build
`build/model/libmnetif_model.so` is 'fixed', each zoo switch has `libmnetif_model_<variant>.so`.
The encoding of choices, the memory models, the actors and the oracles are documented at the top of
c/model/model.h (and docs/design.md).
"""
from __future__ import annotations

import ctypes as C
from typing import TYPE_CHECKING, Sequence

from mnetif import native

if TYPE_CHECKING:
    from .workload import Workload

# ---- constants mirrored from model.h / ring.h / atomic.h ----------------------------------------
MAX_PRODUCERS = 3
MAX_FRAMES = 16
MAX_ACTORS = 6
MAX_LITMUS = 8
MAX_DELIVERED = MAX_PRODUCERS * MAX_FRAMES
MAX_FRAME_LEN = 8192
DEFAULT_STEPS = 20000
LITMUS = 100
NOT_PUSHED = 1

PROTO_2012, PROTO_V1, PROTO_V2, PROTO_V3 = 0, 1, 2, 3
PROTOS = {"2012": PROTO_2012, "v1": PROTO_V1, "v2": PROTO_V2, "v3": PROTO_V3, "litmus": LITMUS}
MM = {"sc": 0, "tso": 1, "pso": 2, "arm": 3}
MM_NAMES = {v: k for k, v in MM.items()}
CONSUMER_NONE, CONSUMER_C, CONSUMER_EXTERNAL = 0, 1, 2

# enum mn_order (= rt's enum rt_order); a fence step's order is its kind (rt.h enum rt_fence)
PLAIN, RELAXED, ACQUIRE, RELEASE, SEQ_CST, ACQ_REL = 0, 1, 2, 3, 4, 5
FENCE_ACQUIRE, FENCE_RELEASE, FENCE_FULL, FENCE_WMB, FENCE_RMB = 2, 3, 4, 5, 6
FENCE_HEAVY = 7       # the asymmetric barrier's heavy side (rt.h "Fences")
BLIND = 0x100         # or'ed into a FETCH_ADD's order: the old value is not used (rt.h RT_BLIND)
ORDER_NAMES = ["plain", "relaxed", "acquire", "release", "seq_cst", "wmb", "rmb"]
FENCE_NAMES = {FENCE_ACQUIRE: "acquire", FENCE_RELEASE: "release", FENCE_FULL: "full",
               FENCE_WMB: "wmb", FENCE_RMB: "rmb", FENCE_HEAVY: "heavy"}
# enum mn_op + enum mn_model_op (= rt's enum rt_op; OP_CAS: rt only, not in litmus programs here)
OP_LOAD, OP_STORE, OP_FENCE, OP_TAS, OP_FETCH_ADD, OP_COPY_IN, OP_COPY_OUT, OP_SPIN, OP_NOTIFY = range(1, 10)
OP_CAS, MOP_PROMISE = 10, 11
MOP_DRAIN, MOP_KILL, MOP_SLEEP, MOP_IDLE, MOP_DELIVER = range(16, 21)
# option kinds a chooser sees (model.h MN_OPT_*)
OPT_RUN, OPT_SWITCH, OPT_DRAIN, OPT_CHOICE, OPT_READ, OPT_PROMISE = range(6)
MAX_PROMISE_CANDS = 512

ACTOR_KINDS = ["none", "producer", "consumer", "unplugger", "killer", "litmus", "hostile"]
MAX_HOSTILE = 8
ACTOR_STATES = ["runnable", "spinning", "sleeping", "idle", "done", "killed"]

# Header offsets (ring.h MN_OFF_*), for litmus programs.
OFF = dict(cur=0, avail=2, size=4, slotsize=6, magic=8, dataoff=12, lock=16, wake=20, error=24,
           drop_full=28, drop_oversize=32, drop_busy=36, frames=40, bytes=48, drop_error=56,
           notify=60, lens=64)

VIOLATIONS = ["none", "invariant", "frame-lost", "frame-corrupt", "accounting", "two-holders",
              "deadlock", "retries", "lost-wakeup", "use-after-free", "step-bound",
              "consumer-error", "setup", "out-of-bounds", "error-flag"]
COVERAGE = ["ring-full", "wrap-v2", "wrap-v1", "lock-contended", "killed", "consumer-slept",
            "notified", "drop-full", "drop-oversize", "drop-busy", "drop-error", "unplugged",
            "spin-blocked", "reordered", "forwarded", "not-plugged", "killed-holder",
            "stale-read", "promise"]

# Variant name -> one-line description of its bug ('fixed' has none). Each is
# build/model/libmnetif_model_<name>.so built with the switch -DMN_ZOO_<NAME upper>.
VARIANTS: dict[str, str] = {
    "fixed": "no bug switch: the shipped v1/v2 protocols (the 2012 model is compiled in too)",
    "v1_no_lock": "v1 lock acquire/release are no-ops -> lost update on sr_avail",
    "tas_plain": "test-and-set as a plain load then store -> two lock holders",
    "v2_relaxed_publish": "v2 producer publishes sr_avail with a relaxed store -> stale frame under PSO",
    "no_prod_fence": "producer's wakeup fence removed -> lost wakeup under TSO",
    "no_cons_fence": "consumer's wakeup fence removed -> lost wakeup under TSO",
    "unplug_no_wait": "unplug hands the ring back without waiting for producers -> use after free",
    "2012_same_offset": "2012 model with the data-offset bug fixed (isolates lost update/overwrite)",
    "wake_eq": "producer signals iff sr_wake == frames (not the range rule) -> a batch jumping over "
               "sr_wake loses the wakeup",
    "v2_relaxed_consume": "v2 consumer loads the producer index relaxed -> stale length or frame "
                          "under ARM (load -> load)",
    "cons_wmb_release": "v2 consumer releases its slots with a store fence + relaxed store "
                        "(Concurrency Kit c7945fe) -> slot reread after the producer refilled it "
                        "under ARM (load -> store)",
    "prod_relaxed_cons": "v2 producer loads the consumer index relaxed (a control dependency the "
                         "ordering layer does not promise) -> slot refilled before the consumer "
                         "read it under ARM (load -> store)",
    "fadd_acqrel": "mn_fetch_add as C11's seq_cst RMW (acquire + release, no fence), the userspace "
                   "mapping before the ARM model: unplug frees a ring an input still uses, under "
                   "ARM (store -> load past the RMW)",
    "no_heavy": "v3 consumer's heavy barrier replaced by an ordinary full fence -> lost wakeup "
                "under TSO (the light producer is not fenced)",
    "light_hoisted": "v3 producer reads sr_wake before publishing (a compiler's freedom without "
                     "the compiler barrier) -> lost wakeup even under SC",
    # boundary mutants (issue 13; c/model/thirdparty/mutants/*.edit): the proof families'
    # boundary workloads must catch them
    "oversize_plus_one": "producer accepts a frame one byte longer than a slot -> its copy runs "
                         "into the next slot or past the ring (out of bounds)",
    "batch_drop_once": "a batch's full-ring drops counted as one drop in sr_drop_full -> "
                       "accounting",
    # scripted edits of c/src/ring.c (c/model/thirdparty/mutants/*.edit, mk/mutants.mk)
    "hostile_trust_lock": "v1 producer retries sr_lock forever (trusts the peer to release it) "
                          "-> hangs against a consumer that holds it",
    "hostile_trust_cur": "v1 producer does not validate sr_cur and wraps slot numbers by one "
                         "subtraction -> writes outside the ring for a hostile sr_cur",
}


def library_name(variant: str = "fixed") -> str:
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; known: {', '.join(VARIANTS)}")
    return "model/libmnetif_model.so" if variant == "fixed" else f"model/libmnetif_model_{variant}.so"


# ---- ctypes structures (model.h) -------------------------------------------------------------
class LitmusOp(C.Structure):
    _fields_ = [("op", C.c_uint8), ("order", C.c_uint8), ("size", C.c_uint8), ("flags", C.c_uint8),
                ("off", C.c_uint32), ("value", C.c_uint64)]


class CPromiseCand(C.Structure):
    _fields_ = [("actor", C.c_uint8), ("region", C.c_uint8), ("bytes", C.c_uint8), ("pad", C.c_uint8),
                ("off", C.c_uint32), ("size", C.c_uint32), ("pad2", C.c_uint32),
                ("value", C.c_uint64)]


class CWorkload(C.Structure):
    _fields_ = [
        ("proto", C.c_uint32), ("mm", C.c_uint32), ("nslots", C.c_uint32), ("slotsize", C.c_uint32),
        ("lock_retries", C.c_uint32), ("nproducers", C.c_uint32),
        ("nframes", C.c_uint32 * MAX_PRODUCERS),
        ("frame_len", (C.c_uint32 * MAX_FRAMES) * MAX_PRODUCERS),
        ("frame_seed", (C.c_uint8 * MAX_FRAMES) * MAX_PRODUCERS),
        ("consumer", C.c_uint32), ("consumer_waits", C.c_uint32), ("unplugger", C.c_uint32),
        ("kill_actor", C.c_int32), ("start_index", C.c_uint32), ("max_steps", C.c_uint32),
        ("nlitmus_actors", C.c_uint32), ("nlitmus", C.c_uint32 * MAX_ACTORS),
        ("litmus", (LitmusOp * MAX_LITMUS) * MAX_ACTORS),
        ("reduce", C.c_uint32), ("batch", C.c_uint32), ("cons_batch", C.c_uint32),
        ("nlitmus_final", C.c_uint32), ("litmus_final_off", C.c_uint32 * MAX_LITMUS),
        ("max_promises", C.c_uint32), ("npromise_cands", C.c_uint32),
        ("promise_cands", C.POINTER(CPromiseCand)), ("promise_blob", C.POINTER(C.c_uint8)),
        ("hostile", C.c_uint32),
    ]


class CStep(C.Structure):
    _fields_ = [("actor", C.c_uint8), ("op", C.c_uint8), ("order", C.c_uint8), ("field", C.c_uint8),
                ("index", C.c_uint32), ("off", C.c_uint32), ("size", C.c_uint32),
                ("value", C.c_uint64), ("buffered", C.c_uint32),
                ("cur", C.c_uint16), ("avail", C.c_uint16), ("lock", C.c_uint32),
                ("decision", C.c_uint32), ("rf", C.c_int32)]


class CCounters(C.Structure):
    _fields_ = [("frames", C.c_uint64), ("bytes", C.c_uint64), ("drop_full", C.c_uint32),
                ("drop_oversize", C.c_uint32), ("drop_busy", C.c_uint32), ("drop_error", C.c_uint32),
                ("notify", C.c_uint32), ("error", C.c_uint32)]


class CDelivery(C.Structure):
    _fields_ = [("producer", C.c_int8), ("frame", C.c_int8), ("released", C.c_uint8),
                ("pad", C.c_uint8), ("len", C.c_uint32)]


class CResult(C.Structure):
    _fields_ = [
        ("violation", C.c_int32), ("violation_step", C.c_int32), ("message", C.c_char * 256),
        ("nsteps", C.c_uint32), ("ndecisions", C.c_uint32), ("nchoices_used", C.c_uint32),
        ("coverage", C.c_uint32), ("nactors", C.c_uint32),
        ("actor_kind", C.c_uint8 * MAX_ACTORS), ("actor_state", C.c_uint8 * MAX_ACTORS),
        ("ndelivered", C.c_uint32), ("delivered", CDelivery * MAX_DELIVERED),
        ("push_result", (C.c_int32 * MAX_FRAMES) * MAX_PRODUCERS),
        ("counters", CCounters), ("notify_pending", C.c_uint32), ("still_in_ring", C.c_uint32),
        ("final_cur", C.c_uint16), ("final_avail", C.c_uint16), ("final_lock", C.c_uint32),
        ("unplug_result", C.c_int32),
        ("litmus_regs", (C.c_uint64 * MAX_LITMUS) * MAX_ACTORS),
        ("litmus_final", C.c_uint64 * MAX_LITMUS), ("pruned", C.c_uint32),
    ]


class COption(C.Structure):
    _fields_ = [("kind", C.c_uint8), ("actor", C.c_uint8), ("field", C.c_uint8), ("pad", C.c_uint8),
                ("index", C.c_uint32), ("off", C.c_uint32)]


class CExploreStats(C.Structure):
    _fields_ = [("executions", C.c_uint64), ("violations", C.c_uint64), ("exhausted", C.c_uint32),
                ("max_decisions", C.c_uint32), ("max_steps", C.c_uint64), ("elapsed_ns", C.c_uint64),
                ("coverage", C.c_uint32), ("first_violation", C.c_int32), ("message", C.c_char * 256),
                ("pruned", C.c_uint64), ("rounds", C.c_uint32), ("npromise_cands", C.c_uint32)]


CHOOSER = C.CFUNCTYPE(C.c_uint32, C.c_void_p, C.c_uint32, C.c_uint32, C.c_uint32, C.POINTER(COption))

RESULT_HOOK = C.CFUNCTYPE(None, C.c_void_p, C.POINTER(CResult))

def lib(variant: str = "fixed") -> C.CDLL:
    """The model build of `variant`, with argtypes set (raises native.BuildMissing if not built)."""
    so = native.load(library_name(variant))
    if not getattr(so, "_mn_typed", False):
        so.mn_model_run.argtypes = [C.POINTER(CWorkload), C.POINTER(C.c_uint32), C.c_uint32,
                                    C.POINTER(CResult), C.POINTER(CStep), C.c_uint32]
        so.mn_model_run.restype = C.c_int
        so.mn_model_run_chooser.argtypes = [C.POINTER(CWorkload), CHOOSER, C.c_void_p,
                                            C.POINTER(CResult), C.POINTER(CStep), C.c_uint32,
                                            C.POINTER(C.c_uint32), C.c_uint32, C.POINTER(C.c_uint32)]
        so.mn_model_run_chooser.restype = C.c_int
        so.mn_model_explore.argtypes = [C.POINTER(CWorkload), C.c_uint32, C.c_uint64, C.c_int,
                                        C.POINTER(CExploreStats), C.POINTER(C.c_uint32), C.c_uint32,
                                        C.POINTER(C.c_uint32)]
        so.mn_model_explore.restype = C.c_int
        so.mn_model_find.argtypes = [C.POINTER(CWorkload), C.c_uint32, C.c_uint64, C.c_uint32,
                                     C.POINTER(CExploreStats), C.POINTER(C.c_uint32), C.c_uint32,
                                     C.POINTER(C.c_uint32)]
        so.mn_model_find.restype = C.c_int
        so.mn_model_dpor.argtypes = [C.POINTER(CWorkload), C.c_uint64, C.c_int,
                                     C.POINTER(CExploreStats), C.POINTER(C.c_uint32), C.c_uint32,
                                     C.POINTER(C.c_uint32)]
        so.mn_model_dpor.restype = C.c_int
        U32P = C.POINTER(C.c_uint32)
        so.mn_model_explore_sub.argtypes = [C.POINTER(CWorkload), C.c_uint32, C.c_uint64, C.c_int,
                                            U32P, C.c_uint32, C.c_uint32, U32P, C.c_uint32, U32P,
                                            C.POINTER(CExploreStats), U32P, C.c_uint32, U32P]
        so.mn_model_explore_sub.restype = C.c_int
        so.mn_model_dpor_sub.argtypes = [C.POINTER(CWorkload), C.c_uint64, C.c_int, U32P,
                                         C.c_uint32, C.POINTER(CExploreStats), U32P, C.c_uint32,
                                         U32P]
        so.mn_model_dpor_sub.restype = C.c_int
        so.mn_model_dpor_mode.argtypes = [C.c_int]
        so.mn_model_dpor_mode.restype = C.c_int
        so.mn_model_dpor_mutate.argtypes = [C.c_int]
        so.mn_model_dpor_mutate.restype = None
        so.mn_model_idle_mode.argtypes = [C.c_int]
        so.mn_model_idle_mode.restype = None
        so.mn_model_hostile_mutate.argtypes = [C.c_int]
        so.mn_model_hostile_mutate.restype = None
        so.mn_model_set_result_hook.argtypes = [RESULT_HOOK, C.c_void_p]
        so.mn_model_set_result_hook.restype = None
        for fn in ("mn_model_op_name", "mn_model_field_name", "mn_model_violation_name",
                   "mn_model_coverage_name"):
            getattr(so, fn).argtypes = [C.c_int]
            getattr(so, fn).restype = C.c_char_p
        so.mn_model_variant.argtypes = []
        so.mn_model_variant.restype = C.c_char_p
        so.mn_model_frame_byte.argtypes = [C.c_uint32, C.c_uint32, C.c_uint8, C.c_uint32]
        so.mn_model_frame_byte.restype = C.c_uint8
        so.mn_model_promise_table.argtypes = [C.POINTER(CPromiseCand), C.c_uint32,
                                              C.POINTER(C.c_uint32), C.POINTER(C.c_uint8),
                                              C.c_uint32, C.POINTER(C.c_uint32)]
        so.mn_model_promise_table.restype = C.c_int
        so.mn_model_learn_promises.argtypes = [C.POINTER(CWorkload), C.c_uint32, C.c_uint64]
        so.mn_model_learn_promises.restype = C.c_int
        so.mn_model_arm_mutate.argtypes = [C.c_int]
        so.mn_model_arm_mutate.restype = None
        so._mn_typed = True  # type: ignore[attr-defined]  # a marker on the ctypes handle
    return so



CONSUMERS = {"c": CONSUMER_C, "none": CONSUMER_NONE, "external": CONSUMER_EXTERNAL}


def to_c(w: "Workload", promises: Sequence[tuple] = ()) -> CWorkload:
    """The C workload of `w` (model.h struct mn_model_workload); `promises` is the ARM promise
    table with region bytes as bytes (runtime.promise_table)."""
    c = CWorkload()
    c.proto, c.mm = PROTOS[w.protocol], MM[w.memory_model.lower()]
    c.nslots, c.slotsize = w.size, w.slotsize
    c.lock_retries, c.max_steps = w.lock_retries, w.max_steps
    if c.proto == LITMUS:
        c.nproducers, c.consumer = 0, CONSUMER_NONE
    else:
        if len(w.producers) > MAX_PRODUCERS:
            raise ValueError(f"at most {MAX_PRODUCERS} producers")
        c.nproducers = len(w.producers)
        for p, frames in enumerate(w.producers):
            if len(frames) > MAX_FRAMES:
                raise ValueError(f"at most {MAX_FRAMES} frames per producer")
            c.nframes[p] = len(frames)
            for k, (n, seed) in enumerate(frames):
                c.frame_len[p][k] = n
                c.frame_seed[p][k] = seed & 0xFF
        c.consumer = CONSUMER_NONE if w.hostile else CONSUMERS[w.consumer]
    c.consumer_waits, c.unplugger = int(w.waits), int(w.unplug)
    c.kill_actor = kill_actor(w)
    c.start_index = w.start_index
    c.reduce = int(w.reduce)
    c.batch, c.cons_batch = w.batch, w.cons_batch
    c.hostile = w.hostile
    if len(w.litmus) > MAX_ACTORS:
        raise ValueError(f"at most {MAX_ACTORS} litmus threads")
    c.nlitmus_actors = len(w.litmus)
    for a, prog in enumerate(w.litmus):
        if len(prog) > MAX_LITMUS:
            raise ValueError(f"at most {MAX_LITMUS} operations per litmus thread")
        c.nlitmus[a] = len(prog)
        for i, ins in enumerate(prog):
            op, off, order, value = ins[:4]
            size = ins[4] if len(ins) > 4 else 4
            # order | BLIND (a FETCH_ADD): the low byte is the order, flags bit 0 the BLIND
            c.litmus[a][i] = LitmusOp(op, order & 0xff, size, 1 if order & BLIND else 0, off,
                                      value)
    if len(w.litmus_final) > MAX_LITMUS:
        raise ValueError(f"at most {MAX_LITMUS} final locations")
    c.nlitmus_final = len(w.litmus_final)
    for i, off in enumerate(w.litmus_final):
        c.litmus_final_off[i] = off
    c.max_promises = w.max_promises
    if promises:
        if len(promises) > MAX_PROMISE_CANDS:
            raise ValueError(f"at most {MAX_PROMISE_CANDS} promise candidates")
        cands = (CPromiseCand * len(promises))()
        blob = bytearray()
        for pc, (actor, region, off, size, value) in zip(cands, promises):
            pc.actor, pc.region, pc.off, pc.size = actor, region, off, size
            if isinstance(value, (bytes, bytearray)):
                if len(value) != size:
                    raise ValueError("a promise's bytes must be `size` long")
                pc.bytes = 1
                pc.value = len(blob)
                blob += value
            else:
                pc.value = value
        cblob = (C.c_uint8 * max(1, len(blob))).from_buffer_copy(bytes(blob) or b"\0")
        c.npromise_cands = len(promises)
        c.promise_cands = C.cast(cands, C.POINTER(CPromiseCand))
        c.promise_blob = C.cast(cblob, C.POINTER(C.c_uint8))
        c._keep = (cands, cblob)   # the C struct points into them
    return c


def kill_actor(w: "Workload") -> int:
    """Actor numbering (model.h): producers first, then the consumer, unplugger, killer."""
    return {"none": -1, "consumer": len(w.producers), "producer0": 0}[w.kill]


def promise_table(so: C.CDLL) -> tuple:
    """The promise table the last ARM search of `so` ran with (what its counterexample replays
    with), region bytes as bytes."""
    n, blen = C.c_uint32(0), C.c_uint32(0)
    so.mn_model_promise_table(None, 0, C.byref(n), None, 0, C.byref(blen))
    cands = (CPromiseCand * max(1, n.value))()
    blob = (C.c_uint8 * max(1, blen.value))()
    if so.mn_model_promise_table(cands, n.value, C.byref(n), blob, blen.value, C.byref(blen)):
        raise RuntimeError("mn_model_promise_table: the table changed while reading it")
    out = []
    for pc in cands[:n.value]:
        v = bytes(blob[pc.value:pc.value + pc.size]) if pc.bytes else int(pc.value)
        out.append((pc.actor, pc.region, pc.off, pc.size, v))
    return tuple(out)


def coverage_names(bits: int) -> list[str]:
    return [n for i, n in enumerate(COVERAGE) if bits >> i & 1]


def coverage_mask(states: Sequence[str]) -> int:
    bits = 0
    for n in states:
        if n not in COVERAGE:
            raise ValueError(f"unknown coverage {n!r}; known: {', '.join(COVERAGE)}")
        bits |= 1 << COVERAGE.index(n)
    return bits


def frame_bytes(p: int, k: int, seed: int, length: int) -> bytes:
    """The reference contents of frame k of producer p (same function as the C runtime)."""
    so = lib()
    return bytes(so.mn_model_frame_byte(p, k, seed, j) for j in range(length))


ARM_MUTATIONS = {"newest": 1, "no-promise": 2, "no-acquire": 3, "no-wmb": 4,
                 "unchecked-fulfil": 5}


def arm_mutate(mutation: str | None, variant: str = "fixed") -> None:
    """Test-only: break the ARM model one way (ARM_MUTATIONS), None to restore it."""
    lib(variant).mn_model_arm_mutate(ARM_MUTATIONS[mutation] if mutation else 0)


def hostile_mutate(mutation: int, variant: str = "fixed") -> None:
    """Test-only: 1 makes the hostile runs' out-of-bounds region start at the last slot."""
    lib(variant).mn_model_hostile_mutate(mutation)


def dpor_mutate(mutation: int, variant: str = "fixed") -> None:
    """Test-only: 0 normal DPOR; 1 every pair of steps independent; 2 no backtracking; 3 no
    branching on rt_choose; 4 sleepers never woken; 5 source sets: a race's reversal keeps the
    events that happen after its first one; 6 a load independent of another actor's drain to it;
    7 a blind add (BLIND) independent of loads."""
    lib(variant).mn_model_dpor_mutate(mutation)


def idle_mode(mode: int, variant: str = "fixed") -> None:
    """Test-only: what the idle consumer waits on: 0 what its empty poll read (normal), 1 the
    whole ring and every end (the runtime before the read set), 2 never woken (a lost wakeup)."""
    lib(variant).mn_model_idle_mode(mode)


# The DPOR algorithms (rt.h enum rt_dpor_mode): source sets + sleep sets with the refined
# dependency (the default), Flanagan-Godefroid + sleep sets, plain Flanagan-Godefroid.
DPOR_MODES = {"source": 0, "sleep": 1, "fg05": 2}
DPOR_DEFAULT = "source"


def dpor_mode(mode: str, variant: str = "fixed") -> None:
    """Selects the DPOR algorithm of `variant`'s library (DPOR_MODES; the benchmark and the
    soundness tests compare them); ValueError for an unknown name."""
    if mode not in DPOR_MODES:
        raise ValueError(f"unknown DPOR mode {mode!r}: use one of {', '.join(DPOR_MODES)}")
    if lib(variant).mn_model_dpor_mode(DPOR_MODES[mode]):
        raise RuntimeError(f"mn_model_dpor_mode({DPOR_MODES[mode]}) failed")


_NAMES: dict[str, list[str]] = {}


def names() -> dict[str, list[str]]:
    """Op and field names from the C tables, read once."""
    if not _NAMES:
        so = lib()
        _NAMES["op"] = [so.mn_model_op_name(i).decode() for i in range(32)]
        _NAMES["field"] = [so.mn_model_field_name(i).decode() for i in range(32)]
    return _NAMES


def field_name(fld: int, index: int = 0) -> str:
    """'sr_avail', 'ss_len[1]', 'slot[0]', 'entry[0].users', ..."""
    return names()["field"][fld].replace("[]", f"[{index}]") if fld < 32 else "?"


def op_name(op: int) -> str:
    return names()["op"][op] if op < 32 else "?"
