"""Checking other people's C code on the harness's checker (rt, c/model/rt/): their sources and
workload (c/model/user/mnu.h says what to write) compiled with rt into a shared object, then
exhaustive bounded search or DPOR per memory model, or Hypothesis-drawn schedules and PCT
(usersearch.py), with the step table, an SVG timeline and a replay token on failure. The pytest
plugin (pyharness.pytest_plugin) hands these out; docs/plugin.md.

    ring = UserWorkload(["tinyring.c", "workload.c"], include=["."])
    ring.prove(("SC", "TSO", "PSO"), bound=3)             # AssertionError naming the violation
    ring.fuzz(("SC", "TSO", "PSO"))                       # Hypothesis, then PCT, per model
    found = ring.with_defines("TINYRING_BROKEN").explore("PSO", 3)
"""
from __future__ import annotations

import ctypes as C
import hashlib
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from mnetif import native

from . import profiles, svg
from .chooser import c_chooser
from .runtime import Step, Violation

MMS = {"SC": 0, "TSO": 1, "PSO": 2, "ARM": 3}
TOKEN_PREFIX = "mnu1."


def csrc() -> Path:
    """rt's sources and mnu.c: inside the installed package (setup.py copies them), else the
    checkout's c/model."""
    packaged = Path(__file__).resolve().parent / "_csrc"
    return packaged if packaged.is_dir() else native.ROOT / "c" / "model"


class RtResult(C.Structure):
    _fields_ = [("violation", C.c_int32), ("violation_step", C.c_int32),
                ("message", C.c_char * 256), ("nsteps", C.c_uint32), ("ndecisions", C.c_uint32),
                ("nchoices_used", C.c_uint32), ("coverage", C.c_uint32), ("events", C.c_uint32),
                ("pruned", C.c_uint32)]


class RtStep(C.Structure):
    _fields_ = [("actor", C.c_uint8), ("op", C.c_uint8), ("order", C.c_uint8),
                ("buffered", C.c_uint8), ("tag", C.c_uint32), ("index", C.c_uint32),
                ("off", C.c_uint32), ("size", C.c_uint32), ("value", C.c_uint64),
                ("decision", C.c_uint32), ("rf", C.c_int32), ("watch", C.c_uint64 * 4)]


class RtStats(C.Structure):
    _fields_ = [("executions", C.c_uint64), ("violations", C.c_uint64), ("exhausted", C.c_uint32),
                ("max_decisions", C.c_uint32), ("max_steps", C.c_uint64),
                ("elapsed_ns", C.c_uint64), ("coverage", C.c_uint32),
                ("first_violation", C.c_int32), ("message", C.c_char * 256),
                ("pruned", C.c_uint64), ("rounds", C.c_uint32), ("npromises", C.c_uint32),
                ("blocked", C.c_uint64)]


class RtOption(C.Structure):
    """rt.h's struct rt_option as a chooser sees it (`field`: the option's field tag)."""
    _fields_ = [("kind", C.c_uint8), ("actor", C.c_uint8), ("pad", C.c_uint16),
                ("field", C.c_uint32), ("index", C.c_uint32), ("off", C.c_uint32)]


CHOOSER = C.CFUNCTYPE(C.c_uint32, C.c_void_p, C.c_uint32, C.c_uint32, C.c_uint32,
                      C.POINTER(RtOption))
ORDERS = ["plain", "relaxed", "acquire", "release", "seq_cst", "acq_rel"]


@dataclass(frozen=True)
class UserCase:
    """One execution: the workload, the memory model and the schedule (rt's choice list)."""
    workload: "UserWorkload"
    mm: str
    choices: tuple = ()


@dataclass
class UserExecution:
    """What one run did: runtime.Step rows (the table, svg.py), the violation or None."""
    case: UserCase
    steps: list
    violation: Violation | None
    nsteps: int
    header: tuple = ()      # the watched words' names (the timeline's bottom rows)

    @property
    def table(self) -> str:
        """The numbered step table: `>>` the violating step, `*` a store that was buffered."""
        bad = self.violation.step if self.violation else -1
        return "\n".join(f"{'>>' if s.index == bad else '  '}{s.index:4d}  {s.actor:<4} "
                         f"{s.op + ('*' if s.buffered else ''):<9} {s.field:<9} {s.order:<8} "
                         f"{s.value}" for s in self.steps)


