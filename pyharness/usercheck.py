"""Checking other people's C code on the harness's checker (rt, c/model/rt/): their sources and
workload (c/model/user/mnu.h says what to write) compiled with rt into a shared object, then
exhaustive bounded search or DPOR per memory model, with the step table and a replay token on
failure. The pytest plugin (pyharness.pytest_plugin) hands these out; docs/plugin.md.

    ring = UserWorkload(["tinyring.c", "workload.c"], include=["."])
    ring.prove(("SC", "TSO", "PSO"), bound=3)             # AssertionError naming the violation
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
                ("pruned", C.c_uint64), ("rounds", C.c_uint32), ("npromises", C.c_uint32)]


ORDERS = ["plain", "relaxed", "acquire", "release", "seq_cst", "acq_rel"]


@dataclass
class Outcome:
    """One search's verdict; `table` and `token` are those of the counterexample (if any)."""
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

    @property
    def proof(self) -> bool:
        return self.exhausted and self.violation == "none"

    def report(self) -> str:
        head = (f"{self.name} under {self.mm} ({self.engine}): {self.executions} executions, "
                f"{'exhausted' if self.exhausted else 'NOT exhausted'}")
        if self.violation == "none":
            return head + ", no violation"
        return (f"{head}\nPROPERTY VIOLATED: {self.violation}\n  {self.message}\n{self.table}\n"
                f"replay: pytest --mnetif-replay {self.token}")


