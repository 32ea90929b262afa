"""The litmus suite: classic weak-memory tests run by the model runtime under SC, TSO, PSO and ARM,
each compared with the set of outcomes the architecture's own published model allows.

A test is a few tiny programs of ordering-layer operations (the same operations the ring code uses:
relaxed/acquire loads, relaxed/release stores, the fence kinds of atomic.h) on 4-byte words x, y, z.
The harness runs it to exhaustion (every schedule, every choice of what a load reads, every promise)
and collects the final outcomes: the registers each thread read and the final value of the
locations the test observes.

Expected outcomes (litmus_expected.json) come from herd7 (herdtools7 7.56, INRIA/ARM: the tool that
runs the architectures' official axiomatic models), on the tests this module emits with
`python3 -m pyharness litmus --emit-herd DIR` (translations by the C/C++11 mappings: ARMv8
LDR/STR/LDAR/STLR/DMB, x86 MOV/MFENCE):
  ARM  herd7 -model aarch64.cat DIR/AArch64/*.litmus   (the ARMv8 model in herdtools7's libdir, the
       axiomatic model of the Arm ARM, B2.3; "other-multi-copy-atomic")
  SC   herd7 -model sc.cat DIR/AArch64/*.litmus        (Lamport SC: acyclic po | com)
  TSO  herd7 -model x86tso.cat DIR/X86/*.litmus        (x86-TSO, Owens/Sarkar/Sewell)
  PSO  herd7 -model DIR/pso.cat DIR/AArch64/*.litmus   (SPARC V9 PSO, Appendix D.4: x86tso.cat's
       relations without [W];po;[W], except to a release store or across a store/full fence;
       written here, cat file emitted with the tests)
The `kind` column cites the herdtools7 catalogue where the test is there (catalogue/aarch64/tests
and catalogue/aarch64-readers-guide/tests, kinds.txt: Allowed/Forbidden of the `exists` outcome).
RVWMO (RISC-V) agrees with ARMv8 on every test here (RVWMO spec, chapter 17 and appendix A: the
same classic shapes; MCA; fence r,rw / w,w as dmb ld / st), so the ARM column also stands for it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from . import model, runtime
from .workload import Workload

LOCS = {"x": 128, "y": 192, "z": 256}      # words in the model's ring buffer, separate lines
EXPECTED_PATH = Path(__file__).with_name("litmus_expected.json")
MODELS = ("SC", "TSO", "PSO", "ARM")


@dataclass(frozen=True)
class W:
    loc: str
    val: int
    order: str = "rlx"           # rlx | rel


@dataclass(frozen=True)
class R:
    loc: str
    order: str = "rlx"           # rlx | acq


@dataclass(frozen=True)
class F:
    kind: str = "full"           # full | acq | rel | wmb | rmb | heavy


@dataclass(frozen=True)
class U:
    """An atomic update, its result not part of the outcome: tas (mn_test_and_set: writes 1,
    acquire) or fadd (mn_fetch_add of val, seq_cst)."""
    loc: str
    op: str = "fadd"
    val: int = 1


FENCES = {"full": model.FENCE_FULL, "acq": model.FENCE_ACQUIRE, "rel": model.FENCE_RELEASE,
          "wmb": model.FENCE_WMB, "rmb": model.FENCE_RMB,
          # the asymmetric barrier's heavy side: herd7 has no such fence, so it is never in TESTS
          # (tests/model/test_arm.py checks it against what membarrier(2) promises)
          "heavy": model.FENCE_HEAVY}


@dataclass(frozen=True)
class Test:
    name: str
    threads: tuple
    final: tuple = ()            # locations whose final value is part of the outcome
    exists: str = ""             # the interesting outcome, herd syntax (for the emitted tests)
    cite: str = ""               # catalogue entry: "aarch64/MP Allowed" ...

    def regs(self) -> list[tuple[int, int]]:
        """(thread, index of the operation) of every load, in order: the outcome's registers."""
        return [(t, i) for t, prog in enumerate(self.threads)
                for i, ins in enumerate(prog) if isinstance(ins, R)]

    def columns(self) -> list[str]:
        cols = []
        for t, prog in enumerate(self.threads):
            k = 0
            for ins in prog:
                if isinstance(ins, R):
                    cols.append(f"{t}:r{k}")
                    k += 1
        return cols + list(self.final)


