"""Running the model runtime: one execution (run, run_chooser), and the searches (explore, dpor,
find), on a workload.Workload / Case. Every engine (Hypothesis, PCT, exhaustive, DPOR, litmus, the
OCaml consumer, the CLI) goes through these functions; model.py is only their ctypes binding.

    from pyharness import runtime
    from pyharness.workload import Case, Workload, frames
    w = Workload(protocol="v2", memory_model="TSO", producers=frames([60, 60]))
    ex = runtime.run(Case(w, (0, 1, 0, 2)))   # choices: 0 = keep running, k = k-th other option
    ex.violation, ex.steps, ex.coverage, ex.delivered
    e = runtime.explore(w, bound=2)           # e.proof: exhaustive within 2 preemptions, no violation
"""
from __future__ import annotations

import ctypes as C
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence, TypeVar

from . import model
from .chooser import c_chooser
from .workload import Case, Workload

R = TypeVar("R")      # what a search passed to each_result returns


@dataclass(frozen=True)
class Step:
    index: int
    actor: str          # "P0", "P1", "P2", "C", "U", "K", "L0".. (litmus threads)
    op: str             # load / store / fence / tas / fetch_add / copy_in / copy_out / spin / notify / drain / kill
    field: str          # header field name, "len[i]", "slot[i]", registry field, ...
    order: str          # plain / relaxed / acquire / release / seq_cst / ""
    value: int | None
    header: dict        # header after the step (committed memory)
    rf: int = -1        # ARM loads: the step that wrote the value read (its store, drain or
                        # promise); -1 the initial contents, the actor's own buffer, or not ARM
    buffered: bool = False   # TSO/PSO/ARM: the store went to the actor's store buffer
    size: int = 0            # bytes accessed
    decision: int = -1       # the decision point taken before this step, -1 none


@dataclass(frozen=True)
class Violation:
    prop: str           # the property's name, e.g. "frame-lost" (model.VIOLATIONS)
    step: int           # index of the step after which it was detected, -1 = at the end
    message: str = ""


@dataclass
class Execution:
    case: Case
    steps: list[Step]
    violation: Violation | None
    coverage: frozenset[str] = frozenset()   # abstract states reached: wrap, full, contended, killed, ...
    final: dict = field(default_factory=dict)   # what the failure report prints after the table
    decisions: int = 0                       # decision points met (a schedule longer is ignored)
    nsteps: int = 0                          # steps run (len(steps) unless run without a trace)
    choices_used: int = 0                    # leading entries of case.choices the run consumed
    # the runtime's outcome record (model.h struct mn_model_result)
    actor_kinds: list[str] = field(default_factory=list)
    actor_states: list[str] = field(default_factory=list)
    delivered: list[tuple[int, int, int, bool]] = field(default_factory=list)  # (producer, frame, len, released)
    push_results: list[list[int]] = field(default_factory=list)
    counters: dict = field(default_factory=dict)
    header: dict = field(default_factory=dict)          # final cur, avail, lock
    still_in_ring: int = 0
    notify_pending: int = 0
    unplug_result: int = 0
    litmus_regs: list[list[int]] = field(default_factory=list)
    litmus_final: list[int] = field(default_factory=list)
    pruned: bool = False      # ARM: a promise was left unfulfilled: not an execution

    @property
    def failed(self) -> bool:
        return self.violation is not None

    @property
    def ok(self) -> bool:
        return self.violation is None

    @property
    def message(self) -> str:
        return self.violation.message if self.violation else ""


# Steps that are runtime events, not memory operations: they have no memory order.
SCHEDULER_EVENTS = frozenset({"deliver", "idle", "sleep", "kill", "notify", "promise"})


class SetupError(ValueError):
    """The runtime rejected a workload (MN_VIO_SETUP): a harness bug, not a finding."""


def actor_names(kinds: list[str]) -> list[str]:
    names, p, t = [], 0, 0
    for k in kinds:
        if k == "producer":
            names.append(f"P{p}")
            p += 1
        elif k == "litmus":
            names.append(f"L{t}")
            t += 1
        else:
            names.append({"consumer": "C", "unplugger": "U", "killer": "K", "hostile": "H"}
                         .get(k, k[:1].upper()))
    return names


# ---- ARM promise tables: the model's form <-> the token's (frames by reference) ------------------
def _frame_ref(w: Workload, value):
    if not isinstance(value, (bytes, bytearray)):
        return value
    for p, frames in enumerate(w.producers):
        for k, (n, seed) in enumerate(frames):
            if n == len(value) and model.frame_bytes(p, k, seed, n) == value:
                return ("f", p, k)
    return value.hex()


