"""The mapping table of docs/memory-models.md, checked against real compiled code: every ordering-
layer operation (c/tests/ordering_map.c, one function each) is compiled for x86-64, AArch64 (v8.0
and v8.1) and RISC-V with the compiler command in the table's header, disassembled, and must show
every instruction the table's cell names. The cross compilers come from scripts/install-deps.sh;
a missing one fails the test with the command that installs it."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "memory-models.md"
SRC = ROOT / "c" / "tests" / "ordering_map.c"


def _table():
    """[(target column header, compile command)], {op: [cells...]} from the marked table."""
    lines = DOC.read_text().splitlines()
    start = next(i for i, l in enumerate(lines) if "mapping-table:" in l) + 1
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip("|").split("|")])
    header, body = rows[0], rows[2:]
    targets = []
    for col in header[2:]:
        m = re.search(r"`([^`]+)`", col)
        assert m, f"column {col!r} names no compiler command"
        targets.append((col.split("`")[0].strip(), m.group(1).split()))
    ops = {re.sub(r"`", "", r[0]): r[2:] for r in body}
    return targets, ops


TARGETS, OPS = _table()


def _disassemble(cmd: list[str], tmp: Path) -> dict[str, str]:
    cc = cmd[0]
    if shutil.which(cc) is None:
        pytest.fail(f"{cc} is missing: run `bash scripts/install-deps.sh` (Debian packages "
                    f"gcc-aarch64-linux-gnu gcc-riscv64-linux-gnu libc6-dev-arm64-cross "
                    f"libc6-dev-riscv64-cross)")
    obj = tmp / (cc + ".o")
    subprocess.run(cmd + ["-std=gnu11", f"-I{ROOT / 'c' / 'include'}", "-c", str(SRC), "-o",
                          str(obj)], check=True)
    objdump = cc[:-3] + "objdump" if cc.endswith("gcc") and cc != "gcc" else "objdump"
    text = subprocess.run([objdump, "-d", "--no-show-raw-insn", str(obj)], check=True,
                          capture_output=True, text=True).stdout
    funcs, cur = {}, None
    for line in text.splitlines():
        m = re.match(r"[0-9a-f]+ <(map_\w+)>:", line)
        if m:
            cur = m.group(1)
            funcs[cur] = ""
        elif cur and "\t" in line:
            funcs[cur] += line.split("\t", 1)[1] + "\n"
    return funcs


def test_the_table_names_every_operation_of_the_ordering_layer():
    src = SRC.read_text()
    ops_in_src = set(re.findall(r"\b(mn_\w+)\(", src))
    assert ops_in_src == set(OPS), (ops_in_src ^ set(OPS))


@pytest.mark.parametrize("target", range(len(TARGETS)), ids=[t[0] for t in TARGETS])
def test_compiled_code_matches_the_mapping_table(target, tmp_path):
    name, cmd = TARGETS[target]
    funcs = _disassemble(cmd, tmp_path)
    wrong = []
    for op, cells in OPS.items():
        body = funcs["map_" + op[len("mn_"):]]
        want = re.findall(r"`([^`]+)`", cells[target])
        for insn in want:
            if not re.search(r"(^|[\s,.])" + re.escape(insn) + r"($|[\s,.])", body, re.M):
                wrong.append(f"{op}: `{insn}` not in\n{body}")
        if cells[target] == "-":
            # only a compiler barrier: no barrier or atomic instruction at all
            if re.search(r"\b(mfence|lock|dmb|fence)\b", body):
                wrong.append(f"{op}: the table says none, the code has\n{body}")
    assert not wrong, f"{name} ({' '.join(cmd)}):\n" + "\n".join(wrong)


def test_the_check_can_fail(tmp_path):
    """A cell that names an instruction the code does not have is caught (ldar is not in a relaxed
    load)."""
    name, cmd = TARGETS[[t[0] for t in TARGETS].index("AArch64 v8.0")]
    body = _disassemble(cmd, tmp_path)["map_read_once"]
    assert "ldr" in body and not re.search(r"\bldar\b", body)
