"""ctypes bindings of the model runtime (c/model/model.h): one C call runs one whole interleaving.

    from pyharness import model
    w = model.Workload(proto=2, mm="tso", nslots=2, frames=[[60, 60]], consumer=1)
    r = model.run(w, [0, 1, 0, 2])          # choices: 0 = keep running, k = k-th other option
    r.violation, r.message, r.steps, r.coverage_names()
    s = model.explore(w, preemptions=2, max_executions=100000)
    s.exhausted, s.executions, s.counterexample

Variants: `VARIANTS` maps a name to (shared object, one-line description of its bug); the build
`build/model/libmnetif_model.so` is 'fixed', each zoo switch has `libmnetif_model_<variant>.so`.
The encoding of choices, the memory models, the actors and the oracles are documented at the top of
c/model/model.h; this module mirrors its structures field for field.
"""
from __future__ import annotations

import ctypes as C
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

from . import native

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

PROTO_2012, PROTO_V1, PROTO_V2 = 0, 1, 2
PROTOS = {"2012": PROTO_2012, "v1": PROTO_V1, "v2": PROTO_V2, "litmus": LITMUS}
MM = {"sc": 0, "tso": 1, "pso": 2, "arm": 3}
MM_NAMES = {v: k for k, v in MM.items()}
CONSUMER_NONE, CONSUMER_C, CONSUMER_EXTERNAL = 0, 1, 2

