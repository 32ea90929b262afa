"""Third-party rings on the model checker (c/model/thirdparty, docs/thirdparty.md): the ctypes
bindings of one build's shared object (build/model/tp/libtp_<build>.so: rt + the tp layer + the
ring's scenarios), a Case (build, scenario, parameters, memory model, schedule) and its replay
token (`tp1.…`), one execution, the bounded DFS and DPOR.

The step table is formatted in C (tp_describe), so Python, the CLI and an emitted reproducer
(`pyharness replay TOKEN --emit-c DIR`, emit.py) print the same text.
"""
from __future__ import annotations

import base64
import ctypes as C
import json
import time
import zlib
from dataclasses import dataclass

from mnetif import native

TOKEN_PREFIX = "tp1."
MAX_PARAMS = 6
CEX_CAP = 1 << 16
# enum tp_vio (c/model/thirdparty/common/tp.h), by name
VIOLATIONS = ("none", "deadlock", "step-bound", "setup", "bridge", "out-of-bounds", "lost-item",
              "corrupt-item", "spurious-full", "lost-notification", "double-fetch", "accounting")


class Promise(C.Structure):
    """struct rt_promise: actor will store `size` bytes at `off` of region `region`: the scalar
    `value` (bytes = 0), or the bytes at blob + value (bytes = 1, a region copy)."""
    _fields_ = [("actor", C.c_uint8), ("region", C.c_uint8), ("bytes", C.c_uint8),
                ("pad", C.c_uint8), ("off", C.c_uint32), ("size", C.c_uint32),
                ("pad2", C.c_uint32), ("value", C.c_uint64)]


class Config(C.Structure):
    _fields_ = [("scenario", C.c_int32), ("mm", C.c_int32), ("max_steps", C.c_uint32),
                ("param", C.c_uint32 * MAX_PARAMS), ("max_promises", C.c_uint32),
                ("npromises", C.c_uint32), ("promises", C.POINTER(Promise)),
                ("promise_blob", C.POINTER(C.c_uint8))]


class Result(C.Structure):
    _fields_ = [("violation", C.c_int32), ("violation_step", C.c_int32), ("message", C.c_char * 256),
                ("nsteps", C.c_uint32), ("ndecisions", C.c_uint32), ("nchoices_used", C.c_uint32),
                ("coverage", C.c_uint32), ("events", C.c_uint32), ("pruned", C.c_uint32)]


class Stats(C.Structure):
    _fields_ = [("executions", C.c_uint64), ("violations", C.c_uint64), ("exhausted", C.c_uint32),
                ("max_decisions", C.c_uint32), ("max_steps", C.c_uint64), ("elapsed_ns", C.c_uint64),
                ("coverage", C.c_uint32), ("first_violation", C.c_int32), ("message", C.c_char * 256),
                ("pruned", C.c_uint64), ("rounds", C.c_uint32), ("npromises", C.c_uint32),
                ("blocked", C.c_uint64)]   # DPOR: sleep-set blocked executions


class ThirdPartyError(ValueError):
    """A case that cannot run: unknown build/scenario/parameter/model, out of range. One line."""


@dataclass(frozen=True)
class Scenario:
    name: str
    about: str
    params: tuple[tuple[str, int, int, int], ...]     # (name, default, lo, hi)