def _t(name, threads, final=(), exists="", cite=""):
    return Test(name, tuple(tuple(p) for p in threads), tuple(final), exists, cite)


TESTS: list[Test] = [
    _t("MP", [[W("x", 1), W("y", 1)], [R("y"), R("x")]], exists="1:r0=1 /\\ 1:r1=0",
       cite="aarch64/MP Allowed"),
    _t("MP+rel+acq", [[W("x", 1), W("y", 1, "rel")], [R("y", "acq"), R("x")]],
       exists="1:r0=1 /\\ 1:r1=0", cite="aarch64/MP+rel+acq Forbidden"),
    _t("MP+fences", [[W("x", 1), F(), W("y", 1)], [R("y"), F(), R("x")]],
       exists="1:r0=1 /\\ 1:r1=0", cite="aarch64/MP+dmb.sys Forbidden"),
    _t("MP+wmb+rmb", [[W("x", 1), F("wmb"), W("y", 1)], [R("y"), F("rmb"), R("x")]],
       exists="1:r0=1 /\\ 1:r1=0"),
    _t("MP+wmb+po", [[W("x", 1), F("wmb"), W("y", 1)], [R("y"), R("x")]],
       exists="1:r0=1 /\\ 1:r1=0"),
    _t("MP+rel+po", [[W("x", 1), W("y", 1, "rel")], [R("y"), R("x")]],
       exists="1:r0=1 /\\ 1:r1=0"),
    _t("MP+acqfence", [[W("x", 1), W("y", 1, "rel")], [R("y"), F("acq"), R("x")]],
       exists="1:r0=1 /\\ 1:r1=0"),
    _t("SB", [[W("x", 1), R("y")], [W("y", 1), R("x")]], exists="0:r0=0 /\\ 1:r0=0",
       cite="aarch64/SB Allowed"),
    _t("SB+fences", [[W("x", 1), F(), R("y")], [W("y", 1), F(), R("x")]],
       exists="0:r0=0 /\\ 1:r0=0", cite="aarch64/SB+dmb.sys Forbidden"),
    _t("SB+rel+acq", [[W("x", 1, "rel"), R("y", "acq")], [W("y", 1, "rel"), R("x", "acq")]],
       exists="0:r0=0 /\\ 1:r0=0"),
    _t("LB", [[R("x"), W("y", 1)], [R("y"), W("x", 1)]], exists="0:r0=1 /\\ 1:r0=1",
       cite="aarch64/LB Allowed"),
    _t("LB+rel+acq", [[R("x"), W("y", 1, "rel")], [R("y", "acq"), W("x", 1)]],
       exists="0:r0=1 /\\ 1:r0=1"),
    _t("LB+fences", [[R("x"), F(), W("y", 1)], [R("y"), F(), W("x", 1)]],
       exists="0:r0=1 /\\ 1:r0=1", cite="aarch64/LB+dmb.sys Forbidden"),
    _t("LB+acq+po", [[R("x", "acq"), W("y", 1)], [R("y"), W("x", 1)]],
       exists="0:r0=1 /\\ 1:r0=1"),
    _t("LB+wmbs", [[R("x"), F("wmb"), W("y", 1)], [R("y"), F("wmb"), W("x", 1)]],
       exists="0:r0=1 /\\ 1:r0=1"),
    _t("S", [[W("x", 2), W("y", 1)], [R("y"), W("x", 1)]], final=("x",),
       exists="x=2 /\\ 1:r0=1", cite="aarch64/S Allowed"),
    _t("S+fences", [[W("x", 2), F(), W("y", 1)], [R("y"), F(), W("x", 1)]], final=("x",),
       exists="x=2 /\\ 1:r0=1", cite="aarch64/S+dmb.sys Forbidden"),
    _t("R", [[W("x", 1), W("y", 1)], [W("y", 2), R("x")]], final=("y",),
       exists="y=2 /\\ 1:r0=0", cite="aarch64/R Allowed"),
    _t("R+fences", [[W("x", 1), F(), W("y", 1)], [W("y", 2), F(), R("x")]], final=("y",),
       exists="y=2 /\\ 1:r0=0", cite="aarch64/R+dmb.sys Forbidden"),
    _t("2+2W", [[W("x", 2), W("y", 1)], [W("y", 2), W("x", 1)]], final=("x", "y"),
       exists="x=2 /\\ y=2", cite="aarch64/2+2W Allowed"),
    _t("2+2W+wmbs", [[W("x", 2), F("wmb"), W("y", 1)], [W("y", 2), F("wmb"), W("x", 1)]],
       final=("x", "y"), exists="x=2 /\\ y=2"),
    _t("WRC", [[W("x", 1)], [R("x"), W("y", 1)], [R("y"), R("x")]],
       exists="1:r0=1 /\\ 2:r0=1 /\\ 2:r1=0", cite="aarch64-readers-guide/WRC Allowed"),
    _t("WRC+rel+acq", [[W("x", 1)], [R("x"), W("y", 1, "rel")], [R("y", "acq"), R("x")]],
       exists="1:r0=1 /\\ 2:r0=1 /\\ 2:r1=0"),
    _t("IRIW", [[W("x", 1)], [R("x"), R("y")], [W("y", 1)], [R("y"), R("x")]],
       exists="1:r0=1 /\\ 1:r1=0 /\\ 3:r0=1 /\\ 3:r1=0",
       cite="aarch64-readers-guide/IRIW Allowed"),
    _t("IRIW+acqs", [[W("x", 1)], [R("x", "acq"), R("y")], [W("y", 1)], [R("y", "acq"), R("x")]],
       exists="1:r0=1 /\\ 1:r1=0 /\\ 3:r0=1 /\\ 3:r1=0"),
    _t("ISA2", [[W("x", 1), W("y", 1)], [R("y"), W("z", 1)], [R("z"), R("x")]],
       exists="1:r0=1 /\\ 2:r0=1 /\\ 2:r1=0", cite="aarch64-readers-guide/ISA2 Allowed"),
    _t("ISA2+rel+acqs", [[W("x", 1), W("y", 1, "rel")], [R("y", "acq"), W("z", 1, "rel")],
                         [R("z", "acq"), R("x")]],
       exists="1:r0=1 /\\ 2:r0=1 /\\ 2:r1=0"),
    _t("MP+wmb+acq", [[W("x", 1), F("wmb"), W("y", 1)], [R("y", "acq"), R("x")]],
       exists="1:r0=1 /\\ 1:r1=0"),
    _t("S+wmb+po", [[W("x", 2), F("wmb"), W("y", 1)], [R("y"), W("x", 1)]], final=("x",),
       exists="x=2 /\\ 1:r0=1"),
    _t("S+wmb+acq", [[W("x", 2), F("wmb"), W("y", 1)], [R("y", "acq"), W("x", 1)]],
       final=("x",), exists="x=2 /\\ 1:r0=1"),
    _t("LB+rel+rel", [[R("x"), W("y", 1, "rel")], [R("y"), W("x", 1, "rel")]],
       exists="0:r0=1 /\\ 1:r0=1"),
    _t("2+2W+rels", [[W("x", 2), W("y", 1, "rel")], [W("y", 2), W("x", 1, "rel")]],
       final=("x", "y"), exists="x=2 /\\ y=2"),
    _t("WRC+wmb+acq", [[W("x", 1)], [R("x"), F("wmb"), W("y", 1)], [R("y", "acq"), R("x")]],
       exists="1:r0=1 /\\ 2:r0=1 /\\ 2:r1=0"),
    _t("WRC+rmb+acq", [[W("x", 1)], [R("x"), F("rmb"), W("y", 1)], [R("y", "acq"), R("x")]],
       exists="1:r0=1 /\\ 2:r0=1 /\\ 2:r1=0"),
    _t("LB3", [[R("x"), W("y", 1)], [R("y"), W("z", 1)], [R("z"), W("x", 1)]],
       exists="0:r0=1 /\\ 1:r0=1 /\\ 2:r0=1"),
    _t("SB+rel+fence", [[W("x", 1, "rel"), F(), R("y")], [W("y", 1), F(), R("x")]],
       exists="0:r0=0 /\\ 1:r0=0"),
    _t("R+wmb+fence", [[W("x", 1), F("wmb"), W("y", 1)], [W("y", 2), F(), R("x")]],
       final=("y",), exists="y=2 /\\ 1:r0=0"),
    _t("SB+fadd+fence", [[U("x"), R("y")], [W("y", 1), F(), R("x")]],
       exists="0:r0=0 /\\ 1:r0=0"),
    _t("SB+fadd-acq+fence", [[U("x"), R("y", "acq")], [W("y", 1), F(), R("x")]],
       exists="0:r0=0 /\\ 1:r0=0"),
    _t("SB+tas+fence", [[U("x", "tas"), R("y")], [W("y", 1), F(), R("x")]],
       exists="0:r0=0 /\\ 1:r0=0"),
    _t("MP+fadd+acq", [[W("x", 1), U("y")], [R("y", "acq"), R("x")]],
       exists="1:r0=1 /\\ 1:r1=0"),
    _t("MP+tas+rel", [[W("x", 1), W("y", 1, "rel")], [U("z", "tas"), R("y"), R("x")]],
       exists="1:r0=1 /\\ 1:r1=0"),
    _t("2+fadd", [[U("x"), R("y")], [U("x"), W("y", 1)]], final=("x",), exists="x=1"),
    _t("CoRR", [[W("x", 1)], [R("x"), R("x")]], exists="1:r0=1 /\\ 1:r1=0",
       cite="aarch64/CoRR Forbidden"),
    _t("CoWR", [[W("x", 1), R("x")], [W("x", 2)]], final=("x",),
       exists="0:r0=2 /\\ x=1", cite="aarch64/CoWR Forbidden (one thread; two here)"),
    _t("CoRW1", [[R("x"), W("x", 1)]], exists="0:r0=1", cite="aarch64/CoRW1 Forbidden"),
    _t("CoRW2", [[W("x", 1)], [R("x"), W("x", 2)]], final=("x",), exists="x=1 /\\ 1:r0=1",
       cite="aarch64/CoRW2 Forbidden"),
    _t("CoWW", [[W("x", 1), W("x", 2)]], final=("x",), exists="x=1",
       cite="aarch64/CoWW Forbidden"),
]
BY_NAME = {t.name: t for t in TESTS}


