"""`python -m pyharness replay mn1.… --emit-c DIR`: a C reproducer of an mnetif model execution.

DIR gets the model build's sources (c/model: the checker runtime and the mnetif workload; c/src
and c/include: the ring code it ran, or a mutant's edited ring.c), main.c with the workload as a
struct mn_model_workload initializer, the schedule and (ARM) the promise table, a Makefile with
the model build's flags and variant switch, and a README. `make` builds and runs it: one execution
(mn_model_run), its steps (actor, op, field, value, committed sr_cur/sr_avail/sr_lock) and the
verdict; exit 0 when the violation is reproduced. emit.py does the same for third-party tokens.
"""
from __future__ import annotations

import ctypes as C
import shutil
from pathlib import Path

from mnetif import native
from . import model, runtime
from .emit import EmitError, _c_string
from .workload import Case

ROOT = native.ROOT
SOURCES = ("c/model", "c/src", "c/include")


def _init(v) -> str:
    """A C initializer for a ctypes value (structures and arrays by position)."""
    if isinstance(v, C.Array):
        return "{ " + ", ".join(_init(x) for x in v) + " }"
    if isinstance(v, C.Structure):
        return "{ " + ", ".join(_init(getattr(v, f)) for f, *_ in v._fields_) + " }"
    if isinstance(v, bytes):                     # c_char arrays read back as bytes
        return _c_string(v.decode("latin-1"))
    if isinstance(v, int):
        return f"{v}" if v >= 0 else f"({v})"
    raise EmitError(f"cannot write {type(v).__name__} as a C initializer")


def _workload_init(w: model.CWorkload) -> str:
    parts = []
    for f, *_ in w._fields_:
        if f in ("promise_cands", "promise_blob", "npromise_cands"):
            continue                              # set in main() from the arrays below
        parts.append(f"\t.{f} = {_init(getattr(w, f))},")
    return "\n".join(parts)


def _promises(w: model.CWorkload) -> tuple[str, str]:
    n = w.npromise_cands
    cands = [w.promise_cands[i] for i in range(n)]
    blob_len = max([c.value + c.size for c in cands if c.bytes] or [0])
    blob = [w.promise_blob[i] for i in range(blob_len)]
    return (",\n\t".join(_init(c) for c in cands) or "{ 0 }",
            ", ".join(str(b) for b in blob) or "0")


def emit(case: Case, outdir: Path) -> Path:
    w = case.workload
    ex = runtime.run(case)
    cw = runtime.to_c(w)
    variant = w.variant
    mutant = native.BUILD / "model" / "mutants" / variant / "ring.c"
    if variant != "fixed" and variant not in model.VARIANTS:
        raise EmitError(f"unknown variant {variant!r}")
    outdir = Path(outdir)
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        for d in SOURCES:
            dst = outdir / d
            if dst.exists():
                shutil.rmtree(dst)
            shutil.copytree(ROOT / d, dst, ignore=shutil.ignore_patterns("tests", "thirdparty", "*.o"))
        if mutant.exists():                       # a mutant: its edited copy IS the ring code
            shutil.copy2(mutant, outdir / "c" / "src" / "ring.c")
        (outdir / "main.c").write_text(_main_c(case, cw, ex))
        (outdir / "Makefile").write_text(_makefile(variant, mutant.exists()))
        (outdir / "README.md").write_text(_readme(case, ex))
    except OSError as e:
        raise EmitError(f"cannot write the reproducer to {outdir}: {e.strerror or e}") from None
    return outdir