# enum mn_order (= rt's enum rt_order); a fence step's order is its kind (rt.h enum rt_fence)
PLAIN, RELAXED, ACQUIRE, RELEASE, SEQ_CST, ACQ_REL = 0, 1, 2, 3, 4, 5
FENCE_ACQUIRE, FENCE_RELEASE, FENCE_FULL, FENCE_WMB, FENCE_RMB = 2, 3, 4, 5, 6
ORDER_NAMES = ["plain", "relaxed", "acquire", "release", "seq_cst", "wmb", "rmb"]
FENCE_NAMES = {FENCE_ACQUIRE: "acquire", FENCE_RELEASE: "release", FENCE_FULL: "full",
               FENCE_WMB: "wmb", FENCE_RMB: "rmb"}
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
    _fields_ = [("op", C.c_uint8), ("order", C.c_uint8), ("size", C.c_uint8), ("pad", C.c_uint8),
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

_FIELD_NAMES: list[str] = []
_OP_NAMES: dict[int, str] = {}


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
        so.mn_model_dpor_mutate.argtypes = [C.c_int]
        so.mn_model_dpor_mutate.restype = None
        so.mn_model_dpor_sleep.argtypes = [C.c_int]
        so.mn_model_dpor_sleep.restype = None
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
        so._mn_typed = True
    return so


def field_name(fld: int, index: int = 0) -> str:
    """'sr_avail', 'ss_len[1]', 'slot[0]', 'entry[0].users', ..."""
    return _names()["field"][fld].replace("[]", f"[{index}]")


def op_name(op: int) -> str:
    return _names()["op"][op]


# ---- Python-side views ---------------------------------------------------------------------------
@dataclass
class Workload:
    """One execution's workload. frames[p] = list of frame lengths of producer p (1..3 producers);
    seeds[p][k] = the seed of frame k's bytes (default: k). litmus[a] = list of
    (op, off, order, value, size) tuples for proto='litmus' (a FENCE's order is its kind:
    FENCE_ACQUIRE/RELEASE/FULL/WMB/RMB; PLAIN/RELAXED mean FULL). reduce: the reduced choice
    encoding (fewer decision points, same behaviours; a replay must use the same setting)."""
    proto: int | str = PROTO_V2
    mm: int | str = "sc"
    nslots: int = 2
    slotsize: int = 64
    frames: Sequence[Sequence[int]] = ((60, 60),)
    seeds: Optional[Sequence[Sequence[int]]] = None
    consumer: int = CONSUMER_C
    consumer_waits: bool = False
    unplugger: bool = False
    kill_actor: int = -1
    start_index: int = 0
    lock_retries: int = 0
    max_steps: int = 0
    litmus: Sequence[Sequence[tuple]] = ()
    reduce: bool = False      # decide only before operations another actor can observe (model.h)
    batch: int = 0            # producers: 0/1 per frame; B >= 2 netif_ether_input_batch of <= B frames
    cons_batch: int = 0       # C consumer: 0/1 peek/release; C >= 2 peek_n(C) + release_n
    litmus_final: Sequence[int] = ()   # litmus: offsets of 4-byte words reported at the end
    # ARM: promises a load may read (load buffering): at most max_promises per execution, from
    # `promises` = ((actor, region, off, size, value: int | bytes), ...) (see model.h).
    max_promises: int = 2
    promises: Sequence[tuple] = ()
    hostile: int = 0          # H > 0: a hostile peer makes H stores into the consumer's fields
                              # (consumer must be CONSUMER_NONE; model.h "hostile")

    def to_c(self) -> CWorkload:
        w = CWorkload()
        w.proto = PROTOS[self.proto] if isinstance(self.proto, str) else int(self.proto)
        w.mm = MM[self.mm] if isinstance(self.mm, str) else int(self.mm)
        w.nslots, w.slotsize = self.nslots, self.slotsize
        w.lock_retries, w.max_steps = self.lock_retries, self.max_steps
        if w.proto == LITMUS:
            w.nproducers = 0
            w.consumer = CONSUMER_NONE
        else:
            if len(self.frames) > MAX_PRODUCERS:
                raise ValueError(f"at most {MAX_PRODUCERS} producers")
            w.nproducers = len(self.frames)
            for p, lens in enumerate(self.frames):
                if len(lens) > MAX_FRAMES:
                    raise ValueError(f"at most {MAX_FRAMES} frames per producer")
                w.nframes[p] = len(lens)
                for k, n in enumerate(lens):
                    w.frame_len[p][k] = n
                    w.frame_seed[p][k] = (self.seeds[p][k] if self.seeds else k) & 0xFF
            w.consumer = self.consumer
        w.consumer_waits = int(self.consumer_waits)
        w.unplugger = int(self.unplugger)
        w.kill_actor = self.kill_actor
        w.start_index = self.start_index
        w.reduce = int(self.reduce)
        w.batch, w.cons_batch = self.batch, self.cons_batch
        w.hostile = self.hostile
        w.nlitmus_actors = len(self.litmus)
        for a, prog in enumerate(self.litmus):
            w.nlitmus[a] = len(prog)
            for i, ins in enumerate(prog):
                op, off, order, value = ins[:4]
                size = ins[4] if len(ins) > 4 else 4
                w.litmus[a][i] = LitmusOp(op, order, size, 0, off, value)
        if len(self.litmus_final) > MAX_LITMUS:
            raise ValueError(f"at most {MAX_LITMUS} final locations")
        w.nlitmus_final = len(self.litmus_final)
        for i, off in enumerate(self.litmus_final):
            w.litmus_final_off[i] = off
        w.max_promises = self.max_promises
        if self.promises:
            if len(self.promises) > MAX_PROMISE_CANDS:
                raise ValueError(f"at most {MAX_PROMISE_CANDS} promise candidates")
            cands = (CPromiseCand * len(self.promises))()
            blob = bytearray()
            for c, (actor, region, off, size, value) in zip(cands, self.promises):
                c.actor, c.region, c.off, c.size = actor, region, off, size
                if isinstance(value, (bytes, bytearray)):
                    if len(value) != size:
                        raise ValueError("a promise's bytes must be `size` long")
                    c.bytes = 1
                    c.value = len(blob)
                    blob += value
                else:
                    c.value = value
            cblob = (C.c_uint8 * max(1, len(blob))).from_buffer_copy(bytes(blob) or b"\0")
            w.npromise_cands = len(self.promises)
            w.promise_cands = C.cast(cands, C.POINTER(CPromiseCand))
            w.promise_blob = C.cast(cblob, C.POINTER(C.c_uint8))
            w._keep = (cands, cblob)   # the C struct points into them
        return w


@dataclass
class Step:
    index: int
    actor: int
    op: str
    order: str
    field: str
    value: int
    size: int
    buffered: bool
    cur: int
    avail: int
    lock: int
    decision: int
    rf: int = -1        # ARM loads: the step that wrote the value read (-1: initial contents)

    def row(self) -> str:
        buf = " (buffered)" if self.buffered else ""
        return (f"{self.index:4d}  a{self.actor}  {self.op:<10} {self.field:<16} {self.order:<8} "
                f"{self.value:#x}{buf}  | cur={self.cur} avail={self.avail} lock={self.lock}")


@dataclass
class Result:
    violation: str
    violation_code: int
    violation_step: int
    message: str
    steps: list[Step]
    nsteps: int
    ndecisions: int
    nchoices_used: int
    coverage: int
    actor_kinds: list[str]
    actor_states: list[str]
    delivered: list[tuple[int, int, int, bool]]      # (producer, frame, len, released)
    push_results: list[list[int]]
    counters: dict
    still_in_ring: int
    notify_pending: int
    final: dict
    unplug_result: int
    litmus_regs: list[list[int]]
    choices_taken: list[int] = field(default_factory=list)
    litmus_final: list[int] = field(default_factory=list)
    pruned: bool = False      # ARM: a promise was left unfulfilled: not an execution

    @property
    def ok(self) -> bool:
        return self.violation_code == 0

    def covered(self, name: str) -> bool:
        return bool(self.coverage >> COVERAGE.index(name) & 1)

    def coverage_names(self) -> list[str]:
        return coverage_names(self.coverage)

    def table(self) -> str:
        return "\n".join(s.row() for s in self.steps)


def coverage_names(bits: int) -> list[str]:
    return [n for i, n in enumerate(COVERAGE) if bits >> i & 1]


@dataclass
class ExploreStats:
    executions: int
    violations: int
    exhausted: bool
    max_decisions: int
    max_steps: int
    seconds: float
    coverage: int
    first_violation: str
    message: str
    counterexample: list[int]
    pruned: int = 0           # ARM: executions pruned (a promise left unfulfilled)
    rounds: int = 1           # ARM: searches until the promise table stopped growing
    promises: tuple = ()      # ARM: that table (Workload.promises for a replay of the cex)

    @property
    def executions_per_second(self) -> float:
        return self.executions / self.seconds if self.seconds > 0 else float("inf")

    def coverage_names(self) -> list[str]:
        return coverage_names(self.coverage)


_NAMES: dict[str, list[str]] = {}


def _names() -> dict[str, list[str]]:
    """Op and field names from the C tables, read once."""
    if not _NAMES:
        so = lib()
        _NAMES["op"] = [so.mn_model_op_name(i).decode() for i in range(32)]
        _NAMES["field"] = [so.mn_model_field_name(i).decode() for i in range(32)]
    return _NAMES


def _steps(trace, n: int) -> list[Step]:
    names = _names()
    ops, fields = names["op"], names["field"]
    out = []
    for i in range(n):
        t = trace[i]
        name = fields[t.field] if t.field < 32 else "?"
        if "[]" in name:
            name = name.replace("[]", f"[{t.index}]")
        op = ops[t.op] if t.op < 32 else "?"
        # a fence's "order" is its kind (rt.h enum rt_fence)
        order = (FENCE_NAMES.get(t.order, str(t.order)) if op == "fence" else
                 "acq_rel" if t.order == ACQ_REL else
                 ORDER_NAMES[t.order] if t.order < len(ORDER_NAMES) else str(t.order))
        out.append(Step(i, t.actor, op, order,
                        name, t.value, t.size, bool(t.buffered), t.cur, t.avail, t.lock,
                        -1 if t.decision == 0xFFFFFFFF else t.decision, t.rf))
    return out


_TRACES: dict[int, C.Array] = {}


def _trace_buffer(cap: int):
    """One reusable trace array per capacity (the steps are copied out before the next run)."""
    buf = _TRACES.get(cap)
    if buf is None:
        buf = _TRACES[cap] = (CStep * max(1, cap))()
    return buf


def _result(r: CResult, trace, cap: int, nprod: int, nframes: Sequence[int]) -> Result:
    c = r.counters
    return Result(
        violation=VIOLATIONS[r.violation] if 0 <= r.violation < len(VIOLATIONS) else str(r.violation),
        violation_code=r.violation, violation_step=r.violation_step,
        message=r.message.decode(errors="replace"),
        steps=_steps(trace, min(r.nsteps, cap)), nsteps=r.nsteps, ndecisions=r.ndecisions,
        nchoices_used=r.nchoices_used, coverage=r.coverage,
        actor_kinds=[ACTOR_KINDS[r.actor_kind[i]] for i in range(r.nactors)],
        actor_states=[ACTOR_STATES[r.actor_state[i]] for i in range(r.nactors)],
        delivered=[(d.producer, d.frame, d.len, bool(d.released))
                   for d in r.delivered[:r.ndelivered]],
        push_results=[[r.push_result[p][k] for k in range(nframes[p])] for p in range(nprod)],
        counters=dict(frames=c.frames, bytes=c.bytes, drop_full=c.drop_full,
                      drop_oversize=c.drop_oversize, drop_busy=c.drop_busy,
                      drop_error=c.drop_error, notify=c.notify, error=c.error),
        still_in_ring=r.still_in_ring, notify_pending=r.notify_pending,
        final=dict(cur=r.final_cur, avail=r.final_avail, lock=r.final_lock),
        unplug_result=r.unplug_result,
        litmus_regs=[list(r.litmus_regs[a]) for a in range(r.nactors)],
        litmus_final=list(r.litmus_final), pruned=bool(r.pruned),
    )


def run(workload: Workload, choices: Sequence[int] = (), variant: str = "fixed",
        trace_cap: int = 4096) -> Result:
    """Run one execution of `workload` under `choices` (see model.h for the encoding)."""
    so = lib(variant)
    w = workload.to_c()
    arr = (C.c_uint32 * max(1, len(choices)))(*choices)
    res = CResult()
    trace = _trace_buffer(trace_cap)
    so.mn_model_run(C.byref(w), arr, len(choices), C.byref(res), trace, trace_cap)
    out = _result(res, trace, trace_cap, w.nproducers, list(w.nframes))
    out.choices_taken = list(choices[:res.nchoices_used])
    return out


Chooser = Callable[[int, int, list[COption]], int]


def run_chooser(workload: Workload, chooser: Chooser, variant: str = "fixed",
                trace_cap: int = 4096, taken_cap: int = 65536) -> Result:
    """Run one execution where chooser(decision, step, options) picks each option index (PCT,
    random walks). result.choices_taken replays it with run()."""
    so = lib(variant)
    w = workload.to_c()
    res = CResult()
    trace = (CStep * max(1, trace_cap))()   # not shared: the chooser may call run() itself
    taken = (C.c_uint32 * taken_cap)()
    ntaken = C.c_uint32(0)
    err: list[BaseException] = []

    def cb(_arg, decision, step, nopt, opts):
        try:
            return int(chooser(decision, step, [opts[i] for i in range(nopt)])) & 0xFFFFFFFF
        except BaseException as e:  # an exception cannot cross the C frames: re-raised below
            err.append(e)
            return 0

    so.mn_model_run_chooser(C.byref(w), CHOOSER(cb), None, C.byref(res), trace, trace_cap,
                            taken, taken_cap, C.byref(ntaken))
    if err:
        raise err[0]
    out = _result(res, trace, trace_cap, w.nproducers, list(w.nframes))
    out.choices_taken = list(taken[:ntaken.value])
    return out


def explore(workload: Workload, preemptions: int = 2, max_executions: int = 0,
            variant: str = "fixed", stop_on_violation: bool = True,
            cex_cap: int = 65536) -> ExploreStats:
    """Exhaustive DFS over schedules with <= `preemptions` non-zero choices (0 = no limit on
    executions). exhausted=True with violations=0 is a proof within the bounds."""
    so = lib(variant)
    w = workload.to_c()
    st = CExploreStats()
    cex = (C.c_uint32 * cex_cap)()
    n = C.c_uint32(0)
    so.mn_model_explore(C.byref(w), preemptions, max_executions, int(stop_on_violation),
                        C.byref(st), cex, cex_cap, C.byref(n))
    return _stats(st, cex, n.value, so if w.mm == MM["arm"] else None)


def learn_promises(workload: Workload, preemptions: int = 1, max_executions: int = 500,
                   variant: str = "fixed") -> tuple:
    """ARM: the promise table for single runs of `workload` (Hypothesis, PCT, replay): every
    (actor, location, value) its executions within the bounds store where another actor accesses
    the location. Deterministic: the same workload gives the same table."""
    so = lib(variant)
    w = workload.to_c()
    if so.mn_model_learn_promises(C.byref(w), preemptions, max_executions):
        raise ValueError("learn_promises: the workload is not an ARM workload")
    return _promise_table(so)


def _promise_table(so) -> tuple:
    """The promise table the last ARM search ran with (what its counterexample replays with)."""
    n, blen = C.c_uint32(0), C.c_uint32(0)
    so.mn_model_promise_table(None, 0, C.byref(n), None, 0, C.byref(blen))
    cands = (CPromiseCand * max(1, n.value))()
    blob = (C.c_uint8 * max(1, blen.value))()
    if so.mn_model_promise_table(cands, n.value, C.byref(n), blob, blen.value, C.byref(blen)):
        raise RuntimeError("mn_model_promise_table: the table changed while reading it")
    out = []
    for c in cands[:n.value]:
        v = bytes(blob[c.value:c.value + c.size]) if c.bytes else int(c.value)
        out.append((c.actor, c.region, c.off, c.size, v))
    return tuple(out)


def _stats(st: CExploreStats, cex, n: int, arm_so=None) -> ExploreStats:
    fv = st.first_violation
    return ExploreStats(
        executions=st.executions, violations=st.violations, exhausted=bool(st.exhausted),
        max_decisions=st.max_decisions, max_steps=st.max_steps, seconds=st.elapsed_ns / 1e9,
        coverage=st.coverage,
        first_violation=VIOLATIONS[fv] if 0 <= fv < len(VIOLATIONS) else str(fv),
        message=st.message.decode(errors="replace"), counterexample=list(cex[:n]),
        pruned=st.pruned, rounds=st.rounds or 1,
        promises=_promise_table(arm_so) if arm_so is not None else ())


def dpor(workload: Workload, max_executions: int = 0, variant: str = "fixed",
         stop_on_violation: bool = True, cex_cap: int = 65536) -> ExploreStats:
    """DPOR (dpor.c): every interleaving up to reordering of independent steps, no preemption
    bound. exhausted=True with violations=0 is a proof for all interleavings. Needs reduce=False."""
    return dpor_sub(workload, (), max_executions, variant, stop_on_violation, cex_cap)


def _search(workload: Workload, variant: str, prefix: Sequence[int], cex_cap: int):
    """What a search call takes: the library, the C workload, stats, counterexample buffer and
    length, and the prefix as a C array."""
    return (lib(variant), workload.to_c(), CExploreStats(), (C.c_uint32 * cex_cap)(),
            C.c_uint32(0), (C.c_uint32 * max(len(prefix), 1))(*prefix))


def explore_sub(workload: Workload, preemptions: int, prefix: Sequence[int] = (), depth: int = 0,
                max_executions: int = 0, variant: str = "fixed", stop_on_violation: bool = True,
                lists_cap: int = 0, cex_cap: int = 65536) -> tuple[ExploreStats, list]:
    """A part of explore()'s DFS (mn_model_explore_sub): the lists extending `prefix`, varying
    positions < depth only (0: any). With lists_cap > 0, also each execution's first
    min(decisions, depth) choices (the subtrees, when depth > 0 and no prefix). Not ARM."""
    so, w, st, cex, n, pre = _search(workload, variant, prefix, cex_cap)
    lists = (C.c_uint32 * max(lists_cap, 1))()
    nl = C.c_uint32(0)
    err = so.mn_model_explore_sub(C.byref(w), preemptions, max_executions,
                                  int(stop_on_violation), pre, len(prefix), depth,
                                  lists if lists_cap else None, lists_cap, C.byref(nl),
                                  C.byref(st), cex, cex_cap, C.byref(n))
    if err == -28:   # -ENOSPC
        raise OverflowError(f"more subtrees than lists_cap={lists_cap} words hold: lower the depth")
    out, i = [], 0
    while i < nl.value:
        k = lists[i]
        out.append(tuple(lists[i + 1:i + 1 + k]))
        i += 1 + k
    return _stats(st, cex, n.value), out


def dpor_sub(workload: Workload, prefix: Sequence[int], max_executions: int = 0,
             variant: str = "fixed", stop_on_violation: bool = True,
             cex_cap: int = 65536) -> ExploreStats:
    """DPOR from the state `prefix` reaches (mn_model_dpor_sub); its decisions are never
    backtracked."""
    so, w, st, cex, n, pre = _search(workload, variant, prefix, cex_cap)
    so.mn_model_dpor_sub(C.byref(w), max_executions, int(stop_on_violation), pre, len(prefix),
                         C.byref(st), cex, cex_cap, C.byref(n))
    return _stats(st, cex, n.value)


def each_result(search: Callable[[], ExploreStats], on_result: Callable[[CResult], None],
                variant: str = "fixed") -> ExploreStats:
    """Runs search() (explore / find / dpor on `variant`) with on_result(raw CResult) called after
    every execution (the C result hook; tests collect outcome sets with it)."""
    so = lib(variant)
    err: list[BaseException] = []

    def cb(_arg, r):
        try:
            on_result(r.contents)
        except BaseException as e:  # cannot cross the C frames: re-raised below
            err.append(e)

    hook = RESULT_HOOK(cb)
    so.mn_model_set_result_hook(hook, None)
    try:
        out = search()
    finally:
        so.mn_model_set_result_hook(RESULT_HOOK(), None)
    if err:
        raise err[0]
    return out


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
    branching on rt_choose; 4 sleepers never woken."""
    lib(variant).mn_model_dpor_mutate(mutation)


def dpor_sleep(on: bool, variant: str = "fixed") -> None:
    """DPOR with sleep sets (the default) or without them (the plain FG05 algorithm, which the
    benchmark compares against)."""
    lib(variant).mn_model_dpor_sleep(int(on))


def coverage_mask(names: Sequence[str]) -> int:
    bits = 0
    for n in names:
        if n not in COVERAGE:
            raise ValueError(f"unknown coverage {n!r}; known: {', '.join(COVERAGE)}")
        bits |= 1 << COVERAGE.index(n)
    return bits


def find(workload: Workload, coverage: Sequence[str], preemptions: int = 2,
         max_executions: int = 0, variant: str = "fixed",
         cap: int = 65536) -> tuple[Optional[list[int]], ExploreStats]:
    """DFS for the first schedule whose execution reaches every state in `coverage` (names from
    COVERAGE). Returns (choices or None, stats); stats.exhausted with None means unreachable within
    the bounds."""
    so = lib(variant)
    w = workload.to_c()
    st = CExploreStats()
    out = (C.c_uint32 * cap)()
    n = C.c_uint32(0)
    rc = so.mn_model_find(C.byref(w), preemptions, max_executions, coverage_mask(coverage),
                          C.byref(st), out, cap, C.byref(n))
    if rc < 0:
        raise ValueError(f"mn_model_find: {st.message.decode(errors='replace')}")
    stats = _stats(st, out, n.value, so if w.mm == MM["arm"] else None)
    return (list(out[:n.value]) if rc == 0 else None), stats


def frame_bytes(p: int, k: int, seed: int, length: int) -> bytes:
    """The reference contents of frame k of producer p (same function as the C runtime)."""
    so = lib()
    return bytes(so.mn_model_frame_byte(p, k, seed, j) for j in range(length))
