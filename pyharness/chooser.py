"""A Python chooser as rt's C chooser callback (rt_run_chooser: PCT, random walks), for the mnetif
runtime (runtime.run_chooser) and a user's workload (usercheck.UserWorkload.execute_chooser)."""
from __future__ import annotations


def c_chooser(chooser, functype):
    """(callback, errors): chooser(decision, step, options) -> the index of the option to take,
    wrapped as a functype callback. An exception cannot cross the C frames: it goes to errors,
    the callback returns 0, and the caller re-raises errors[0] once the run has returned. Keep
    the callback referenced until then."""
    errors: list[BaseException] = []

    def cb(_arg, decision, step, nopt, opts):
        try:
            return int(chooser(decision, step, [opts[i] for i in range(nopt)])) & 0xFFFFFFFF
        except BaseException as e:
            errors.append(e)
            return 0
    return functype(cb), errors