def _frame_bytes(w: Workload, value):
    if isinstance(value, int):
        return value
    if isinstance(value, (tuple, list)) and value[:1] in (("f",), ["f"]):
        _, p, k = value
        n, seed = w.producers[p][k]
        return model.frame_bytes(p, k, seed, n)
    return bytes.fromhex(value)


def encode_promises(w: Workload, table: tuple) -> tuple:
    """A model promise table as Workload.promises (frames by reference: short tokens)."""
    return tuple(tuple(c[:4]) + (_frame_ref(w, c[4]),) for c in table)


_LEARNT: dict = {}


def learn_promises(w: Workload, preemptions: int = 1, max_executions: int = 500) -> tuple:
    """ARM: the promise table for single runs of `w` (Hypothesis, PCT, replay): every (actor,
    location, value) its executions within the bounds store where another actor accesses the
    location. Deterministic: the same workload gives the same table."""
    so = model.lib(w.variant)
    if so.mn_model_learn_promises(C.byref(model.to_c(w)), preemptions, max_executions):
        raise ValueError("learn_promises: the workload is not an ARM workload")
    return model.promise_table(so)


def promise_table(w: Workload) -> tuple:
    """The model's promise table for w: w.promises when given, else learnt (cached; one bounded
    search of the workload, deterministic, so a token without a table replays the same)."""
    if w.memory_model != "ARM" or w.protocol == "litmus":
        return ()   # (a litmus search learns its own table, in rounds)
    if w.promises:
        return tuple(tuple(c[:4]) + (_frame_bytes(w, c[4]),) for c in w.promises)
    key = w.with_(promises=())
    t = _LEARNT.get(key)
    if t is None:
        t = _LEARNT[key] = learn_promises(key)
    return t


def to_c(w: Workload) -> model.CWorkload:
    return model.to_c(w, promise_table(w))


# ---- one execution ------------------------------------------------------------------------------
def _steps(trace, n: int, names: list[str]) -> list[Step]:
    out = []
    for i in range(n):
        t = trace[i]
        op = model.op_name(t.op)
        # a fence's "order" is its kind (rt.h enum rt_fence)
        order = ("" if op in SCHEDULER_EVENTS else
                 model.FENCE_NAMES.get(t.order, str(t.order)) if op == "fence" else
                 "acq_rel" if t.order == model.ACQ_REL else
                 model.ORDER_NAMES[t.order] if t.order < len(model.ORDER_NAMES) else str(t.order))
        out.append(Step(i, names[t.actor] if t.actor < len(names) else f"a{t.actor}", op,
                        model.field_name(t.field, t.index), order, t.value,
                        {"cur": t.cur, "avail": t.avail, "lock": t.lock}, t.rf,
                        bool(t.buffered), t.size, -1 if t.decision == 0xFFFFFFFF else t.decision))
    return out


_TRACES: dict[int, C.Array] = {}


def _trace_buffer(cap: int):
    """One reusable trace array per capacity (the steps are copied out before the next run)."""
    buf = _TRACES.get(cap)
    if buf is None:
        buf = _TRACES[cap] = (model.CStep * max(1, cap))()
    return buf


def _execution(case: Case, r: model.CResult, trace, cap: int) -> Execution:
    v = model.VIOLATIONS[r.violation] if 0 <= r.violation < len(model.VIOLATIONS) else str(r.violation)
    msg = r.message.decode(errors="replace")
    if v == "setup":
        raise SetupError(f"{case.workload.label()}: {msg}")
    kinds = [model.ACTOR_KINDS[r.actor_kind[i]] for i in range(r.nactors)]
    states = [model.ACTOR_STATES[r.actor_state[i]] for i in range(r.nactors)]
    names = actor_names(kinds)
    c = r.counters
    counters = dict(frames=c.frames, bytes=c.bytes, drop_full=c.drop_full,
                    drop_oversize=c.drop_oversize, drop_busy=c.drop_busy,
                    drop_error=c.drop_error, notify=c.notify, error=c.error)
    delivered = [(d.producer, d.frame, d.len, bool(d.released)) for d in r.delivered[:r.ndelivered]]
    header = dict(cur=r.final_cur, avail=r.final_avail, lock=r.final_lock)
    final = dict(header, delivered=sum(1 for d in delivered if d[3]), in_ring=r.still_in_ring,
                 **{k: n for k, n in counters.items() if n})
    final["actors"] = " ".join(f"{n}:{st}" for n, st in zip(names, states))
    w = case.workload
    return Execution(
        case, _steps(trace, min(r.nsteps, cap), names),
        None if r.violation == 0 else Violation(v, r.violation_step, msg),
        frozenset(model.coverage_names(r.coverage)), final, r.ndecisions, r.nsteps,
        r.nchoices_used, kinds, states, delivered,
        [[r.push_result[p][k] for k in range(len(frames))] for p, frames in
         enumerate(w.producers if w.protocol != "litmus" else ())],
        counters, header, r.still_in_ring, r.notify_pending, r.unplug_result,
        [list(r.litmus_regs[a]) for a in range(r.nactors)], list(r.litmus_final), bool(r.pruned))