@dataclass
class Outcome:
    """One search's verdict; `table`, `token` and `svg` are those of the counterexample."""
    name: str
    mm: str
    engine: str
    executions: int
    exhausted: bool
    violation: str          # "none" when no execution violated a property
    message: str
    choices: tuple
    table: str = ""
    token: str = ""
    svg: str = ""           # the counterexample's timeline
    sampled: bool = False   # Hypothesis, PCT: never a proof, "exhausted" means nothing
    note: str = ""          # what the search guarantees (PCT's probability bound)

    @property
    def proof(self) -> bool:
        return self.exhausted and self.violation == "none" and not self.sampled

    def report(self) -> str:
        head = (f"{self.name} under {self.mm} ({self.engine}): {self.executions} executions" +
                ("" if self.sampled else
                 f", {'exhausted' if self.exhausted else 'NOT exhausted'}"))
        if self.violation == "none":
            return head + ", no violation" + (f"\n{self.note}" if self.note else "")
        return (f"{head}\nPROPERTY VIOLATED: {self.violation}\n  {self.message}\n{self.table}\n"
                f"timeline: {self.svg}\nreplay: pytest --mnetif-replay {self.token}")


class UserWorkload:
    """A user's sources + defines compiled with rt. `out`: where a counterexample's SVG timeline
    goes ($MNETIF_USER_OUT, else the cache's timelines/); `profile`: fuzz()'s budgets
    (profiles.py, default $MNETIF_PROFILE's); `database`: its Hypothesis example database."""

    def __init__(self, sources, include=(), defines=(), base: Path | None = None,
                 cache: Path | None = None, cc: str = "gcc", out: Path | None = None,
                 profile: profiles.Profile | None = None, database=None):
        base = Path(base or os.getcwd())
        self.sources = [(base / s).resolve() for s in sources]
        self.include = [(base / i).resolve() for i in include]
        self.defines = tuple(defines)
        self.base, self.cc = base, cc
        self.cache = Path(cache or os.environ.get("MNETIF_USER_CACHE") or
                          Path.home() / ".cache" / "mnetif-usercheck")
        self.out = Path(out or os.environ.get("MNETIF_USER_OUT") or self.cache / "timelines")
        self.profile = profile or profiles.selected()
        self.database = database
        missing = [str(s) for s in self.sources if not s.exists()]
        if missing:
            raise FileNotFoundError(f"workload sources not found: {', '.join(missing)}")
        self._so: C.CDLL | None = None

    def with_defines(self, *defines: str) -> "UserWorkload":
        return type(self)([str(s) for s in self.sources], [str(i) for i in self.include],
                          self.defines + defines, self.base, self.cache, self.cc, self.out,
                          self.profile, self.database)

    @property
    def name(self) -> str:
        return "+".join(s.stem for s in self.sources) + "".join(f" -D{d}" for d in self.defines)

    def label(self) -> str:
        return self.name

    def _key(self) -> str:
        h = hashlib.sha256()
        rt = csrc()
        for p in [*self.sources, *sorted((rt / "rt").glob("*")), *sorted((rt / "user").glob("*")),
                  *[h2 for i in self.include for h2 in sorted(i.glob("*.h"))]]:
            h.update(str(p.name).encode() + p.read_bytes())
        h.update(repr(self.defines).encode())
        return h.hexdigest()[:16]

    def lib(self) -> C.CDLL:
        """Compile (once per content: cached by hash) and load the shared object."""
        if self._so is not None:
            return self._so
        key = self._key()
        so = self.cache / f"{key}.so"
        if not so.exists():
            rt = csrc()
            self.cache.mkdir(parents=True, exist_ok=True)
            tmp = f"{so}.{os.getpid()}.tmp"      # parallel workers may build the same object
            cmd = [self.cc, "-std=gnu11", "-O2", "-g", "-fPIC", "-shared", "-Wall",
                   f"-I{rt}", f"-I{rt / 'user'}", *[f"-I{i}" for i in self.include],
                   *[f"-D{d}" for d in self.defines], "-o", tmp,
                   *map(str, self.sources), *map(str, sorted((rt / "rt").glob("*.c"))),
                   str(rt / "rt" / "switch.S"), str(rt / "user" / "mnu.c")]
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode:
                raise RuntimeError(f"compiling {self.name} failed:\n{' '.join(cmd)}\n{r.stderr}")
            os.replace(tmp, so)
        lib = C.CDLL(str(so))
        for fn, t in (("mnu_sizeof_step", RtStep), ("mnu_sizeof_result", RtResult),
                      ("mnu_sizeof_stats", RtStats), ("mnu_sizeof_option", RtOption)):
            getattr(lib, fn).restype = C.c_uint32
            if getattr(lib, fn)() != C.sizeof(t):
                raise RuntimeError(f"{so}: struct size mismatch ({fn}): rebuild the binding")
        for fn in ("mnu_violation_name", "mnu_field_name", "mnu_op_name", "mnu_actor_name",
                   "mnu_watch_name"):
            getattr(lib, fn).restype = C.c_char_p
        lib.mnu_field_label.argtypes = [C.c_uint32, C.c_uint32, C.c_char_p, C.c_uint32]
        lib.mnu_explore.argtypes = [C.c_int, C.c_uint32, C.c_uint64, C.c_int, C.POINTER(RtStats),
                                    C.POINTER(C.c_uint32), C.c_uint32, C.POINTER(C.c_uint32)]
        lib.mnu_dpor.argtypes = [C.c_int, C.c_uint64, C.c_int, C.POINTER(RtStats),
                                 C.POINTER(C.c_uint32), C.c_uint32, C.POINTER(C.c_uint32)]
        lib.mnu_run.argtypes = [C.c_int, C.POINTER(C.c_uint32), C.c_uint32, C.POINTER(RtResult),
                                C.POINTER(RtStep), C.c_uint32]
        lib.mnu_run_chooser.argtypes = [C.c_int, CHOOSER, C.POINTER(RtResult), C.POINTER(RtStep),
                                        C.c_uint32, C.POINTER(C.c_uint32), C.c_uint32,
                                        C.POINTER(C.c_uint32)]
        self._so = lib
        return lib

    # ---- one execution ------------------------------------------------------------------------
    def token(self, mm: str, choices) -> str:
        return f"{TOKEN_PREFIX}{self._key()}.{mm}.{'-'.join(map(str, choices))}"

    def replay(self, token: str) -> Outcome:
        """Run the one execution a token names (it must come from these sources and defines)."""
        try:
            prefix, key, mm, cs = token.strip().split(".")
            choices = tuple(int(c) for c in cs.split("-") if c)
        except ValueError:
            raise ValueError(f"not a usercheck replay token: {token!r}") from None
        if prefix + "." != TOKEN_PREFIX or mm not in MMS:
            raise ValueError(f"not a usercheck replay token: {token!r}")
        if key != self._key():
            raise ValueError(f"token {token} was made from other sources or defines than "
                             f"{self.name}")
        return self.outcome(self.execute(UserCase(self, mm, choices)), "replay", 1, True)

    def run(self, mm: str, choices) -> tuple[str, str, str]:
        """(violation name or "none", message, step table) of one execution."""
        ex = self.execute(UserCase(self, mm, tuple(choices)))
        v = ex.violation
        return (v.prop, v.message, ex.table) if v else ("none", "", ex.table)

    def execute(self, case: UserCase, trace: bool = True) -> UserExecution:
        """One execution of case (also hypo.search's `run`)."""
        lib = self.lib()
        arr = (C.c_uint32 * max(1, len(case.choices)))(*case.choices)
        res, cap = RtResult(), 4096 if trace else 0
        buf = (RtStep * max(1, cap))()
        lib.mnu_run(MMS[case.mm], arr, len(case.choices), C.byref(res), buf, cap)
        return self._execution(case, res, buf, cap)

    def execute_chooser(self, mm: str, chooser) -> UserExecution:
        """One execution where chooser(decision, step, options: list[RtOption]) returns the index
        of the option to take (PCT); the case returned holds the choices taken: execute()
        replays it."""
        lib, res, cap, tcap = self.lib(), RtResult(), 4096, 65536
        buf, taken, ntaken = (RtStep * cap)(), (C.c_uint32 * tcap)(), C.c_uint32(0)
        cb, err = c_chooser(chooser, CHOOSER)
        lib.mnu_run_chooser(MMS[mm], cb, C.byref(res), buf, cap, taken, tcap, C.byref(ntaken))
        if err:
            raise err[0]
        return self._execution(UserCase(self, mm, tuple(taken[:ntaken.value])), res, buf, cap)

    def _execution(self, case: UserCase, res: RtResult, buf, cap: int) -> UserExecution:
        lib = self.lib()
        v = None
        if res.violation:
            v = Violation(lib.mnu_violation_name(res.violation).decode(), res.violation_step,
                          res.message.decode(errors="replace"))
        header = tuple(lib.mnu_watch_name(i).decode() for i in range(lib.mnu_nwatch()))
        label = C.create_string_buffer(64)
        steps = []
        for i in range(min(res.nsteps, cap)):
            t = buf[i]
            op = lib.mnu_op_name(t.op).decode()
            lib.mnu_field_label(t.tag, t.index, label, len(label))
            order = ORDERS[t.order] if op in ("load", "store") and t.order < len(ORDERS) else ""
            steps.append(Step(i, lib.mnu_actor_name(t.actor).decode(), op, label.value.decode(),
                              order, t.value, dict(zip(header, t.watch)), t.rf, bool(t.buffered),
                              t.size, -1 if t.decision == 0xFFFFFFFF else t.decision))
        return UserExecution(case, steps, v, res.nsteps, header)

    def outcome(self, ex: UserExecution | None, engine: str, executions: int,
                exhausted: bool = False, sampled: bool = False, mm: str = "") -> Outcome:
        """The Outcome of a search that ended with ex (its counterexample, or None); the
        counterexample's timeline is written under self.out."""
        if ex is None or ex.violation is None:
            return Outcome(self.name, mm or (ex.case.mm if ex else "?"), engine, executions,
                           exhausted, "none", "", (), sampled=sampled)
        c = ex.case
        token = self.token(c.mm, c.choices)
        path = self.out / (hashlib.sha1(token.encode()).hexdigest()[:16] + ".svg")
        svg.write(ex, path, f"{self.name} under {c.mm}: {ex.violation.prop}", ex.header)
        return Outcome(self.name, c.mm, engine, executions, exhausted, ex.violation.prop,
                       ex.violation.message, c.choices, ex.table, token, str(path), sampled)

    # ---- the searches -------------------------------------------------------------------------
    def _searched(self, mm: str, engine: str, st: RtStats, cex, n: int) -> Outcome:
        if not st.violations:
            return self.outcome(None, engine, st.executions, bool(st.exhausted), mm=mm)
        return self.outcome(self.execute(UserCase(self, mm, tuple(cex[:n]))), engine,
                            st.executions, bool(st.exhausted))

    def explore(self, mm: str, bound: int = 2, max_executions: int = 0) -> Outcome:
        lib, st, cap = self.lib(), RtStats(), 65536
        cex, n = (C.c_uint32 * cap)(), C.c_uint32(0)
        lib.mnu_explore(MMS[mm], bound, max_executions, 1, C.byref(st), cex, cap, C.byref(n))
        return self._searched(mm, f"exhaustive, preemptions <= {bound}", st, cex, n.value)

    def dpor(self, mm: str, max_executions: int = 0) -> Outcome:
        lib, st, cap = self.lib(), RtStats(), 65536
        cex, n = (C.c_uint32 * cap)(), C.c_uint32(0)
        lib.mnu_dpor(MMS[mm], max_executions, 1, C.byref(st), cex, cap, C.byref(n))
        return self._searched(mm, "DPOR", st, cex, n.value)

    def hypothesis(self, mm: str, examples: int | None = None, seed: int | None = None,
                   max_preemptions: int = 8) -> Outcome:
        """Hypothesis-drawn schedules (default: the profile's examples), shrunk on failure; seed
        None: random draws, the database's saved failures first; a seed: the same draws every
        run (usersearch.py)."""
        from . import usersearch
        return usersearch.hypothesis(self, mm, examples or self.profile.examples, seed,
                                     max_preemptions)

    def pct(self, mm: str, runs: int | None = None, depth: int = 2, seed: int = 0) -> Outcome:
        """PCT runs of bug depth `depth` (default: the profile's runs)."""
        from . import usersearch
        return usersearch.pct(self, mm, runs or self.profile.pct_runs, depth, seed)

    def prove(self, memory_models=("SC", "TSO", "PSO"), bound: int = 2,
              max_executions: int = 0) -> list[Outcome]:
        """A proof per memory model within `bound` preemptions; AssertionError with the step
        table, the timeline and the replay token on the first violation, or when a search was
        not exhausted."""
        outs = []
        for mm in memory_models:
            o = self.explore(mm, bound, max_executions)
            if not o.proof:
                raise AssertionError(o.report())
            outs.append(o)
        return outs

    def fuzz(self, memory_models=("SC", "TSO", "PSO"), examples: int | None = None,
             pct_runs: int | None = None, depth: int = 2, seed: int | None = None,
             engines=("hypothesis", "pct")) -> list[Outcome]:
        """Per memory model, Hypothesis-drawn schedules then PCT (budgets: the profile's);
        AssertionError with the step table, the timeline and the replay token on the first
        violation. Finding nothing is evidence, not a proof (prove() gives one). seed: PCT's,
        and Hypothesis's when given (see hypothesis())."""
        unknown = set(engines) - {"hypothesis", "pct"}
        if unknown:
            raise ValueError(f"fuzz engines {sorted(unknown)}: expected hypothesis and/or pct")
        outs = []
        for mm in memory_models:
            for engine in engines:
                o = (self.hypothesis(mm, examples, seed) if engine == "hypothesis" else
                     self.pct(mm, pct_runs, depth, seed or 0))
                if o.violation != "none":
                    raise AssertionError(o.report())
                outs.append(o)
        return outs
