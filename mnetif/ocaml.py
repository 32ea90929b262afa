"""ctypes wrapper of the embedded OCaml object (build/ocaml/mnetif_ocaml.so, built from
ocaml_shim/embed by `make`): the OCaml runtime, the OCaml ring port and Netif, inside this process.

    from mnetif import ocaml
    o = ocaml.runtime()                        # loads the object and runs init() once
    r = o.real_run("oc0", "v2", 1_000_000)     # C producer thread -> OCaml Netif.listen consumer
    r.verify()                                 # raises AssertionError naming the broken property
    frames = o.consume(ring.buf, max_frames=64)  # pop frames of a Python-owned ring in OCaml

Threads: init() leaves the OCaml runtime lock released; every entry registers the calling thread
and takes the lock for the duration of the call (see ocaml_shim/embed/embed_stubs.c), so any Python
thread may call in, one OCaml execution at a time. ctypes releases the GIL during the calls.
"""
from __future__ import annotations

import ctypes as C
from dataclasses import dataclass, fields

import numpy as np

from . import native

LIB = "ocaml/mnetif_ocaml.so"
PROTOS = {"v1": 1, "v2": 2, "v3": 3}


class OCamlError(RuntimeError):
    """An OCaml entry raised; the message is the OCaml exception (e.g. the corrupt header field)."""


@dataclass
class RealRun:
    """What real_run measured (embed.ml real_run returns these in this order)."""
    delivered: int        # frames the OCaml consumer received
    pushed: int           # frames the C producer published
    drops: int            # frames the producer gave up on (still full after its retries, or -EBUSY)
    gaps: int             # sequence numbers skipped between consecutive deliveries
    out_of_order: int     # deliveries with a sequence number below an earlier one
    corrupt: int          # deliveries with a wrong length, checksum or byte
    bytes: int
    sr_drop_full: int     # the ring's own drop counter
    sr_frames: int        # the ring's published-frames counter
    elapsed_ns: int
    first_bad: int        # sequence number of the first corrupt frame, -1
    sr_notify: int        # event-channel signals the producer sent
    full: int             # -ENOBUFS answers the producer got, retries included
    busy: int             # v1: frames the producer dropped with -EBUSY (lock held too long)
    sr_drop_busy: int     # the ring's drop_busy counter
    nframes: int = 0

    def verify(self) -> None:
        """No loss beyond counted drops, FIFO, byte-exact; the ring's counters agree."""
        ctx = f"(real mode, {self.nframes} frames: {self})"
        assert self.corrupt == 0, f"byte-exact: {self.corrupt} corrupt frames, first seq {self.first_bad} {ctx}"
        assert self.out_of_order == 0, f"FIFO: {self.out_of_order} frames out of order {ctx}"
        assert self.pushed + self.drops == self.nframes, f"producer accounting {ctx}"
        assert self.delivered == self.pushed, f"no loss: delivered != published {ctx}"
        assert self.gaps == self.drops, f"every gap in the sequence is a counted drop {ctx}"
        assert self.sr_drop_full == self.full, f"ring's sr_drop_full != producer's -ENOBUFS count {ctx}"
        assert self.sr_drop_busy == self.busy, f"ring's sr_drop_busy != producer's -EBUSY drops {ctx}"
        assert self.sr_frames == self.pushed, f"ring's sr_frames != frames pushed {ctx}"


