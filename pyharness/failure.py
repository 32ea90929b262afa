"""Readable failure output: the violated property, a numbered step table, the replay token.

The text is what a test prints on failure, what `python -m pyharness replay TOKEN` prints, and what
the report embeds, so the three can be compared line for line.
"""
from __future__ import annotations

from .runtime import Execution

# Header fields shown after each step, in this order (short names keep the table narrow).
HEADER_COLUMNS = (("cur", "cur"), ("avail", "avail"), ("lock", "lk"), ("wake", "wake"),
                  ("frames", "frm"), ("error", "err"))


def header_text(h: dict) -> str:
    return " ".join(f"{short}={h[k]}" for k, short in HEADER_COLUMNS if k in h)


def step_table(ex: Execution, limit: int | None = None) -> str:
    """A numbered table: step, actor, op, field, order, value, header after the step.

    The violating step (if any) is marked with '>>'. limit keeps the last `limit` steps."""
    rows = [("#", "actor", "op", "field", "order", "value", "header after")]
    bad = ex.violation.step if ex.violation else -1
    steps = ex.steps if limit is None or len(ex.steps) <= limit else ex.steps[-limit:]
    for s in steps:
        mark = ">>" if s.index == bad else ""
        # ARM: where a load's value came from (the writing step), when another actor wrote it
        rf = f" <-#{s.rf}" if s.rf >= 0 and ex.steps[s.rf].actor != s.actor else ""
        rows.append((f"{mark}{s.index}", s.actor, s.op + ("*" if s.buffered else ""), s.field, s.order, _value(s.value) + rf,
                     header_text(s.header)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for r in rows:
        cells = [r[i].rjust(widths[i]) if i in (0, 5) else r[i].ljust(widths[i])
                 for i in range(len(widths))]
        lines.append("  ".join(cells) + "  " + r[-1])
    if limit is not None and len(ex.steps) > limit:
        lines.insert(1, f"... {len(ex.steps) - limit} earlier steps omitted")
    return "\n".join(lines)


def _value(v) -> str:
    if v is None:
        return ""
    if isinstance(v, int) and v > 0xFFFF:
        return hex(v)
    return str(v)


def describe(ex: Execution, limit: int | None = 200) -> str:
    """The full failure text: property, workload, schedule, step table, token, replay command."""
    case = ex.case
    out = []
    if ex.violation:
        v = ex.violation
        out.append(f"PROPERTY VIOLATED: {v.prop}" + (f" at step {v.step}" if v.step >= 0 else ""))
        if v.message:
            out.append(f"  {v.message}")
    else:
        out.append("no property violated")
    out.append(f"workload: {case.workload.label()}")
    out.append(f"frames:   {list(map(list, case.workload.producers))}")
    out.append(f"schedule: {list(case.choices)} ({sum(1 for c in case.choices if c)} preemptions)")
    out.append(step_table(ex, limit))
    if ex.final:
        out.append("final: " + ", ".join(f"{k}={v}" for k, v in ex.final.items()))
    out.append(f"replay:   python -m pyharness replay {case.token()}")
    return "\n".join(out)
