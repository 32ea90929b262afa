"""`python -m pyharness replay tp1.… [--mm M] [--emit-c DIR]`: a third-party replay token again.

Prints the step table (C's tp_describe: the same text an emitted reproducer prints) and the token;
exit status 1 when the execution violates a property, 0 when not. --mm replays the schedule under
another memory model; --emit-c DIR writes the self-contained C reproducer (emit.py) and says how
to run it.
"""
from __future__ import annotations

from . import emit, native
from . import thirdparty as tp


def main(a, usage_error) -> int:
    if getattr(a, "variant", None):
        raise usage_error("--variant applies to mnetif tokens; a third-party token names its build")
    if getattr(a, "svg", None):
        raise usage_error("--svg applies to mnetif tokens (third-party replays print the table)")
    try:
        case = tp.Case.from_token(a.token)
        if a.mm:
            case = case.with_(mm=a.mm)
        text = tp.describe(case)
        outcome = tp.run(case)
    except tp.ThirdPartyError as e:
        raise usage_error(str(e)) from None
    except native.BuildMissing as e:
        raise usage_error(str(e)) from None
    print(text, end="")
    print(f"replay: python -m pyharness replay {case.token()}")
    if a.emit_c:
        emit.write_reproducer(emit.emit, case, a.emit_c, usage_error)
    return 1 if outcome.failed else 0