class Runtime:
    """The loaded object; init() has run."""

    def __init__(self):
        lib = self.lib = native.load(LIB)
        lib.init.restype = C.c_int
        lib.mnoc_last_error.restype = C.c_char_p
        lib.mnoc_real_run.argtypes = [C.c_char_p, C.c_int, C.c_int64, C.POINTER(C.c_int64), C.c_int]
        lib.mnoc_consume.argtypes = [C.c_void_p, C.c_uint64, C.c_void_p, C.c_uint64,
                                     C.POINTER(C.c_uint32), C.c_int]
        if lib.init() != 0:
            raise OCamlError("init() failed")

    def _error(self, what: str) -> OCamlError:
        return OCamlError(f"{what}: {self.lib.mnoc_last_error().decode()}")

    def real_run(self, ifname: str, proto: str, nframes: int) -> RealRun:
        """Create software interface ifname, plug a fresh ring (proto) with the OCaml Netif, run a C
        producer thread injecting nframes numbered, checksummed frames, and consume them with
        Netif.listen (event channel) on this thread. The interface is destroyed afterwards."""
        mac = (C.c_uint8 * 6)(2, 0, 0, 0xca, 0x4d, 1)
        idx = self.lib.mn_user_if_create(ifname.encode(), mac)
        if idx < 0:
            raise OSError(-idx, f"mn_user_if_create({ifname})")
        n = len(fields(RealRun)) - 1
        out = (C.c_int64 * n)()
        try:
            if self.lib.mnoc_real_run(ifname.encode(), PROTOS[proto], nframes, out, n):
                raise self._error(f"real_run({ifname}, {proto}, {nframes})")
        finally:
            self.lib.mn_user_if_destroy(ifname.encode())
        return RealRun(*out[:n], nframes=nframes)  # type: ignore[misc]  # the fields in order

    def consume(self, ring: np.ndarray, max_frames: int, outcap: int = 1 << 20) -> list[bytes]:
        """Pop up to max_frames frames of a ring in a Python-owned buffer with the OCaml port
        (Ring.of_buf / top_packet / pop_packet); returns their bytes."""
        if ring.dtype != np.uint8 or not ring.flags.c_contiguous:
            raise TypeError("ring must be a C-contiguous uint8 numpy array")
        out = np.zeros(outcap, dtype=np.uint8)
        lens = (C.c_uint32 * max(max_frames, 1))()
        n = self.lib.mnoc_consume(ring.ctypes.data, ring.nbytes, out.ctypes.data, outcap, lens, max_frames)
        if n < 0:
            raise self._error("consume")
        frames, pos = [], 0
        for i in range(n):
            frames.append(out[pos:pos + lens[i]].tobytes())
            pos += lens[i]
        return frames


_runtime: Runtime | None = None


def runtime() -> Runtime:
    """The process's one OCaml runtime (an OCaml runtime cannot be started twice)."""
    global _runtime
    if _runtime is None:
        _runtime = Runtime()
    return _runtime


# ---- model mode ----------------------------------------------------------------------------------
# The model runtime's functions the OCaml consumer's stubs call, in mnoc_model_bind's order
# (ocaml_shim/core_model/model_fwd.c).
_MODEL_FNS = ("mn_model_access", "mn_model_copy", "mn_model_fence", "mn_model_spin", "mn_model_notify",
              "mn_model_consumer_deliver", "mn_model_consumer_idle", "mn_model_consumer_sleep",
              "mn_model_heavy_barrier", "mn_model_consumer_poll_begin")


def _addr(so, name: str) -> int:
    return C.cast(getattr(so, name), C.c_void_p).value


def _install(workload, gc_stress: bool = False):
    """Make the OCaml consumer the external consumer of the model library of `workload`'s
    variant; returns (runtime, model library, workload with consumer = external)."""
    from pyharness import model

    rt = runtime()
    so = model.lib(workload.variant)
    fns = (C.c_void_p * len(_MODEL_FNS))(*[_addr(so, n) for n in _MODEL_FNS])
    if rt.lib.mnoc_model_bind(fns, len(_MODEL_FNS)) != 0:
        raise OCamlError("mnoc_model_bind: wrong number of functions")
    so.mn_model_set_external_consumer.argtypes = [C.c_void_p, C.c_void_p]
    so.mn_model_set_external_consumer(_addr(rt.lib, "mnoc_model_consumer"), None)
    retries = workload.lock_retries or 64
    flags = ((1 if workload.waits else 0) | (2 if workload.protocol == "2012" else 0)
             | (4 if gc_stress else 0) | retries << 8)
    # The runtime's hook for an external consumer's error (a corrupt ring seen by the OCaml consumer).
    vio = _addr(so, "mn_model_consumer_error")
    rt.lib.mnoc_model_configure.argtypes = [C.c_int, C.c_void_p]
    rt.lib.mnoc_model_configure(flags, vio)
    return rt, so, workload.with_(consumer="external")


