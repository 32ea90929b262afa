#!/usr/bin/env python3
"""A scripted edit of an installed header, for a build-time copy (mk/thirdparty.mk):

    edit.py SRC DST EDIT

EDIT holds '#' comment lines (what the edit is and where it comes from) and blocks

    @@@ old
    <exact text of SRC>
    @@@ new
    <replacement>
    @@@ end

Each old text must occur exactly once in SRC, or nothing is written and the exit status is 1 with
one line saying which block did not match (the installed header changed: look at the edit again).
DST gets the edited text after a first line naming SRC and EDIT.
"""
from __future__ import annotations

import sys
from pathlib import Path


def blocks(text: str, where: str) -> list[tuple[str, str]]:
    out, mode, old, new = [], None, [], []
    for n, line in enumerate(text.splitlines(keepends=True), 1):
        tag = line.strip()
        if tag in ("@@@ old", "@@@ new", "@@@ end"):
            if tag == "@@@ old" and mode is None:
                mode, old, new = "old", [], []
            elif tag == "@@@ new" and mode == "old":
                mode = "new"
            elif tag == "@@@ end" and mode == "new":
                out.append(("".join(old), "".join(new)))
                mode = None
            else:
                raise SystemExit(f"{where}:{n}: {tag} out of place")
            continue
        if mode == "old":
            old.append(line)
        elif mode == "new":
            new.append(line)
        elif tag and not tag.startswith("#"):
            raise SystemExit(f"{where}:{n}: text outside a block")
    if mode is not None or not out:
        raise SystemExit(f"{where}: unterminated or no @@@ old/new/end block")
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    src, dst, edit = map(Path, argv[1:])
    text = src.read_text()
    for k, (old, new) in enumerate(blocks(edit.read_text(), str(edit)), 1):
        n = text.count(old)
        if n != 1:
            print(f"{edit}: block {k} occurs {n} times in {src} (want exactly 1): the installed "
                  f"header is not the one this edit was written for", file=sys.stderr)
            return 1
        text = text.replace(old, new)
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(f"/* build-time copy of {src} with the edit {edit} */\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