class Build:
    """One shared object: its scenarios, and runs of them."""

    def __init__(self, name: str):
        self.name = name
        rel = f"model/tp/libtp_{name}.so"
        try:
            self.lib = native.load(rel)
        except native.BuildMissing as e:
            raise native.BuildMissing(f"{e} (mk/thirdparty.mk builds it)") from None
        self.path = native.BUILD / rel
        L = self.lib
        for fn, res, args in (
            ("tp_build", C.c_char_p, []), ("tp_nscenarios", C.c_uint32, []),
            ("tp_scenario_name", C.c_char_p, [C.c_uint32]),
            ("tp_scenario_about", C.c_char_p, [C.c_uint32]),
            ("tp_param", C.c_char_p, [C.c_uint32, C.c_uint32, C.POINTER(C.c_uint32),
                                      C.POINTER(C.c_uint32), C.POINTER(C.c_uint32)]),
            ("tp_mm_lookup", C.c_int, [C.c_char_p]),
            ("tp_run", C.c_int, [C.POINTER(Config), C.POINTER(C.c_uint32), C.c_uint32,
                                 C.POINTER(Result), C.c_void_p, C.c_uint32]),
            ("tp_explore", C.c_int, [C.POINTER(Config), C.c_uint32, C.c_uint64, C.c_int,
                                     C.POINTER(Stats), C.POINTER(C.c_uint32), C.c_uint32,
                                     C.POINTER(C.c_uint32)]),
            ("tp_dpor", C.c_int, [C.POINTER(Config), C.c_uint64, C.c_int, C.POINTER(Stats),
                                  C.POINTER(C.c_uint32), C.c_uint32, C.POINTER(C.c_uint32)]),
            ("tp_describe", C.c_int, [C.POINTER(Config), C.POINTER(C.c_uint32), C.c_uint32,
                                      C.c_char_p, C.c_size_t]),
            ("tp_promise_table", C.c_int, [C.POINTER(Promise), C.c_uint32,
                                           C.POINTER(C.c_uint32), C.POINTER(C.c_uint8),
                                           C.c_uint32, C.POINTER(C.c_uint32)]),
            ("tp_abi_sizes", None, [C.POINTER(C.c_uint32)]),
        ):
            f = getattr(L, fn)
            f.restype, f.argtypes = res, args
        sizes = (C.c_uint32 * 4)()
        L.tp_abi_sizes(sizes)
        mine = [C.sizeof(t) for t in (Config, Result, Stats, Promise)]
        if list(sizes) != mine:
            raise native.BuildMissing(
                f"{self.path} was built against other struct layouts (C sizes {list(sizes)}, "
                f"these bindings {mine}: tp_config, rt_result, rt_stats, rt_promise): rebuild "
                f"with `make`, or update pyharness/thirdparty.py to c/model/rt/rt.h")
        self.source = L.tp_build().decode()
        self.scenarios: dict[str, tuple[int, Scenario]] = {}
        for i in range(L.tp_nscenarios()):
            params = []
            d, lo, hi = C.c_uint32(), C.c_uint32(), C.c_uint32()
            for j in range(MAX_PARAMS):
                n = L.tp_param(i, j, C.byref(d), C.byref(lo), C.byref(hi))
                if n:
                    params.append((n.decode(), d.value, lo.value, hi.value))
            s = Scenario(L.tp_scenario_name(i).decode(), L.tp_scenario_about(i).decode(),
                         tuple(params))
            self.scenarios[s.name] = (i, s)

    def mm_id(self, mm: str) -> int:
        """rt's id of a memory model, or -1 when this rt has none of that name."""
        return self.lib.tp_mm_lookup(mm.encode())

    def config(self, case: "Case") -> Config:
        if case.scenario not in self.scenarios:
            raise ThirdPartyError(f"build {self.name} has no scenario {case.scenario!r}; it has "
                                  f"{', '.join(self.scenarios)}")
        i, s = self.scenarios[case.scenario]
        mm = self.mm_id(case.mm)
        if mm < 0:
            raise ThirdPartyError(f"memory model {case.mm!r}: the checker (c/model/rt) has no such "
                                  f"model")
        given = dict(case.params)
        unknown = set(given) - {p[0] for p in s.params}
        if unknown:
            raise ThirdPartyError(f"{s.name}: no parameter {', '.join(sorted(unknown))}; it has "
                                  f"{', '.join(p[0] for p in s.params)}")
        vals = []
        for name, d, lo, hi in s.params:
            v = given.get(name, d)
            if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
                raise ThirdPartyError(f"{s.name}: {name} = {v!r}, want an integer {lo}..{hi}")
            vals.append(v)
        vals += [0] * (MAX_PARAMS - len(vals))
        cfg = Config(i, mm, case.max_steps, (C.c_uint32 * MAX_PARAMS)(*vals))
        cfg.max_promises = case.max_promises
        if case.promises:
            table, blob = _promise_arrays(case.promises)
            cfg.npromises = len(case.promises)
            cfg.promises = C.cast(table, C.POINTER(Promise))
            cfg.promise_blob = C.cast(blob, C.POINTER(C.c_uint8))
            cfg._keep = (table, blob)           # alive as long as the Config
        return cfg


def _promise_arrays(promises: tuple) -> tuple:
    """Case.promises as (struct rt_promise[], blob): a candidate's value is an int (a scalar
    store) or a hex string (the bytes of a region copy, placed in the blob)."""
    table = (Promise * len(promises))()
    blob = bytearray()
    for p, (actor, region, off, size, value) in zip(table, promises):
        p.actor, p.region, p.off, p.size = actor, region, off, size
        if isinstance(value, str):
            data = bytes.fromhex(value)
            if len(data) != size:
                raise ThirdPartyError(f"promise of {size} bytes at region {region}+{off}: its "
                                      f"value has {len(data)} bytes")
            p.bytes, p.value = 1, len(blob)
            blob += data
        else:
            p.bytes, p.value = 0, value
    return table, (C.c_uint8 * max(len(blob), 1)).from_buffer_copy(bytes(blob) or b"\0")


