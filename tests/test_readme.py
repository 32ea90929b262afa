"""The README's promises: it opens with the two commands, .ci/run calls its test command, and its
`python3 -c` snippets run as written and print what they claim."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_readme_opens_with_the_two_commands():
    block = re.search(r"```sh\n(.*?)```", README, re.S).group(1).strip().splitlines()
    assert [l.split("#")[0].strip() for l in block] == ["make report", "make test"]
    assert "make test" in (ROOT / ".ci/run").read_text()


def test_python_snippets_run_as_written():
    snippets = re.findall(r'python3 -c "\n(.*?)\n"\n', README, re.S)
    assert len(snippets) == 2
    outs = []
    for code in snippets:
        r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, f"README snippet failed:\n{code}\n{r.stderr}"
        outs.append(r.stdout.split())
    assert outs[0] == ["OK", "b'hello'", "64", "1"]
    assert outs[1][:3] == ["True", "0x40000000", "02:00:00:00:00:01"] and outs[1][3:] == ["True", "60", "1"]