# ---- running a test on the model runtime ----------------------------------------------------------
def workload(test: Test, mm: str) -> Workload:
    progs = []
    for prog in test.threads:
        ops = []
        for ins in prog:
            if isinstance(ins, W):
                order = model.RELEASE if ins.order == "rel" else model.RELAXED
                ops.append((model.OP_STORE, LOCS[ins.loc], order, ins.val))
            elif isinstance(ins, R):
                order = model.ACQUIRE if ins.order == "acq" else model.RELAXED
                ops.append((model.OP_LOAD, LOCS[ins.loc], order, 0))
            elif isinstance(ins, U):
                if ins.op == "tas":
                    ops.append((model.OP_TAS, LOCS[ins.loc], model.ACQUIRE, 1))
                else:
                    ops.append((model.OP_FETCH_ADD, LOCS[ins.loc], model.SEQ_CST, ins.val))
            else:
                ops.append((model.OP_FENCE, 0, FENCES[ins.kind], 0))   # a fence's order: its kind
        progs.append(tuple(ops))
    return Workload(protocol="litmus", memory_model=mm, producers=(), litmus=tuple(progs),
                    litmus_final=tuple(LOCS[l] for l in test.final),
                    max_promises=len(test.threads))


@dataclass
class Observed:
    outcomes: set
    executions: int
    pruned: int
    rounds: int
    seconds: float


