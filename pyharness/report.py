"""The campaign report (Markdown): bug zoo table, proof statements, fuzz budget, PCT bound, and the
failure text of every zoo counterexample. Written to <out>/report.md (build/report/ by default); the command prints only
the summary and the verdict (summary()), ending with the file's path."""
from __future__ import annotations

import os
import time
from pathlib import Path

from . import campaign
from .campaign import FuzzRow, ProofRow, ZooRow
from .failure import describe
from .progress import table


def zoo_table(rows: list[ZooRow]) -> str:
    out = []
    for r in rows:
        s = r.search
        if r.expect == "found":
            f = r.found
            out.append((r.case.name, r.mm, "found" if f else "NOT FOUND",
                        f.violation.prop if f else "-",
                        f"{s.find_s:.2f}" if s else "-", f"{s.shrink_s:.2f}" if s and f else "-",
                        f"{s.first_steps}->{len(f.steps)}" if f else "-",
                        sum(1 for c in f.case.choices if c) if f else "-",
                        "yes" if r.replayed else "NO", campaign.proof_phrase(r.proof),
                        "ok" if r.ok else "FAIL"))
        elif r.expect == "holds":
            out.append((r.case.name, r.mm, "holds" if r.found is None else "VIOLATED",
                        r.found.violation.prop if r.found else "-",
                        f"{s.find_s:.2f}" if s else "-", "-", "-", "-", "-",
                        f"{s.examples} examples; reached {', '.join(sorted(r.coverage))}",
                        "ok" if r.ok else "FAIL"))
        else:
            out.append((r.case.name, r.mm, "not found (expected)" if r.ok else "FOUND",
                        r.found.violation.prop if r.found else "-", "-", "-", "-", "-", "-",
                        campaign.proof_phrase(r.proof), "ok" if r.ok else "FAIL"))
    return table(out, ("case", "memory model", "result", "property", "find s", "shrink s",
                       "steps first->shrunk", "preemptions", "replayed", "fixed build / proof",
                       "verdict"))


def proofs_table(rows: list[ProofRow]) -> str:
    return table([(r.family.name, r.protocol, r.mm, r.bound, r.workloads, r.executions, r.violations,
                   "yes" if r.exhausted else "NO", f"{r.seconds:.1f}",
                   f"{r.executions / r.seconds:,.0f}" if r.seconds else "-",
                   ", ".join(sorted(r.coverage))) for r in rows],
                 ("family", "protocol", "memory model", "preemptions <=", "workloads", "executions",
                  "violations", "exhausted", "seconds", "executions/s", "states reached"))


def verdict(zoo: list[ZooRow], proofs: list[ProofRow], fuzz: list[FuzzRow], dpor: list,
            pct_ok: bool = True, litmus: list | None = None) -> bool:
    """PASS: every zoo case as expected, every proof exhausted without a violation, no fuzz
    finding, PCT found its zoo bug without a false alarm on the fixed build, and every litmus
    outcome set equals the published model's."""
    return all(r.ok for r in zoo) and all(r.violations == 0 and r.exhausted for r in proofs) and \
        all(f.found is None for f in fuzz) and all(d.violations == 0 and d.exhausted for d in dpor) \
        and pct_ok and all(r.ok for r in litmus or ())


def summary(zoo: list[ZooRow], proofs: list[ProofRow], fuzz: list[FuzzRow], dpor: list,
            pct_ok: bool, elapsed: float, litmus: list | None = None) -> tuple[str, bool]:
    """What `make report` ends with: one line per part and the verdict (the details are in the
    report file). Returns (text, ok)."""
    ok = verdict(zoo, proofs, fuzz, dpor, pct_ok, litmus)
    exhausted = sum(1 for r in proofs if r.exhausted and r.violations == 0)
    lines = [
        "== summary",
        f"bug zoo: {sum(r.ok for r in zoo)}/{len(zoo)} as expected"
        + "".join(f"; FAIL {r.case.name.split(':')[0]} [{r.mm}]" for r in zoo if not r.ok),
        f"bounded proofs: {exhausted}/{len(proofs)} exhausted without a violation, "
        f"{sum(r.executions for r in proofs)} executions",
        f"DPOR proofs: {sum(1 for d in dpor if d.exhausted and not d.violations)}/{len(dpor)} "
        f"exhausted without a violation, {sum(d.executions for d in dpor)} executions",
        f"fuzz: {sum(f.examples for f in fuzz)} examples, "
        + (", ".join(f.found.violation.prop for f in fuzz if f.found) or "no violation"),
        f"PCT: {'as expected' if pct_ok else 'NOT as expected'}",
    ] + ([f"litmus: {campaign.litmus_line(litmus)}"] if litmus else []) + [
        f"Verdict: {'PASS' if ok else 'FAIL'} ({elapsed:.0f} s)",
    ]
    return "\n".join(lines), ok


