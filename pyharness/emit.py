"""A reproducer you can send upstream: `python -m pyharness replay tp1.… --emit-c DIR`.

DIR gets a self-contained C program: the checker runtime (c/model/rt), the tp layer
(c/model/thirdparty/common), the scenario's source and mapping headers, the third-party headers
the build compiled (copied from the installed package, or the build-time edited copy), the
schedule, a Makefile and a README. `make` in DIR builds it with the same flags as
mk/thirdparty.mk and runs it: it prints the step table (the same text as `pyharness replay`) and
exits 0 when the violation is reproduced, 1 when not. No Python, no package, no checkout needed:
a C compiler that has GCC's -fsanitize=thread instrumentation (GCC >= 4.8) and make.
"""
from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

from . import native
from . import thirdparty as tp

ROOT = native.ROOT


class EmitError(RuntimeError):
    """The reproducer cannot be written (no manifest, a file missing, DIR not writable)."""


def write_reproducer(emitter, case, outdir, usage_error) -> None:
    """`replay --emit-c DIR` for either kind of token: emitter(case, DIR), then where it went (a
    failure is the CLI's one-line usage error)."""
    try:
        d = emitter(case, outdir)
    except EmitError as e:
        raise usage_error(str(e)) from None
    print(f"reproducer: {d} (run `make -C {d}`; it exits 0 when the violation is reproduced)")


def _package_files(package: str) -> set[str]:
    if not package:
        return set()
    try:
        out = subprocess.run(["dpkg-query", "-L", package], capture_output=True, text=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        raise EmitError(f"cannot list the files of {package} (dpkg-query -L {package}): {e}") \
            from None
    return {line.strip() for line in out.splitlines() if line.strip()}


def _sources(man: dict) -> tuple[list[str], list[str]]:
    """(repo-relative files to copy, installed headers to copy): the ring's own dependencies,
    from the compiler's dependency list in the manifest."""
    owned = _package_files(man.get("package", ""))
    repo, installed = [], []
    for dep in man.get("deps", "").split():
        if dep.startswith("/"):
            if dep in owned:
                installed.append(dep)
        else:
            repo.append(dep)
    fixed = sorted(str(p.relative_to(ROOT)) for d in ("c/model/rt", "c/model/thirdparty/common")
                   for p in (ROOT / d).iterdir() if p.suffix in (".c", ".h", ".S"))
    if man.get("edit"):
        repo.append(man["edit"])
    return sorted(set(repo) | set(fixed)), sorted(set(installed))


def _c_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def emit(case: tp.Case, outdir: Path) -> Path:
    """Writes the reproducer of case to outdir; returns outdir."""
    b = tp.build(case.build)
    cfg = b.config(case)                       # validates the case
    outcome = tp.run(case)
    man = tp.manifest(case.build)
    repo, installed = _sources(man)
    outdir = Path(outdir)
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        for rel in repo:
            src = ROOT / rel
            if not src.exists():
                raise EmitError(f"{src} (listed by the build's manifest) is missing: rebuild "
                                f"with `make`")
            dst = outdir / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
        for path in installed:
            dst = outdir / "include" / Path(path).relative_to("/usr/include")
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dst)
        (outdir / "main.c").write_text(_main_c(case, b, cfg, outcome))
        (outdir / "Makefile").write_text(_makefile(man, b))
        (outdir / "README.md").write_text(_readme(case, b, man, outcome, installed))
    except OSError as e:
        raise EmitError(f"cannot write the reproducer to {outdir}: {e.strerror or e}") from None
    return outdir