def run(test: Test, mm: str, variant: str = "fixed") -> Observed:
    """Every outcome of `test` under `mm`: an unbounded exhaustive search (these programs are tiny)."""
    w = workload(test, mm)
    regs = test.regs()
    seen: set = set()

    def on(r):
        if r.pruned or r.violation:
            return
        seen.add(tuple(int(r.litmus_regs[t][i]) for t, i in regs) +
                 tuple(int(r.litmus_final[k]) for k in range(len(test.final))))

    st = runtime.each_result(lambda: runtime.explore(w.with_(variant=variant), 64, stop=False),
                             on, variant=variant).stats
    if not st.exhausted:
        raise RuntimeError(f"{test.name} under {mm}: the search did not finish")
    return Observed(seen, st.executions, st.pruned, st.rounds, st.seconds)


def fmt(test: Test, outcome: tuple) -> str:
    return " ".join(f"{c}={v}" for c, v in zip(test.columns(), outcome))


def expected() -> dict:
    """{test: {model: set of outcome tuples}} from litmus_expected.json (models: MODELS and
    RVWMO)."""
    raw = json.loads(EXPECTED_PATH.read_text())
    return {t: {m: {tuple(o) for o in outs} for m, outs in per.items()}
            for t, per in raw["tests"].items()}