def render(zoo: list[ZooRow], proofs: list[ProofRow], fuzz: list[FuzzRow],
           pct_lines: list[str], elapsed: float, dpor: list | None = None,
           pct_ok: bool = True, base: Path = campaign.REPORTS, litmus: list | None = None) -> str:
    """The report's Markdown; links (the zoo's SVG timelines) are relative to base, the directory
    the report is written to."""
    dpor = dpor or []
    ok = verdict(zoo, proofs, fuzz, dpor, pct_ok, litmus)
    lines = [f"# mnetif harness report ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})", "",
             f"Verdict: **{'PASS' if ok else 'FAIL'}** ({elapsed:.0f} s)", "",
             "## Bug zoo", "",
             "Each case is a compile-time variant of the same sources (MN_ZOO_* switches). "
             "`found`: Hypothesis found it, shrank it and the replay token reproduces it; the "
             "fixed build passes the shrunk workload exhaustively. `not found (expected)`: the same "
             "variant under a memory model where the bug cannot show, exhaustively. `holds`: a "
             "must-hold property, searched and never violated.", "", zoo_table(zoo), ""]
    if proofs:
        lines += ["## Proofs (exhaustive, bounded)", ""]
        for fam in dict.fromkeys(r.family for r in proofs):
            for proto in dict.fromkeys(r.protocol for r in proofs):
                lines.append(f"- **{campaign.proof_statement(proto, fam, proofs)}**")
        lines += ["", proofs_table(proofs), ""]
    if dpor:
        lines += ["## Proofs without a preemption bound (DPOR)", "",
                  "Every interleaving up to the reordering of independent steps "
                  "(`python -m pyharness explore ... --dpor`; soundness evidence in docs/harness.md).", ""]
        lines += [f"- **{d.statement}** ({d.seconds:.1f} s)" for d in dpor] + [""]
        for d in dpor:
            if d.counterexample is not None:
                lines += ["```", describe(d.counterexample), "```", ""]
    if fuzz:
        lines += ["## Fuzz budget (Hypothesis, fixed protocols)", ""]
        lines.append(table([(f.label, f.examples, f"{f.seconds:.1f}",
                             "none" if f.found is None else f.found.violation.prop,
                             ", ".join(sorted(f.coverage))) for f in fuzz],
                           ("space", "examples", "seconds", "violations", "states reached")))
        lines.append("")
        for f in fuzz:
            if f.found is not None:
                lines += ["```", describe(f.found), "```", ""]
    if pct_lines:
        lines += ["## PCT", ""] + [f"- {p}" for p in pct_lines] + [""]
    if litmus:
        lines += ["## Litmus suite (docs/memory-models.md)", "",
                  f"**{campaign.litmus_line(litmus)}**", "",
                  table([(r.test, r.mm, r.expected, r.observed, r.executions,
                          "ok" if r.ok else "MISMATCH") for r in litmus],
                        ("test", "model", "herd7 outcomes", "observed", "executions", "verdict")),
                  ""]
    lines += ["## Zoo counterexamples", ""]
    for r in zoo:
        if r.expect == "found" and r.found is not None:
            rel = Path(os.path.relpath(r.svg, base)) if r.svg else None
            lines += [f"### {r.case.name} ({r.mm})", "", r.case.doc, "",
                      f"Timeline: [{rel}]({rel})" if rel else "", "", "```",
                      describe(r.found), "```", ""]
    return "\n".join(lines)


def write(text: str, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