def _check_fiber(rt, what: str) -> None:
    if rt.lib.mnoc_model_fiber_active():
        raise OCamlError(
            "the model run returned while the OCaml consumer fiber was suspended inside OCaml code "
            "(was the consumer actor killed? a killed fiber is never resumed): the OCaml runtime of "
            f"this process is unusable now and further model runs are refused ({what})")


def model_run(workload, choices=(), gc_stress: bool = False):
    """Run one execution of `workload` (pyharness.workload.Workload) under `choices` with the OCaml
    consumer (the port, compiled against the model build of its stubs) as the consumer actor.
    Returns a runtime.Execution, like runtime.run with the C consumer. gc_stress: the consumer
    allocates and collects (minor GC, compaction) at every step, on its fiber."""
    from pyharness import runtime as engine
    from pyharness.workload import Case

    rt, _, w = _install(workload, gc_stress)
    res = engine.run(Case(w, tuple(choices)))
    _check_fiber(rt, f"workload {workload}, choices {list(choices)}")
    return res


def model_explore(workload, preemptions: int = 2, max_executions: int = 0):
    """Exhaustive bounded search (runtime.explore) with the OCaml consumer as the actor."""
    from pyharness import runtime as engine

    rt, _, w = _install(workload)
    e = engine.explore(w, preemptions, max_executions=max_executions)
    _check_fiber(rt, f"exploring workload {workload}")
    return e


def model_run_chooser(workload, chooser, probe: int = 0):
    """runtime.run_chooser with the OCaml consumer. probe > 0: at every decision, before asking
    chooser, run OCaml on the scheduler's stack (mnoc_model_probe: allocate `probe` blocks, minor
    GC, compaction on odd sizes) while the OCaml fiber may be suspended inside a stub, and check the
    heap (docs/design.md §8: sound only because the model build's stubs are ordinary externals)."""
    from pyharness import runtime as engine

    rt, _, w = _install(workload)
    rt.lib.mnoc_model_probe.restype = C.c_long
    bad: list[str] = []

    def choose(decision, step, options):
        if probe:
            got = rt.lib.mnoc_model_probe(probe + decision % 2)
            n = probe + decision % 2
            if got != n * (n - 1) // 2:
                bad.append(f"decision {decision}: probe checksum {got}, expected {n * (n - 1) // 2}")
        return chooser(decision, step, options)

    res = engine.run_chooser(w, choose)
    _check_fiber(rt, f"workload {workload}, chooser run")
    if bad:
        raise OCamlError("OCaml heap inconsistent during the run: " + "; ".join(bad[:3]))
    return res


@dataclass
class Comparison:
    c: object                 # runtime.Execution with the C consumer
    ocaml: object             # ... with the OCaml consumer
    differences: list[str]

    @property
    def same(self) -> bool:
        return not self.differences


def compare(workload, choices=(), gc_stress: bool = False) -> Comparison:
    """The regression oracle for the port: the SAME schedule against the C consumer and the OCaml
    consumer must give the same verdict, delivered frames, final header, counters and push results.
    After a violation the runtime runs an external consumer quietly to completion (its fiber must
    return, model.h) while the C consumer simply stops, so for a violating run the state after the
    verdict is not compared: the verdict, its step and message, and the deliveries are."""
    from pyharness import runtime as engine
    from pyharness.workload import Case

    rc = engine.run(Case(workload.with_(consumer="c"), tuple(choices)))
    ro = model_run(workload, choices, gc_stress=gc_stress)
    va, vb = rc.violation, ro.violation
    diffs = []
    if (va and va.prop, va and va.step) != (vb and vb.prop, vb and vb.step):
        diffs.append(f"violation: C {va!r} != OCaml {vb!r}")
    elif va and va.prop != "consumer-error" and va.message != vb.message:   # there each
        diffs.append(f"message: C {va.message!r} != OCaml {vb.message!r}")  # words its own
    names = ["delivered"]
    if rc.ok and ro.ok:
        names += ["header", "counters", "push_results", "still_in_ring", "notify_pending", "nsteps"]
    for name in names:
        a, b = getattr(rc, name), getattr(ro, name)
        if a != b:
            diffs.append(f"{name}: C {a!r} != OCaml {b!r}")
    return Comparison(rc, ro, diffs)