def run(case: Case, trace: bool = True) -> Execution:
    """Runs one execution of case on the model build of its variant (trace=False: no step
    table, for searches; rerun with the trace to show a counterexample)."""
    w = case.workload
    so = model.lib(w.variant)
    cw = to_c(w)
    arr = (C.c_uint32 * max(1, len(case.choices)))(*case.choices)
    res = model.CResult()
    cap = 4096 if trace else 0
    buf = _trace_buffer(cap)
    so.mn_model_run(C.byref(cw), arr, len(case.choices), C.byref(res), buf, cap)
    return _execution(case, res, buf, cap)


Chooser = Callable[[int, int, list], int]


def run_chooser(w: Workload, chooser: Chooser, trace: bool = True,
                taken_cap: int = 65536) -> Execution:
    """One execution where chooser(decision, step, options: list[model.COption]) picks each
    option index (PCT, random walks); the Case returned carries the choices taken, so it replays
    with run()."""
    so = model.lib(w.variant)
    cw = to_c(w)
    res = model.CResult()
    cap = 4096 if trace else 0
    buf = (model.CStep * max(1, cap))()   # not shared: the chooser may call run() itself
    taken = (C.c_uint32 * taken_cap)()
    ntaken = C.c_uint32(0)
    cb, err = c_chooser(chooser, model.CHOOSER)
    so.mn_model_run_chooser(C.byref(cw), cb, None, C.byref(res), buf, cap,
                            taken, taken_cap, C.byref(ntaken))
    if err:
        raise err[0]
    return _execution(Case(w, tuple(taken[:ntaken.value])), res, buf, cap)


# ---- searches -------------------------------------------------------------------------------------
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
        return model.coverage_names(self.coverage)


@dataclass
class Exploration:
    workload: Workload
    bound: int                     # preemption bound; -1: DPOR (none)
    stats: ExploreStats
    counterexample: Execution | None

    @property
    def proof(self) -> bool:
        return self.stats.exhausted and self.stats.violations == 0


def _stats(w: Workload, st: model.CExploreStats, cex, n: int, so=None) -> ExploreStats:
    fv = st.first_violation
    out = ExploreStats(
        executions=st.executions, violations=st.violations, exhausted=bool(st.exhausted),
        max_decisions=st.max_decisions, max_steps=st.max_steps, seconds=st.elapsed_ns / 1e9,
        coverage=st.coverage,
        first_violation=model.VIOLATIONS[fv] if 0 <= fv < len(model.VIOLATIONS) else str(fv),
        message=st.message.decode(errors="replace"), counterexample=list(cex[:n]),
        pruned=st.pruned, rounds=st.rounds or 1,
        promises=model.promise_table(so) if so is not None else ())
    if out.first_violation == "setup":
        raise SetupError(f"{w.label()}: {out.message}")
    return out


def _exploration(w: Workload, bound: int, st: ExploreStats) -> Exploration:
    cw = w
    if w.memory_model == "ARM" and st.violations:
        # the search learnt its own table (rounds): the counterexample replays with exactly it
        cw = w.with_(promises=encode_promises(w, st.promises))
    cex = run(Case(cw, tuple(st.counterexample))) if st.violations else None
    return Exploration(w, bound, st, cex)


def explore(w: Workload, bound: int, max_executions: int = 0, stop: bool = True,
            cex_cap: int = 65536) -> Exploration:
    """Exhaustive DFS (in C) over every schedule with <= bound preemptions (0 max_executions: no
    limit). proof: exhausted with no violation, within the bound."""
    so = model.lib(w.variant)
    st = model.CExploreStats()
    cex = (C.c_uint32 * cex_cap)()
    n = C.c_uint32(0)
    so.mn_model_explore(C.byref(to_c(w)), bound, max_executions, int(stop), C.byref(st), cex,
                        cex_cap, C.byref(n))
    return _exploration(w, bound, _stats(w, st, cex, n.value,
                                         so if w.memory_model == "ARM" else None))