# ---- herd7 translations (for regenerating litmus_expected.json) -----------------------------------
def _program(cols: list[list[str]]) -> list[str]:
    """herd7's program block: one column of instructions per thread, `|` between, `;` after."""
    height = max(len(c) for c in cols)
    width = max(len(x) for c in cols for x in c) + 1
    rows = [" " + " | ".join(f"P{t}".ljust(width) for t in range(len(cols))) + " ;"]
    for r in range(height):
        rows.append(" " + " | ".join((c[r] if r < len(c) else "").ljust(width) for c in cols) + " ;")
    return rows


def _herd_cond(test: Test, x86: bool) -> str:
    out = []
    for atom in test.exists.split("/\\"):
        lhs, rhs = (s.strip() for s in atom.split("="))
        if ":r" in lhs:
            t, k = lhs.split(":r")
            name = _x86reg(int(k)) if x86 else f"X{10 + int(k)}"
            out.append(f"{t}:{name}={rhs}")
        else:
            out.append(f"[{lhs}]={rhs}" if not x86 else f"{lhs}={rhs}")
    return " /\\ ".join(out)


def _x86reg(k: int) -> str:
    return ["EAX", "EBX", "ECX", "EDX"][k]


def _locations(test: Test, x86: bool) -> str:
    cols = []
    for t, prog in enumerate(test.threads):
        k = 0
        for ins in prog:
            if isinstance(ins, R):
                cols.append(f"{t}:{_x86reg(k) if x86 else f'X{10 + k}'}")
                k += 1
    cols += [f"{l}" if x86 else f"[{l}]" for l in test.final]
    return "locations [" + "".join(c + ";" for c in cols) + "]"


def _locs(test: Test) -> list[str]:
    """The test's shared locations, sorted (register j of every thread holds the j-th's address)."""
    return sorted({ins.loc for p in test.threads for ins in p if not isinstance(ins, F)})


def _reg_init(test: Test, locs: list[str], reg) -> str:
    """herd's init block for the address registers: every thread's reg(j) = locs[j]."""
    return " ".join(f"{t}:{reg(j)}={l};" for t in range(len(test.threads))
                    for j, l in enumerate(locs))


def herd_aarch64(test: Test) -> str:
    locs = _locs(test)
    init = _reg_init(test, locs, lambda j: f"X{1 + j}")
    cols = []
    for t, prog in enumerate(test.threads):
        lines, k = [], 0
        for ins in prog:
            if isinstance(ins, W):
                lines.append(f"MOV W0,#{ins.val}")
                lines.append(f"{'STLR' if ins.order == 'rel' else 'STR'} W0,[X{1 + locs.index(ins.loc)}]")
            elif isinstance(ins, R):
                lines.append(f"{'LDAPR' if ins.order == 'acq' else 'LDR'} W{10 + k},"
                             f"[X{1 + locs.index(ins.loc)}]")
                k += 1
            elif isinstance(ins, U):
                lines.append(f"MOV W0,#{1 if ins.op == 'tas' else ins.val}")
                if ins.op == "fadd":             # fully ordered (atomic.h): dmb; ldaddal; dmb
                    lines.append("DMB SY")
                lines.append(f"{'SWPA' if ins.op == 'tas' else 'LDADDAL'} W0,W9,"
                             f"[X{1 + locs.index(ins.loc)}]")
                if ins.op == "fadd":
                    lines.append("DMB SY")
            else:
                lines.append({"full": "DMB SY", "rel": "DMB SY", "acq": "DMB LD",
                              "rmb": "DMB LD", "wmb": "DMB ST"}[ins.kind])
        cols.append(lines)
    rows = _program(cols)
    return (f"AArch64 {test.name}\n{{\n{init}\n}}\n" + "\n".join(rows) + "\n" +
            _locations(test, False) + "\n" + f"exists ({_herd_cond(test, False)})\n")


