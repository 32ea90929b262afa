"""SVG timeline of one execution: one lane per actor, one mark per visible operation (colour and
letter by kind: L load, S store, S* buffered store, D its drain, F fence, T test-and-set, A
fetch-add, Ci/Co frame copy in/out, W spin-wait, N notify, K kill, P promise; hover for the full
step), reads-from edges under ARM (a curve from the step that wrote a value to the load of another
actor that read it; dashed when the writer had only promised it), the header state (cur/avail/lock)
along the bottom (or the words a user's workload watches: `header`), and the violating step
outlined in red. Plain SVG 1.1, no dependencies. Any execution with `steps` (runtime.Step's
fields) and `violation` (prop, step) renders: the mnetif runtime's and a user workload's
(usercheck.py)."""
from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any, Protocol


class Execution(Protocol):
    """What a timeline reads: steps with runtime.Step's fields, the violation (prop, step) or
    None, and case.workload.label() for the default title."""
    steps: list
    violation: Any
    case: Any

COLOURS = {"load": "#4c78a8", "store": "#f58518", "fence": "#54a24b", "tas": "#b279a2",
           "fetch_add": "#b279a2", "copy_in": "#e45756", "copy_out": "#72b7b2", "spin": "#bab0ac",
           "notify": "#eeca3b", "drain": "#9d755d", "kill": "#000000", "promise": "#7f3c8d"}
ABBREV = {"load": "L", "store": "S", "fence": "F", "tas": "T", "fetch_add": "A",
          "copy_in": "Ci", "copy_out": "Co", "spin": "W", "notify": "N", "drain": "D", "kill": "K",
          "promise": "P"}
STEP_W, LANE_H, LEFT, TOP = 22, 34, 110, 40


def _kind(op: str) -> str:
    op = op.lower()
    for k in COLOURS:
        if op.startswith(k):
            return k
    return "load" if "load" in op else "store" if "store" in op else "fence"


HEADER = ("cur", "avail", "lock")


def timeline(ex: Execution, title: str = "", header: tuple = HEADER) -> str:
    actors: list[str] = []
    for s in ex.steps:
        if s.actor not in actors:
            actors.append(s.actor)
    n = max(len(ex.steps), 1)
    width = max(LEFT + n * STEP_W + 20, 900)
    hdr_top = TOP + len(actors) * LANE_H + 10
    height = hdr_top + len(header) * 16 + 40
    bad = ex.violation.step if ex.violation else -1
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="monospace" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="8" y="16" font-size="13">{escape(title or ex.case.workload.label())}</text>']
    if ex.violation:
        out.append(f'<text x="8" y="32" fill="#c00">{escape(ex.violation.prop)}</text>')
    for i, a in enumerate(actors):
        y = TOP + i * LANE_H + LANE_H // 2
        out.append(f'<text x="8" y="{y + 4}">{escape(a)}</text>')
        out.append(f'<line x1="{LEFT}" y1="{y}" x2="{width - 10}" y2="{y}" stroke="#ddd"/>')
    for s in ex.steps:
        x = LEFT + s.index * STEP_W
        y = TOP + actors.index(s.actor) * LANE_H + 6
        colour = COLOURS[_kind(s.op)]
        tip = f"#{s.index} {s.actor} {s.op} {s.field} {s.order} {s.value}"
        stroke = ' stroke="#c00" stroke-width="3"' if s.index == bad else ""
        out.append(f'<rect x="{x}" y="{y}" width="{STEP_W - 4}" height="{LANE_H - 12}" '
                   f'fill="{colour}"{stroke}><title>{escape(tip)}</title></rect>')
        label = ABBREV.get(_kind(s.op), "?") + ("*" if s.buffered else "")
        out.append(f'<text x="{x + 2}" y="{y + 15}" fill="white" font-size="9">{label}</text>')
        if s.index % 5 == 0:
            out.append(f'<text x="{x}" y="{TOP - 4}" fill="#888">{s.index}</text>')
    # Reads-from (ARM): writer's mark -> reader's mark, for values another actor wrote.
    for s in ex.steps:
        if s.rf < 0 or s.rf >= len(ex.steps) or ex.steps[s.rf].actor == s.actor:
            continue
        w = ex.steps[s.rf]
        x1 = LEFT + w.index * STEP_W + (STEP_W - 4) // 2
        y1 = TOP + actors.index(w.actor) * LANE_H + LANE_H // 2
        x2 = LEFT + s.index * STEP_W + (STEP_W - 4) // 2
        y2 = TOP + actors.index(s.actor) * LANE_H + LANE_H // 2
        dash = ' stroke-dasharray="4 2"' if w.op == "promise" else ""
        out.append(f'<path d="M{x1},{y1} C{x1},{(y1 + y2) // 2} {x2},{(y1 + y2) // 2} {x2},{y2}" '
                   f'fill="none" stroke="#7f3c8d" stroke-width="1.2"{dash}>'
                   f'<title>{escape(f"#{s.index} reads from #{w.index}")}</title></path>')
    # Header state under the lanes: one row per field, the value printed when it changes.
    for r, key in enumerate(header):
        y = hdr_top + r * 16 + 12
        out.append(f'<text x="8" y="{y}">{key}</text>')
        prev = None
        for s in ex.steps:
            v = s.header.get(key)
            if v is not None and v != prev:
                out.append(f'<text x="{LEFT + s.index * STEP_W}" y="{y}">{v}</text>')
                prev = v
    legend_y = height - 10
    for i, (k, c) in enumerate(COLOURS.items()):
        out.append(f'<rect x="{8 + i * 80}" y="{legend_y - 9}" width="10" height="10" fill="{c}"/>'
                   f'<text x="{22 + i * 80}" y="{legend_y}">{k}</text>')
    out.append("</svg>")
    return "\n".join(out)


def write(ex: Execution, path: Path, title: str = "", header: tuple = HEADER) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(timeline(ex, title, header))
    return path