def dpor(w: Workload, max_executions: int = 0, stop: bool = True,
         cex_cap: int = 65536) -> Exploration:
    """DPOR (dpor.c): every interleaving up to reordering of independent steps, NO preemption
    bound (Exploration.bound = -1). DPOR needs the unreduced encoding: the workload is run with
    reduce=False, and the counterexample's Case carries that workload, so its token replays."""
    w = w.with_(reduce=False)
    so = model.lib(w.variant)
    st = model.CExploreStats()
    cex = (C.c_uint32 * cex_cap)()
    n = C.c_uint32(0)
    so.mn_model_dpor(C.byref(to_c(w)), max_executions, int(stop), C.byref(st), cex, cex_cap,
                     C.byref(n))
    return _exploration(w, -1, _stats(w, st, cex, n.value))


def _prefix(prefix: Sequence[int]):
    return (C.c_uint32 * max(len(prefix), 1))(*prefix)


def explore_sub(w: Workload, bound: int, prefix: Sequence[int] = (), depth: int = 0,
                max_executions: int = 0, stop: bool = True, lists_cap: int = 0,
                cex_cap: int = 65536) -> tuple[ExploreStats, list]:
    """A part of explore()'s DFS (mn_model_explore_sub): the lists extending `prefix`, varying
    positions < depth only (0: any). With lists_cap > 0, also each execution's first
    min(decisions, depth) choices (the subtrees, when depth > 0 and no prefix). Not ARM."""
    so = model.lib(w.variant)
    st = model.CExploreStats()
    cex = (C.c_uint32 * cex_cap)()
    n = C.c_uint32(0)
    lists = (C.c_uint32 * max(lists_cap, 1))()
    nl = C.c_uint32(0)
    err = so.mn_model_explore_sub(C.byref(to_c(w)), bound, max_executions, int(stop),
                                  _prefix(prefix), len(prefix), depth,
                                  lists if lists_cap else None, lists_cap, C.byref(nl),
                                  C.byref(st), cex, cex_cap, C.byref(n))
    if err == -28:   # -ENOSPC
        raise OverflowError(f"more subtrees than lists_cap={lists_cap} words hold: lower the depth")
    out, i = [], 0
    while i < nl.value:
        k = lists[i]
        out.append(tuple(lists[i + 1:i + 1 + k]))
        i += 1 + k
    return _stats(w, st, cex, n.value), out


def dpor_sub(w: Workload, prefix: Sequence[int], max_executions: int = 0, stop: bool = True,
             cex_cap: int = 65536) -> ExploreStats:
    """DPOR from the state `prefix` reaches (mn_model_dpor_sub); its decisions are never
    backtracked. w must have reduce=False (dpor() does that)."""
    so = model.lib(w.variant)
    st = model.CExploreStats()
    cex = (C.c_uint32 * cex_cap)()
    n = C.c_uint32(0)
    so.mn_model_dpor_sub(C.byref(to_c(w)), max_executions, int(stop), _prefix(prefix),
                         len(prefix), C.byref(st), cex, cex_cap, C.byref(n))
    return _stats(w, st, cex, n.value)


def find(w: Workload, coverage: Sequence[str], bound: int = 2, max_executions: int = 0,
         cap: int = 65536) -> tuple[Optional[Case], ExploreStats]:
    """DFS for the first schedule whose execution reaches every state in `coverage` (names from
    model.COVERAGE). Returns (case or None, stats); stats.exhausted with None means unreachable
    within the bound."""
    so = model.lib(w.variant)
    st = model.CExploreStats()
    out = (C.c_uint32 * cap)()
    n = C.c_uint32(0)
    rc = so.mn_model_find(C.byref(to_c(w)), bound, max_executions, model.coverage_mask(coverage),
                          C.byref(st), out, cap, C.byref(n))
    if rc < 0:
        raise ValueError(f"mn_model_find: {st.message.decode(errors='replace')}")
    stats = _stats(w, st, out, n.value, so if w.memory_model == "ARM" else None)
    if rc != 0:
        return None, stats
    cw = w.with_(promises=encode_promises(w, stats.promises)) if stats.promises else w
    return Case(cw, tuple(out[:n.value])), stats


def each_result(search: Callable[[], R], on_result: Callable[[model.CResult], None],
                variant: str = "fixed") -> R:
    """Runs search() (explore / find / dpor on `variant`) with on_result(raw model.CResult)
    called after every execution (the C result hook: outcome sets, progress counters)."""
    so = model.lib(variant)
    err: list[BaseException] = []

    def cb(_arg, r):
        try:
            on_result(r.contents)
        except BaseException as e:  # cannot cross the C frames: re-raised below
            err.append(e)

    hook = model.RESULT_HOOK(cb)
    so.mn_model_set_result_hook(hook, None)
    try:
        out = search()
    finally:
        so.mn_model_set_result_hook(model.RESULT_HOOK(), None)
    if err:
        raise err[0]
    return out
