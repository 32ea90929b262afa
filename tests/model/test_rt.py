"""rt, the generic checker, on its own: build/model/rt_selftest (c/model/tests/rt_selftest.c) is
built from c/model/rt/ and c/model/litmus/ only and checks what the mnetif workload does not
exercise: a memory operation's own decision (rt_choose: the DFS, DPOR, replay and a chooser see
it; DPOR with that rule removed misses outcomes), compare-and-swap, the fence kinds per memory
model on litmus programs (DFS and DPOR agree), the asymmetric barrier (a HEAVY fence on one
side of SB and none on the other), and the step table's field tags and watched words."""
from __future__ import annotations

import os
import subprocess

from mnetif import native

CHECKS = {
    "choose-dfs", "choose-dpor", "choose-dpor-mutated", "choose-replay", "choose-taken",
    "choose-chooser", "choose-chooser-replay", "choose-dfs-2", "choose-dpor-2",
    "cas-sc", "cas-tso", "cas-pso",
    "fence-mp-pso-none", "fence-mp-pso-wmb", "fence-mp-pso-release", "fence-mp-pso-full",
    "fence-mp-pso-acquire", "fence-mp-pso-rmb", "fence-mp-tso-none", "fence-sb-sc-none",
    "fence-sb-tso-none", "fence-sb-tso-wmb", "fence-sb-tso-release", "fence-sb-tso-acquire",
    "fence-sb-tso-rmb", "fence-sb-tso-full", "fence-sb-pso-wmb", "fence-sb-pso-full",
    "heavy-sb-sc", "heavy-sb-tso", "heavy-sb-pso", "heavy-sb-tso-full-one-side",
    "heavy-sb-pso-full-one-side",
    "steps",
    # the out-of-bounds oracle (wl->vio_bounds) on a miniature ring
    "bounds-ok", "bounds-len-past-end", "bounds-copy-overrun", "bounds-past-region",
    "bounds-scalar-in-buffer", "bounds-partial-scalar",
}


def test_rt_selftest_passes_every_check():
    exe = native.BUILD / "model" / "rt_selftest"
    assert exe.exists(), f"{exe} is missing: run `make {exe.relative_to(native.ROOT)}`"
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    p = subprocess.run([str(exe)], capture_output=True, text=True, timeout=600, env=env)
    lines = p.stdout.splitlines()
    failed = [line for line in lines if line.startswith("FAIL")]
    passed = {line.split()[1] for line in lines if line.startswith("ok ")}
    assert not failed and p.returncode == 0, "\n".join(failed) + "\n" + p.stderr
    assert passed == CHECKS, f"missing: {sorted(CHECKS - passed)}, unexpected: {sorted(passed - CHECKS)}"