def _main_c(case: Case, cw: model.CWorkload, ex) -> str:
    expected = ex.violation.prop if ex.violation else "none"
    choices = ", ".join(str(c) for c in case.choices) or "0"
    cands, blob = _promises(cw)
    return f"""/* Reproducer of {case.workload.label()}, emitted by `python -m pyharness replay --emit-c`.
 * One execution of the mnetif model (mn_model_run) under the schedule below; prints its steps and
 * exits 0 when the violation {expected!r} is reproduced (1 when not). */
#include <stdio.h>
#include <string.h>

#include "model.h"

static const uint32_t choices[] = {{ {choices} }};
static const uint32_t nchoices = {len(case.choices)};
static struct mn_promise_cand promises[] = {{
\t{cands}
}};
static unsigned char promise_blob[] = {{ {blob} }};
static struct mn_model_workload w = {{
{_workload_init(cw)}
}};
static struct mn_model_step trace[1 << 14];
static struct mn_model_result r;

int main(void)
{{
	const char *expected = {_c_string(expected)};
	const char *got;
	uint32_t i, shown;

	w.npromise_cands = {cw.npromise_cands}u;
	w.promise_cands = w.npromise_cands ? promises : NULL;
	w.promise_blob = promise_blob;
	printf("variant: %s; schedule of %u choices\\n", mn_model_variant(), nchoices);
	if (mn_model_run(&w, choices, nchoices, &r, trace, sizeof(trace) / sizeof(trace[0]))) {{
		printf("invalid workload: %s\\n", r.message);
		return 2;
	}}
	printf("%4s  %-5s %-10s %-12s %-6s %-10s %6s %6s %6s\\n", "#", "actor", "op", "field", "index",
	       "value", "cur", "avail", "lock");
	shown = r.nsteps < sizeof(trace) / sizeof(trace[0]) ? r.nsteps : sizeof(trace) / sizeof(trace[0]);
	for (i = 0; i < shown; i++) {{
		const struct mn_model_step *s = &trace[i];

		printf("%4u%s %-5u %-9s%s %-12s %-6u %-10llu %6u %6u %6u\\n", i,
		       (int32_t)i == r.violation_step ? "!" : " ", s->actor, mn_model_op_name(s->op),
		       s->buffered ? "*" : " ", mn_model_field_name(s->field), s->index,
		       (unsigned long long)s->value, s->cur, s->avail, s->lock);
	}}
	got = mn_model_violation_name(r.violation);
	if (r.violation)
		printf("VIOLATION %s: %s\\n", got, r.message);
	else
		printf("no violation\\n");
	if (strcmp(got, expected)) {{
		printf("NOT REPRODUCED: expected %s\\n", expected);
		return 1;
	}}
	printf("REPRODUCED: %s\\n", expected);
	return 0;
}}
"""


def _makefile(variant: str, mutant: bool) -> str:
    switch = "" if variant == "fixed" else \
        f"-DMN_MODEL_MUTANT='\"{variant}\"'" if mutant else f"-DMN_ZOO_{variant.upper()}"
    return f"""# The reproducer: `make` builds ./repro (the model build of mnetif's ring code, variant
# {variant}) and runs it (exit 0: the violation is reproduced).
CC ?= cc
CFLAGS := -std=gnu11 -Wall -Wextra -Wno-unused-parameter -g -O2 -Ic/include -Ic/src -Ic/model \\
	-DMNETIF_MODEL -DMNETIF_WITH_2012 -DMN_MAX_PLUGS=4 {switch}
SRCS := $(filter-out c/model/bench_explore.c,$(wildcard c/model/*.c c/model/rt/*.c c/model/mnetif/*.c \\
	c/model/litmus/*.c)) c/model/rt/switch.S c/src/ring.c c/src/registry.c c/src/tx.c

.PHONY: run clean
run: repro
\t./repro

repro: main.c $(SRCS)
\t$(CC) $(CFLAGS) -o $@ main.c $(SRCS)

clean:
\trm -f repro
"""


def _readme(case: Case, ex) -> str:
    what = f"{ex.violation.prop}: {ex.violation.message}" if ex.violation else "no violation"
    return f"""# Reproducer: {case.workload.label()}

What: {what}

Run it: `make` (a C compiler and make). It prints the execution step by step (actor, operation,
field, value, and the committed sr_cur / sr_avail / sr_lock after the step; `*`: the store went to
the actor's store buffer) and exits 0 when the violation is reproduced.

Replay token (for `python -m pyharness replay` in an mnetif checkout):
`{case.token()}`
"""