class UserWorkload:
    def __init__(self, sources, include=(), defines=(), base: Path | None = None,
                 cache: Path | None = None, cc: str = "gcc"):
        base = Path(base or os.getcwd())
        self.sources = [(base / s).resolve() for s in sources]
        self.include = [(base / i).resolve() for i in include]
        self.defines = tuple(defines)
        self.base, self.cc = base, cc
        self.cache = Path(cache or os.environ.get("MNETIF_USER_CACHE") or
                          Path.home() / ".cache" / "mnetif-usercheck")
        missing = [str(s) for s in self.sources if not s.exists()]
        if missing:
            raise FileNotFoundError(f"workload sources not found: {', '.join(missing)}")
        self._so: C.CDLL | None = None

    def with_defines(self, *defines: str) -> "UserWorkload":
        return UserWorkload([str(s) for s in self.sources], [str(i) for i in self.include],
                            self.defines + defines, self.base, self.cache, self.cc)

    @property
    def name(self) -> str:
        return "+".join(s.stem for s in self.sources) + "".join(f" -D{d}" for d in self.defines)

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
            cmd = [self.cc, "-std=gnu11", "-O2", "-g", "-fPIC", "-shared", "-Wall",
                   f"-I{rt}", f"-I{rt / 'user'}", *[f"-I{i}" for i in self.include],
                   *[f"-D{d}" for d in self.defines], "-o", str(so) + ".tmp",
                   *map(str, self.sources), *map(str, sorted((rt / "rt").glob("*.c"))),
                   str(rt / "rt" / "switch.S"), str(rt / "user" / "mnu.c")]
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode:
                raise RuntimeError(f"compiling {self.name} failed:\n{' '.join(cmd)}\n{r.stderr}")
            os.replace(str(so) + ".tmp", so)
        lib = C.CDLL(str(so))
        for fn, t in (("mnu_sizeof_step", RtStep), ("mnu_sizeof_result", RtResult),
                      ("mnu_sizeof_stats", RtStats)):
            getattr(lib, fn).restype = C.c_uint32
            if getattr(lib, fn)() != C.sizeof(t):
                raise RuntimeError(f"{so}: struct size mismatch ({fn}): rebuild the binding")
        lib.mnu_violation_name.restype = C.c_char_p
        lib.mnu_field_name.restype = C.c_char_p
        lib.mnu_op_name.restype = C.c_char_p
        lib.mnu_explore.argtypes = [C.c_int, C.c_uint32, C.c_uint64, C.c_int, C.POINTER(RtStats),
                                    C.POINTER(C.c_uint32), C.c_uint32, C.POINTER(C.c_uint32)]
        lib.mnu_dpor.argtypes = [C.c_int, C.c_uint64, C.c_int, C.POINTER(RtStats),
                                 C.POINTER(C.c_uint32), C.c_uint32, C.POINTER(C.c_uint32)]
        lib.mnu_run.argtypes = [C.c_int, C.POINTER(C.c_uint32), C.c_uint32, C.POINTER(RtResult),
                                C.POINTER(RtStep), C.c_uint32]
        self._so = lib
        return lib

    # ---- one execution, and the searches ---------------------------------------------------
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
        v, msg, table = self.run(mm, choices)
        return Outcome(self.name, mm, "replay", 1, True, v, msg, choices, table, token)

    def run(self, mm: str, choices) -> tuple[str, str, str]:
        lib = self.lib()
        arr = (C.c_uint32 * max(1, len(choices)))(*choices)
        res, cap = RtResult(), 4096
        trace = (RtStep * cap)()
        lib.mnu_run(MMS[mm], arr, len(choices), C.byref(res), trace, cap)
        return (lib.mnu_violation_name(res.violation).decode(), res.message.decode(),
                self._table(lib, trace, min(res.nsteps, cap), res.violation_step))

    def _table(self, lib, trace, n: int, bad: int) -> str:
        rows = []
        for i in range(n):
            t = trace[i]
            op = lib.mnu_op_name(t.op).decode()
            fld = lib.mnu_field_name(t.tag).decode()
            fld += f"[{t.index}]" if fld == "slot" else ""
            order = ORDERS[t.order] if op in ("load", "store") and t.order < len(ORDERS) else ""
            mark = ">>" if i == bad else "  "
            rows.append(f"{mark}{i:4d}  a{t.actor}  {op + ('*' if t.buffered else ''):<9} "
                        f"{fld:<9} {order:<8} {t.value}")
        return "\n".join(rows)

    def _outcome(self, mm: str, engine: str, st: RtStats, cex, n: int) -> Outcome:
        lib = self.lib()
        v = lib.mnu_violation_name(st.first_violation).decode() if st.violations else "none"
        choices = tuple(cex[:n])
        out = Outcome(self.name, mm, engine, st.executions, bool(st.exhausted), v,
                      st.message.decode(errors="replace"), choices)
        if st.violations:
            _, _, out.table = self.run(mm, choices)
            out.token = self.token(mm, choices)
        return out

    def explore(self, mm: str, bound: int = 2, max_executions: int = 0) -> Outcome:
        lib, st, cap = self.lib(), RtStats(), 65536
        cex, n = (C.c_uint32 * cap)(), C.c_uint32(0)
        lib.mnu_explore(MMS[mm], bound, max_executions, 1, C.byref(st), cex, cap, C.byref(n))
        return self._outcome(mm, f"exhaustive, preemptions <= {bound}", st, cex, n.value)

    def dpor(self, mm: str, max_executions: int = 0) -> Outcome:
        lib, st, cap = self.lib(), RtStats(), 65536
        cex, n = (C.c_uint32 * cap)(), C.c_uint32(0)
        lib.mnu_dpor(MMS[mm], max_executions, 1, C.byref(st), cex, cap, C.byref(n))
        return self._outcome(mm, "DPOR", st, cex, n.value)

    def prove(self, memory_models=("SC", "TSO", "PSO"), bound: int = 2,
              max_executions: int = 0) -> list[Outcome]:
        """A proof per memory model within `bound` preemptions; AssertionError with the step table
        and the replay token on the first violation, or when a search was not exhausted."""
        outs = []
        for mm in memory_models:
            o = self.explore(mm, bound, max_executions)
            if not o.proof:
                raise AssertionError(o.report())
            outs.append(o)
        return outs
