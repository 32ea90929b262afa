"""The engines' view of one execution, on top of the model runtime's ctypes wrapper (model.py).

Everything above this file (Hypothesis, PCT, exhaustive, failure output, CLI) speaks Case ->
Execution; this file is the only place that knows the shape of model.py's API.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from . import model
from .workload import Case, Workload


@dataclass(frozen=True)
class Step:
    index: int
    actor: str          # "P0", "P1", "P2", "C", "U", "K"
    op: str             # load / store / fence / tas / fetch_add / copy_in / copy_out / spin / notify / drain / kill
    field: str          # header field name, "len[i]", "slot[i]", registry field, ...
    order: str          # plain / relaxed / acquire / release / seq_cst / ""
    value: int | None
    header: dict        # header after the step (committed memory)
    rf: int = -1        # ARM loads: the step that wrote the value read (its store, drain or
                        # promise); -1 the initial contents, the actor's own buffer, or not ARM


@dataclass(frozen=True)
class Violation:
    prop: str           # the property's name, e.g. "reference: frame delivered twice"
    step: int           # index of the step after which it was detected, -1 = at the end
    message: str = ""


@dataclass
class Execution:
    case: Case
    steps: list[Step]
    violation: Violation | None
    coverage: frozenset[str] = frozenset()   # abstract states reached: wrap, full, contended, killed, ...
    final: dict = field(default_factory=dict)
    decisions: int = 0                       # decision points met (a schedule longer is ignored)
    nsteps: int = 0                          # steps run (len(steps) unless run without a trace)

    @property
    def failed(self) -> bool:
        return self.violation is not None


# Steps that are runtime events, not memory operations: they have no memory order.
SCHEDULER_EVENTS = frozenset({"deliver", "idle", "sleep", "kill", "notify", "promise"})


class SetupError(ValueError):
    """The runtime rejected a workload (MN_VIO_SETUP): a harness bug, not a finding."""


def actor_names(kinds: list[str]) -> list[str]:
    names, p = [], 0
    for k in kinds:
        if k == "producer":
            names.append(f"P{p}")
            p += 1
        else:
            names.append({"consumer": "C", "unplugger": "U", "killer": "K", "hostile": "H"}
                         .get(k, k[:1].upper()))
    return names


def kill_actor(w: Workload) -> int:
    """Actor numbering (model.h): producers first, then the consumer, unplugger, killer."""
    return {"none": -1, "consumer": len(w.producers), "producer0": 0}[w.kill]


def _model_workload(w: Workload, promises: tuple = ()) -> model.Workload:
    return model.Workload(proto=w.protocol, mm=w.memory_model.lower(), nslots=w.size,
                          slotsize=w.slotsize,
                          frames=[[n for n, _ in p] for p in w.producers],
                          seeds=[[s for _, s in p] for p in w.producers],
                          consumer=model.CONSUMER_NONE if w.hostile else model.CONSUMER_C,
                          consumer_waits=w.waits, unplugger=w.unplug,
                          kill_actor=kill_actor(w), start_index=w.start_index,
                          lock_retries=w.lock_retries, reduce=w.reduce, batch=w.batch,
                          cons_batch=w.cons_batch, max_promises=w.max_promises,
                          promises=promises, hostile=w.hostile)


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
    if isinstance(value, (tuple, list)) and value[:1] == ("f",) or (isinstance(value, list) and value[0] == "f"):
        _, p, k = value
        n, seed = w.producers[p][k]
        return model.frame_bytes(p, k, seed, n)
    return bytes.fromhex(value)


def encode_promises(w: Workload, table: tuple) -> tuple:
    """A model promise table as Workload.promises (frames by reference: short tokens)."""
    return tuple(tuple(c[:4]) + (_frame_ref(w, c[4]),) for c in table)


_LEARNT: dict = {}


def promise_table(w: Workload) -> tuple:
    """The model's promise table for w: w.promises when given, else learnt (cached; one bounded
    search of the workload, deterministic, so a token without a table replays the same)."""
    if w.memory_model != "ARM":
        return ()
    if w.promises:
        return tuple(tuple(c[:4]) + (_frame_bytes(w, c[4]),) for c in w.promises)
    key = w.with_(promises=())
    t = _LEARNT.get(key)
    if t is None:
        t = _LEARNT[key] = model.learn_promises(_model_workload(w), variant=w.variant)
    return t


def to_model(w: Workload) -> model.Workload:
    return _model_workload(w, promise_table(w))


def _execution(case: Case, r: model.Result) -> Execution:
    if r.violation == "setup":
        raise SetupError(f"{case.workload.label()}: {r.message}")
    names = actor_names(r.actor_kinds)
    steps = [Step(s.index, names[s.actor] if s.actor < len(names) else f"a{s.actor}",
                  s.op + ("*" if s.buffered else ""), s.field,
                  "" if s.op in SCHEDULER_EVENTS else s.order, s.value,
                  {"cur": s.cur, "avail": s.avail, "lock": s.lock}, s.rf) for s in r.steps]
    vio = None
    if not r.ok:
        vio = Violation(r.violation, r.violation_step, r.message)
    final = dict(r.final)
    final.update(delivered=sum(1 for d in r.delivered if d[3]), in_ring=r.still_in_ring,
                 **{k: v for k, v in r.counters.items() if v})
    final["actors"] = " ".join(f"{n}:{st}" for n, st in zip(names, r.actor_states))
    return Execution(case, steps, vio, frozenset(r.coverage_names()), final, r.ndecisions,
                     r.nsteps)


def run(case: Case, trace: bool = True) -> Execution:
    """Runs one execution of case on the model build of its variant (trace=False: no step
    table, for searches; rerun with the trace to show a counterexample)."""
    r = model.run(to_model(case.workload), case.choices, variant=case.workload.variant,
                  trace_cap=4096 if trace else 0)
    return _execution(case, r)


def run_chooser(w: Workload, chooser) -> Execution:
    """One execution where chooser(decision, step, options) picks each option (PCT); the Case
    returned carries the choices taken, so it replays with run()."""
    r = model.run_chooser(to_model(w), chooser, variant=w.variant)
    return _execution(Case(w, tuple(r.choices_taken)), r)


@dataclass
class Exploration:
    workload: Workload
    bound: int
    stats: model.ExploreStats
    counterexample: Execution | None

    @property
    def proof(self) -> bool:
        return self.stats.exhausted and self.stats.violations == 0


def dpor(w: Workload, max_executions: int = 0, stop: bool = True) -> Exploration:
    """DPOR (dpor.c): every interleaving up to reordering of independent steps, NO preemption
    bound (Exploration.bound = -1). DPOR needs the unreduced encoding: the workload is run with
    reduce=False, and the counterexample's Case carries that workload, so its token replays."""
    w = w.with_(reduce=False)
    st = model.dpor(to_model(w), max_executions=max_executions, variant=w.variant,
                    stop_on_violation=stop)
    if st.first_violation == "setup":
        raise SetupError(f"{w.label()}: {st.message}")
    cex = run(Case(w, tuple(st.counterexample))) if st.violations else None
    return Exploration(w, -1, st, cex)


def explore(w: Workload, bound: int, max_executions: int = 0, stop: bool = True) -> Exploration:
    """Exhaustive DFS over every schedule with <= bound preemptions (in C)."""
    st = model.explore(to_model(w), preemptions=bound, max_executions=max_executions,
                       variant=w.variant, stop_on_violation=stop)
    if st.first_violation == "setup":
        raise SetupError(f"{w.label()}: {st.message}")
    cw = w
    if w.memory_model == "ARM" and st.violations:
        # the search learnt its own table (rounds): the counterexample replays with exactly it
        cw = w.with_(promises=encode_promises(w, st.promises))
    cex = run(Case(cw, tuple(st.counterexample))) if st.violations else None
    return Exploration(w, bound, st, cex)