def _promise_table(b: "Build") -> tuple:
    """The table the build's last search ended with, in Case.promises form."""
    n, blen = C.c_uint32(), C.c_uint32()
    cap, bcap = 512, 1 << 16
    table, blob = (Promise * cap)(), (C.c_uint8 * bcap)()
    if b.lib.tp_promise_table(table, cap, C.byref(n), blob, bcap, C.byref(blen)) < 0:
        raise ThirdPartyError(f"the learnt promise table ({n.value} candidates, {blen.value} "
                              f"bytes) does not fit the bindings' {cap}/{bcap}")
    out = []
    for p in table[:n.value]:
        value = bytes(blob[p.value:p.value + p.size]).hex() if p.bytes else p.value
        out.append((p.actor, p.region, p.off, p.size, value))
    return tuple(out)


_builds: dict[str, Build] = {}


def build(name: str) -> Build:
    b = _builds.get(name)
    if b is None:
        b = _builds[name] = Build(name)
    return b


def builds_available() -> list[str]:
    d = native.BUILD / "model" / "tp"
    return sorted(p.name[len("libtp_"):-3] for p in d.glob("libtp_*.so")) if d.is_dir() else []


@dataclass(frozen=True)
class Case:
    build: str
    scenario: str
    mm: str = "SC"
    params: tuple[tuple[str, int], ...] = ()
    choices: tuple[int, ...] = ()
    max_steps: int = 0
    # ARM: the promise table a replay runs with ((actor, region, off, size, int | hex), ...; a
    # search learns its own) and the promises an execution may read
    promises: tuple = ()
    max_promises: int = 2

    def with_(self, **kw) -> "Case":
        import dataclasses
        return dataclasses.replace(self, **kw)

    def label(self) -> str:
        ps = " ".join(f"{k}={v}" for k, v in self.params)
        return f"{self.build}/{self.scenario}/{self.mm}" + (f" {ps}" if ps else "")

    def token(self) -> str:
        fields = [self.build, self.scenario, self.mm, [list(p) for p in self.params],
                  list(self.choices), self.max_steps]
        if self.promises or self.max_promises != 2:
            fields += [[list(p) for p in self.promises], self.max_promises]
        raw = json.dumps(fields, separators=(",", ":"))
        return TOKEN_PREFIX + base64.urlsafe_b64encode(zlib.compress(raw.encode(), 9)).decode() \
            .rstrip("=")

    @classmethod
    def from_token(cls, token: str) -> "Case":
        if not token.startswith(TOKEN_PREFIX):
            raise ThirdPartyError(f"not a third-party replay token (want {TOKEN_PREFIX}…)")
        body = token[len(TOKEN_PREFIX):]
        try:
            raw = zlib.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            fields = json.loads(raw)
            b, s, mm, params, choices, steps = fields[:6]
            promises, maxp = fields[6:8] if len(fields) == 8 else ([], 2)
            params = tuple((str(k), v) for k, v in params)
            promises = tuple((int(a), int(r), int(o), int(n), v) for a, r, o, n, v in promises)
            ok = all(isinstance(x, str) for x in (b, s, mm)) and \
                all(isinstance(c, int) and 0 <= c < 2 ** 32 for c in choices) and \
                isinstance(steps, int) and 0 <= steps < 2 ** 32 and \
                isinstance(maxp, int) and 0 <= maxp < 2 ** 32 and \
                all(isinstance(p[4], (int, str)) for p in promises) and len(fields) in (6, 8)
        except (ValueError, TypeError, zlib.error) as e:
            raise ThirdPartyError(f"corrupt third-party replay token: {e}") from None
        if not ok:
            raise ThirdPartyError("corrupt third-party replay token: a field has the wrong type")
        return cls(b, s, mm, params, tuple(choices), steps, promises, maxp)


def _choices(choices) -> tuple:
    arr = (C.c_uint32 * max(len(choices), 1))(*choices)
    return arr, len(choices)


@dataclass
class Outcome:
    case: Case
    violation: str          # "none" or a VIOLATIONS name
    message: str
    step: int
    nsteps: int

    @property
    def failed(self) -> bool:
        return self.violation != "none"