def herd_x86(test: Test) -> str:
    """x86: every store is MOV (release too), every load MOV (acquire too), a full fence MFENCE,
    the other fences nothing (the C/C++11 mapping for x86-TSO)."""
    cols = []
    for t, prog in enumerate(test.threads):
        lines, k = [], 0
        for ins in prog:
            if isinstance(ins, W):
                lines.append(f"MOV [{ins.loc}],${ins.val}")
            elif isinstance(ins, R):
                lines.append(f"MOV {_x86reg(k)},[{ins.loc}]")
                k += 1
            elif isinstance(ins, U):
                lines.append(f"LOCK ADD [{ins.loc}],${0 if ins.op == 'tas' else ins.val}"
                             if ins.op == "fadd" else f"MOV ESI,$1")
                if ins.op == "tas":
                    lines.append(f"XCHG [{ins.loc}],ESI")
            elif ins.kind == "full":
                lines.append("MFENCE")
        cols.append(lines or ["NOP"])
    rows = _program(cols)
    locs = _locs(test)
    return (f"X86 {test.name}\n{{ {' '.join(f'{l}=0;' for l in locs)} }}\n" + "\n".join(rows) +
            "\n" + _locations(test, True) + "\n" + f"exists ({_herd_cond(test, True)})\n")


def herd_riscv(test: Test) -> str:
    """RISC-V, as GCC 12 compiles the ordering layer (docs/memory-models.md's mapping table):
    acquire load lw + fence rw,rw; release store fence rw,w + amoswap; relaxed store amoswap;
    test-and-set amoswap.w.aq; fetch_add fence rw,w + amoadd.w.aq + fence rw,rw; full/acquire/
    release fence fence rw,rw; wmb fence w,w; rmb fence r,rw."""
    locs = _locs(test)
    init = _reg_init(test, locs, lambda j: f"x{6 + j}")
    cols = []
    for t, prog in enumerate(test.threads):
        lines, k = [], 0
        for ins in prog:
            if isinstance(ins, W):
                a = f"x{6 + locs.index(ins.loc)}"
                lines.append(f"ori x5,x0,{ins.val}")
                if ins.order == "rel":
                    lines.append("fence rw,w")
                lines.append(f"amoswap.w x0,x5,({a})")
            elif isinstance(ins, R):
                lines.append(f"lw x{20 + k},0(x{6 + locs.index(ins.loc)})")
                if ins.order == "acq":
                    lines.append("fence rw,rw")
                k += 1
            elif isinstance(ins, U):
                a = f"x{6 + locs.index(ins.loc)}"
                lines.append(f"ori x5,x0,{1 if ins.op == 'tas' else ins.val}")
                if ins.op == "tas":
                    lines.append(f"amoswap.w.aq x9,x5,({a})")
                else:
                    lines.append("fence rw,w")
                    lines.append(f"amoadd.w.aq x9,x5,({a})")
                    lines.append("fence rw,rw")
            else:
                lines.append({"full": "fence rw,rw", "rel": "fence rw,rw", "acq": "fence rw,rw",
                              "rmb": "fence r,rw", "wmb": "fence w,w"}[ins.kind])
        cols.append(lines)
    rows = _program(cols)
    regs = []
    for t, prog in enumerate(test.threads):
        k = 0
        for ins in prog:
            if isinstance(ins, R):
                regs.append(f"{t}:x{20 + k}")
                k += 1
    loc = "locations [" + "".join(c + ";" for c in regs + list(test.final)) + "]"
    cond = test.exists
    for t in range(len(test.threads)):
        for k in range(8):
            cond = cond.replace(f"{t}:r{k}=", f"{t}:x{20 + k}=")
    return f"RISCV {test.name}\n{{\n{init}\n}}\n" + "\n".join(rows) + f"\n{loc}\nexists ({cond})\n"