def _main_c(case: tp.Case, b: tp.Build, cfg, outcome: tp.Outcome) -> str:
    _, sc = b.scenarios[case.scenario]
    params = ", ".join(str(cfg.param[i]) for i in range(len(sc.params))) or "0"
    choices = ", ".join(str(c) for c in case.choices) or "0"
    # ARM: the promise table the counterexample was found with (struct rt_promise; a region
    # copy's bytes in the blob)
    table, blob = [], bytearray()
    for actor, region, off, size, value in case.promises:
        if isinstance(value, str):
            table.append(f"{{ {actor}, {region}, 1, 0, {off}, {size}, 0, {len(blob)} }}")
            blob += bytes.fromhex(value)
        else:
            table.append(f"{{ {actor}, {region}, 0, 0, {off}, {size}, 0, {value}ull }}")
    promises = ",\n\t".join(table) or "{ 0 }"
    blob_init = ", ".join(str(x) for x in blob) or "0"
    return f"""/* Reproducer of {case.label()}, emitted by `python -m pyharness replay --emit-c`.
 * Runs one execution of scenario {case.scenario!r} of build {case.build!r} under memory model
 * {case.mm} and the schedule below, prints its step table, and exits 0 when the violation
 * {outcome.violation!r} is reproduced (1 when not, 2 when this checker lacks the model). */
#include <stdio.h>
#include <string.h>

#include "c/model/thirdparty/common/tp.h"

static const uint32_t choices[] = {{ {choices} }};
static const uint32_t nchoices = {len(case.choices)};
static const struct rt_promise promises[] = {{
\t{promises}
}};
static const unsigned char promise_blob[] = {{ {blob_init} }};
static char out[1 << 22];

int main(void)
{{
	struct tp_config cfg = {{ .scenario = -1, .max_steps = {case.max_steps}u, .param = {{ {params} }},
				  .max_promises = {case.max_promises}u, .npromises = {len(case.promises)}u,
				  .promises = promises, .promise_blob = promise_blob }};
	const char *expected = {_c_string(outcome.violation)};
	uint32_t i;
	int v;

	for (i = 0; i < tp_nscenarios(); i++)
		if (!strcmp(tp_scenario_name(i), {_c_string(case.scenario)}))
			cfg.scenario = (int32_t)i;
	cfg.mm = tp_mm_lookup({_c_string(case.mm)});
	if (cfg.scenario < 0 || cfg.mm < 0) {{
		fprintf(stderr, "this build has no scenario %s or no memory model %s\\n",
			{_c_string(case.scenario)}, {_c_string(case.mm)});
		return 2;
	}}
	v = tp_describe(&cfg, choices, nchoices, out, sizeof(out));
	fputs(out, stdout);
	if (v < 0 || strcmp(tp_vio_name(v), expected)) {{
		printf("NOT REPRODUCED: expected %s\\n", expected);
		return 1;
	}}
	printf("REPRODUCED: %s\\n", expected);
	return 0;
}}
"""


def _makefile(man: dict, b: tp.Build) -> str:
    cflags = " ".join(f for f in man["cflags"].split() if f != "-Werror")
    build = man["build"]
    edited = f"-Ibuild/model/tp/include/{build} " if man.get("edit") else ""
    shim = f"-I{man['shim']} " if man.get("shim") else ""
    inc = f"{edited}{shim}-Ic/model/thirdparty/common -Iinclude"
    defines = f"-DTP_SOURCE={shlex.quote(_c_string(b.source))} {man.get('defines', '')}".strip()
    return f"""# The reproducer: `make` builds ./repro and runs it (exit 0: the violation is reproduced).
# The ring's translation unit is compiled with GCC's -fsanitize=thread INSTRUMENTATION and no
# sanitizer runtime: c/model/thirdparty/common/plain.c implements the instrumentation's entry
# points (and, renamed by objcopy, the memcpy/memset calls the compiler leaves), so every plain
# access to the shared memory is a step of the checker.
CC ?= cc
CFLAGS := {cflags} -Ic/model
PLAIN := {man['plain_flags']}
REDEFINE := {man['redefine']}
RING := {man['ring']}
INC := {inc}
DEFS := {defines}
RT := $(wildcard c/model/rt/*.c) c/model/rt/switch.S
TP := c/model/thirdparty/common/tp.c c/model/thirdparty/common/plain.c

.PHONY: run clean
run: repro
\t./repro

repro: main.c $(RING) $(RT) $(TP) $(wildcard c/model/rt/*.h c/model/thirdparty/*/*.h)
\t$(CC) $(CFLAGS) $(PLAIN) $(INC) $(DEFS) -MD -MF ring.d -c -o ring.o $(RING)
\t$(CC) $(CFLAGS) -I. -o $@ main.c ring.o $(TP) $(RT)

clean:
\trm -f repro ring.o ring.d
"""


def _readme(case: tp.Case, b: tp.Build, man: dict, outcome: tp.Outcome, installed) -> str:
    headers = "\n".join(f"- `include/{Path(p).relative_to('/usr/include')}` (from `{p}`)"
                        for p in installed) or "- (none)"
    edit = f"\nThe ring header is a build-time copy with one scripted edit: `{man['edit']}` " \
           f"(the edited copy is under `build/model/tp/include/{man['build']}/`).\n" \
        if man.get("edit") else ""
    return f"""# Reproducer: {outcome.violation} in {case.build}/{case.scenario} under {case.mm}

What: {outcome.message}

Built from: {b.source}
{edit}
Run it: `make` (a C compiler with GCC's `-fsanitize=thread` instrumentation, and make). It prints
the execution step by step: which actor did which memory operation on which field, with what
value, under the {case.mm} memory model (an op ending in `*` went to the actor's store buffer, a
`drain` is such a store becoming visible), and exits 0 when the violation is reproduced.

Third-party headers it compiles (copied from the installed package {man.get('package') or '(none)'} {man.get('version', '')}):
{headers}

The checker is mnetif's model checker runtime (`c/model/rt`), the scenario is
`{man['ring']}`; `c/model/thirdparty/common/plain.c` makes the ring's plain C accesses visible.
Replay token (for `python -m pyharness replay` in an mnetif checkout):
`{case.token()}`
"""