def run(case: Case) -> Outcome:
    b = build(case.build)
    cfg = b.config(case)
    arr, n = _choices(case.choices)
    r = Result()
    b.lib.tp_run(C.byref(cfg), arr, n, C.byref(r), None, 0)
    if r.violation == VIOLATIONS.index("setup"):
        raise ThirdPartyError(f"{case.label()}: {r.message.decode()}")
    return Outcome(case, VIOLATIONS[r.violation], r.message.decode(), r.violation_step, r.nsteps)


def describe(case: Case) -> str:
    """The execution as text: header, step table, verdict (C's tp_describe)."""
    b = build(case.build)
    cfg = b.config(case)
    arr, n = _choices(case.choices)
    cap = 1 << 22
    buf = C.create_string_buffer(cap)
    b.lib.tp_describe(C.byref(cfg), arr, n, buf, cap)
    return buf.value.decode()


@dataclass
class Search:
    case: Case                       # choices: the counterexample's, if any
    bound: int                       # preemptions (-1: DPOR)
    executions: int
    violations: int
    exhausted: bool
    seconds: float
    first: str = "none"              # the first violation's name
    message: str = ""
    counterexample: Case | None = None
    pruned: int = 0                  # ARM: executions pruned (a promise never fulfilled)
    rounds: int = 0                  # ARM: searches until the promise table stopped growing

    @property
    def proof(self) -> bool:
        return self.exhausted and self.violations == 0


def _search(case: Case, bound: int, max_executions: int, stop: bool, dpor: bool) -> Search:
    b = build(case.build)
    cfg = b.config(case)
    st, cex, n = Stats(), (C.c_uint32 * CEX_CAP)(), C.c_uint32()
    t0 = time.perf_counter()
    if dpor:
        b.lib.tp_dpor(C.byref(cfg), max_executions, int(stop), C.byref(st), cex, CEX_CAP, C.byref(n))
    else:
        b.lib.tp_explore(C.byref(cfg), bound, max_executions, int(stop), C.byref(st), cex, CEX_CAP,
                         C.byref(n))
    secs = time.perf_counter() - t0
    if st.first_violation == VIOLATIONS.index("setup"):
        raise ThirdPartyError(f"{case.label()}: {st.message.decode()}")
    cx = None
    if st.violations:
        # the counterexample replays with the promise table the search found it with
        prom = _promise_table(b) if case.mm == "ARM" else case.promises
        cx = case.with_(choices=tuple(cex[:n.value]), promises=prom)
    return Search(case, -1 if dpor else bound, st.executions, st.violations, bool(st.exhausted),
                  secs, VIOLATIONS[st.first_violation] if st.violations else "none",
                  st.message.decode(), cx, st.pruned, st.rounds)


def explore(case: Case, bound: int, max_executions: int = 0, stop: bool = True) -> Search:
    """Bounded DFS: every schedule with <= bound preemptions (a proof when exhausted clean)."""
    return _search(case, bound, max_executions, stop, False)


def dpor(case: Case, max_executions: int = 0, stop: bool = True) -> Search:
    """DPOR: every interleaving up to independent reorderings, no preemption bound."""
    return _search(case, -1, max_executions, stop, True)


def hunt(case: Case, max_bound: int, max_executions: int = 0) -> Search:
    """Iterative deepening (bound 0, 1, ...): the first violation with the fewest preemptions.
    The Search's executions and seconds add up every bound tried (the time to find it)."""
    total, secs = 0, 0.0
    for bound in range(max_bound + 1):
        s = explore(case, bound, max_executions)
        total += s.executions
        secs += s.seconds
        if s.violations:
            s.executions, s.seconds = total, secs
            return s
    s.executions, s.seconds = total, secs
    return s


def manifest(build_name: str) -> dict[str, str]:
    """What went into a build (build/model/tp/libtp_<build>.manifest, written by make)."""
    path = native.BUILD / "model" / "tp" / f"libtp_{build_name}.manifest"
    if not path.exists():
        raise native.BuildMissing(f"{path} is missing: run `make` at {native.ROOT}")
    out = {}
    for line in path.read_text().splitlines():
        k, _, v = line.partition(" = ")
        out[k.strip()] = v.strip()
    return out


def env_mm_available(mm: str) -> bool:
    """Does the checker know memory model mm? (asks any built third-party build)"""
    names = builds_available()
    return bool(names) and build(names[0]).mm_id(mm) >= 0


__all__ = ["Case", "Build", "build", "run", "describe", "explore", "dpor", "hunt", "Search",
           "Outcome", "ThirdPartyError", "VIOLATIONS", "manifest", "TOKEN_PREFIX"]