PSO_CAT = r'''PSO
(* SPARC V9 Partial Store Order (The SPARC Architecture Manual V9, Appendix D.4), as mnetif's
   model runs it, over herd7's AArch64 events: x86tso.cat's global-happens-before without the
   store-store order, which PSO keeps only to a release store (STLR: a store barrier before it)
   and across a full (DMB SY) or store (DMB ST) fence. Loads are never reordered. *)
include "cos.cat"
let com = rf | fr | co
acyclic po-loc | com as uniproc
empty rmw & (fre;coe) as atomic
let sst = [W];po;[L] | [W];po;[DMB.SY | DMB.ST];po;[W]
let full = [M];po;[DMB.SY];po;[M]
(* an atomic update drains the store buffer first and commits at once (SPARC's atomics) *)
let atom = domain(rmw) | range(rmw)
let rmwfence = [M];po;[atom] | [atom];po;[M]
let ppo = [R];po;[M] | sst | full | rmwfence
acyclic ppo | rfe | fr | co as pso
'''


def emit_herd(outdir: Path) -> list[Path]:
    """Writes every test for herd7 (AArch64/ and X86/) and pso.cat; returns the files."""
    files = []
    for sub, fn in (("AArch64", herd_aarch64), ("X86", herd_x86), ("RISCV", herd_riscv)):
        d = outdir / sub
        d.mkdir(parents=True, exist_ok=True)
        for t in TESTS:
            p = d / f"{t.name}.litmus"
            p.write_text(fn(t))
            files.append(p)
    (outdir / "pso.cat").write_text(PSO_CAT)
    files.append(outdir / "pso.cat")
    return files


HERD_RUNS = (("SC", "sc.cat", "AArch64", False), ("TSO", "x86tso.cat", "X86", True),
             ("PSO", "pso.cat", "AArch64", False), ("ARM", "aarch64.cat", "AArch64", False),
             ("RVWMO", "riscv.cat", "RISCV", "riscv"))


def update_expected(herd: str, libdir: str | None, workdir: Path) -> Path:
    """Runs herd7 on every test under every model (HERD_RUNS) and rewrites litmus_expected.json.
    RVWMO is GCC 12's RISC-V code under riscv.cat: the suite checks it is a subset of ARM."""
    import subprocess
    emit_herd(workdir)
    out = {}
    for t in TESTS:
        per = {}
        for m, cat, sub, kind in HERD_RUNS:
            model_arg = str(workdir / cat) if cat == "pso.cat" else cat
            cmd = [herd] + (["-I", libdir] if libdir else []) + \
                  ["-model", model_arg, str(workdir / sub / f"{t.name}.litmus")]
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode or "States" not in r.stdout:
                raise RuntimeError(f"herd7 failed on {t.name} ({m}): {r.stderr.strip() or r.stdout}")
            per[m] = sorted(parse_herd(t, r.stdout, kind))
        out[t.name] = per
    doc = {"source": "herd7 (herdtools7 7.56): ARM aarch64.cat, SC sc.cat, TSO x86tso.cat on the X86 "
                     "translation, PSO pso.cat (litmus.py PSO_CAT), RVWMO riscv.cat on the RISCV "
                     "translation (GCC 12's code; must be a subset of ARM); tests from "
                     "`python3 -m pyharness litmus --emit-herd DIR`",
           "columns": {t.name: t.columns() for t in TESTS}, "tests": out}
    EXPECTED_PATH.write_text(json.dumps(doc, indent=1) + "\n")
    return EXPECTED_PATH


def parse_herd(test: Test, text: str, x86) -> set:
    """The outcome set from herd7's output for `test` ('States N' then one line per state)."""
    lines = text.splitlines()
    i = next(k for k, l in enumerate(lines) if l.startswith("States"))
    n = int(lines[i].split()[1])
    regs = []
    for t, prog in enumerate(test.threads):
        k = 0
        for ins in prog:
            if isinstance(ins, R):
                regs.append(f"{t}:{_x86reg(k) if x86 == True else f'x{20 + k}' if x86 == 'riscv' else f'X{10 + k}'}")
                k += 1
    keys = regs + [l if x86 else f"[{l}]" for l in test.final]
    out = set()
    for line in lines[i + 1:i + 1 + n]:
        raw = dict(a.strip().split("=") for a in line.strip().rstrip(";").split(";") if a.strip())
        vals = {k.strip(): int(v) for k, v in raw.items()}
        out.add(tuple(vals.get(k, vals.get(k.strip("[]"))) for k in keys))
    return out
