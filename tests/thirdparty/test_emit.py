"""A reproducer you can send upstream (issue 12 item 8): `python -m pyharness replay TOKEN
--emit-c DIR` writes a C program that `make` alone builds and runs, printing the same step table
and exiting 0 when the violation is reproduced. Built here with the third-party package's installed
headers HIDDEN (a private mount namespace binds /dev/null over each of them): only the copies in
DIR can be what it compiles."""
from __future__ import annotations

import shlex
import subprocess
import sys

import pytest

from conftest import ROOT, case, tp


def package_headers(package: str) -> list[str]:
    out = subprocess.run(["dpkg-query", "-L", package], capture_output=True, text=True,
                         check=True).stdout.split()
    return [p for p in out if p.startswith("/usr/include/") and p.endswith(".h")]


def make_hidden(d, package: str) -> subprocess.CompletedProcess:
    """`make -C d` with every header of package replaced by an empty file."""
    binds = "; ".join(f"mount --bind /dev/null {shlex.quote(h)}" for h in package_headers(package))
    script = f"set -e; {binds}; make -C {shlex.quote(str(d))}"
    p = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True,
                       timeout=600)
    if "unshare failed" in p.stderr or "mount: " in p.stderr and "permission" in p.stderr.lower():
        pytest.fail(f"cannot hide the installed headers (needs root and util-linux's unshare): "
                    f"{p.stderr.strip()}")
    return p


def emit(c: tp.Case, d) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pyharness", "replay", c.token(), "--emit-c",
                           str(d)], cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("build, scenario, mm, params, bound, package, violation", [
    ("ck_pr102", "mpmc", "SC", dict(producers=2, items=1, consumers=1, size=4), 3, "libck-dev",
     "spurious-full"),
    ("xen_pushwmb", "front-back", "TSO", {}, 3, "libxen-dev", "lost-notification"),
    ("xsa155", "hostile-frontend", "SC", dict(writes=1), 5, "libxen-dev", "out-of-bounds"),
])
def test_an_emitted_reproducer_builds_without_the_package_and_reproduces(
        tmp_path, build, scenario, mm, params, bound, package, violation):
    cex = tp.hunt(case(build, scenario, mm, **params), bound).counterexample
    assert cex is not None
    d = tmp_path / "repro"
    p = emit(cex, d)
    assert p.returncode == 1, p.stderr            # replay reports the violation
    assert f"reproducer: {d}" in p.stdout
    m = make_hidden(d, package)
    assert m.returncode == 0, m.stdout[-3000:] + m.stderr[-3000:]
    # the same table as the harness prints, and the verdict
    assert tp.describe(cex) in m.stdout, m.stdout[-3000:]
    assert f"REPRODUCED: {violation}" in m.stdout
    # it compiled the copies, not the installed headers
    deps = (d / "ring.d").read_text()
    assert not any(h in deps.split() for h in package_headers(package)), deps
    readme = (d / "README.md").read_text()
    assert cex.token() in readme and violation in readme


def test_a_reproducer_says_so_when_the_schedule_does_not_reproduce(tmp_path):
    cex = tp.hunt(case("notify_nofence", "used_event", "TSO"), 3).counterexample
    d = tmp_path / "repro"
    assert emit(cex, d).returncode == 1
    main = d / "main.c"
    text = main.read_text()
    start = text.index("static const uint32_t choices[] = {")
    end = text.index("};", start)
    # the default schedule under SC: no lost interrupt
    main.write_text(text[:start] + "static const uint32_t choices[] = { 0 " + text[end:]
                    .replace(f'tp_mm_lookup("TSO")', 'tp_mm_lookup("SC")'))
    m = subprocess.run(["make", "-C", str(d)], capture_output=True, text=True, timeout=600)
    assert m.returncode != 0 and "NOT REPRODUCED: expected lost-notification" in m.stdout, m.stdout


def test_emit_to_an_unwritable_place_is_one_line(tmp_path):
    cex = tp.hunt(case("notify_nofence", "sqpoll", "TSO"), 3).counterexample
    blocker = tmp_path / "file"
    blocker.write_text("")
    p = emit(cex, blocker / "repro")
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "cannot write the reproducer" \
        in p.stderr, p.stderr


def test_the_arm_reproducer_carries_its_promise_table(tmp_path):
    """Debian 12's ck_ring SPSC consumer under ARM: the schedule alone does not reproduce a
    load-buffering execution; main.c must hold the promise table the search found it with."""
    s = tp.explore(case("ck", "spsc", "ARM", items=3, size=2), 3)
    cex = s.counterexample
    assert cex is not None and cex.promises, (s.first, s.executions)
    d = tmp_path / "repro"
    assert emit(cex, d).returncode == 1
    m = make_hidden(d, "libck-dev")
    assert m.returncode == 0 and "REPRODUCED: corrupt-item" in m.stdout, m.stdout[-3000:] + \
        m.stderr[-3000:]
    assert tp.describe(cex) in m.stdout
    # without the table the same schedule is not that execution
    main = d / "main.c"
    main.write_text(main.read_text().replace(f".npromises = {len(cex.promises)}u",
                                             ".npromises = 0u"))
    m = subprocess.run(["make", "-C", str(d)], capture_output=True, text=True, timeout=600)
    assert m.returncode != 0 and "NOT REPRODUCED: expected corrupt-item" in m.stdout, m.stdout
