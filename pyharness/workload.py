"""What one execution runs: the workload (protocol, build variant, memory model, geometry, actors and
their frames) and the schedule (a list of small ints), plus the replay token that carries both.

The schedule encoding is DESIGN §7's: at each decision point choice 0 keeps the current actor
running (no preemption, no store-buffer drain), k > 0 switches to the k-th other runnable actor or
drains the k-th pending buffered store; when the list runs out the runtime finishes
deterministically. So every list is a complete schedule, and shorter lists with smaller values mean
fewer preemptions: that is what Hypothesis shrinks towards.

Frames are (length, seed) pairs: the runtime derives the bytes (mn_model_frame_byte), so a token
stays short whatever the frame sizes.
"""
from __future__ import annotations

import base64
import dataclasses
import json
import zlib
from dataclasses import dataclass, field

PROTOCOLS = ("2012", "v1", "v2")
MEMORY_MODELS = ("SC", "TSO", "PSO", "ARM")
# Actors a killer may target. The unplugger is never killed (a killed control path is not a
# scenario the registry promises anything about), nor a producer while another producer runs
# (it may die holding the entry's producer lock; see strategies.workloads).
KILL_TARGETS = ("none", "consumer", "producer0")


@dataclass(frozen=True)
class Workload:
    protocol: str = "v2"                 # one of PROTOCOLS
    variant: str = "fixed"               # build variant: "fixed" or a zoo switch name (see zoo.py)
    memory_model: str = "SC"             # one of MEMORY_MODELS
    size: int = 2                        # slots (power of two)
    slotsize: int = 64                   # bytes per slot (multiple of 64)
    # frames[p] = the frames producer p injects through netif_ether_input, in order
    producers: tuple[tuple[tuple[int, int], ...], ...] = (((60, 1),),)
    waits: bool = False                  # consumer sleeps on the event channel when empty
    unplug: bool = False                 # an unplugger actor unplugs the interface concurrently
    kill: str = "none"                   # actor the killer ends at a scheduled point
    start_index: int = 0                 # initial sr_cur = sr_avail (v2: near 65535 to cover wrap)
    lock_retries: int = 0                # v1 test-and-set attempts per lock; 0 = MN_LOCK_RETRIES
    # the runtime's reduced choice encoding (model.h "Reduction"): decisions only before operations
    # another actor can observe. A different encoding: the token keeps it, so replays match.
    reduce: bool = False
    # batched paths (ring.h "Batches"): producers push up to `batch` frames per
    # netif_ether_input_batch call; the consumer peeks/releases up to `cons_batch` at a time.
    # 0 = the per-frame calls. Last fields, so older tokens (without them) still replay.
    batch: int = 0
    cons_batch: int = 0
    # ARM (model.h "ARM"): loads may read promises (load buffering), at most max_promises per
    # execution, from a table of (actor, region, off, size, value) candidates: `promises` when
    # given (a search's counterexample carries the table it ran with; a region's bytes are
    # ["f", producer, frame] when they are that frame, else hex), else the table that
    # runtime.promise_table() learns from the workload (deterministic).
    max_promises: int = 2
    promises: tuple = ()
    # H > 0: instead of the consumer, a hostile peer makes H stores of values the search chooses
    # into the fields the consumer may write (model.h "hostile"). Last field: older tokens replay.
    hostile: int = 0

    def __post_init__(self):
        if self.protocol not in PROTOCOLS:
            raise ValueError(f"protocol {self.protocol!r} not in {PROTOCOLS}")
        if self.memory_model not in MEMORY_MODELS:
            raise ValueError(f"memory model {self.memory_model!r} not in {MEMORY_MODELS}")
        if self.size < 1 or self.size & (self.size - 1):
            raise ValueError(f"size {self.size} is not a power of two")
        if self.slotsize < 64 or self.slotsize % 64:
            raise ValueError(f"slotsize {self.slotsize} is not a multiple of 64")
        if not 1 <= len(self.producers) <= 3:
            raise ValueError("1 to 3 producers")
        if self.kill not in KILL_TARGETS:
            raise ValueError(f"kill target {self.kill!r} not in {KILL_TARGETS}")

    @property
    def nframes(self) -> int:
        return sum(len(p) for p in self.producers)

    @property
    def max_frames_per_producer(self) -> int:
        return max(len(p) for p in self.producers)

    def with_(self, **kw) -> "Workload":
        return dataclasses.replace(self, **kw)

    def label(self) -> str:
        """One line naming the workload, litmus style: v2/PSO P2x3 C w size=2."""
        actors = f"P{len(self.producers)}x{self.max_frames_per_producer} " + \
            (f"H{self.hostile}" if self.hostile else "C")
        if self.waits:
            actors += " wait"
        if self.unplug:
            actors += " U"
        if self.kill != "none":
            actors += f" K({self.kill})"
        if self.start_index:
            actors += f" start={self.start_index}"
        if self.batch or self.cons_batch:
            actors += f" batch={self.batch}/{self.cons_batch}"
        var = "" if self.variant == "fixed" else f" [{self.variant}]"
        if self.memory_model == "ARM" and self.max_promises != 2:
            actors += f" promises<={self.max_promises}"
        return f"{self.protocol}/{self.memory_model}{var} {actors} size={self.size}"

    def to_json(self) -> dict:
        d = dataclasses.asdict(self)
        d["producers"] = [[list(f) for f in p] for p in self.producers]
        d["promises"] = [list(c) for c in self.promises]
        return d

    @classmethod
    def from_json(cls, d: dict) -> "Workload":
        d = dict(d)
        d["producers"] = tuple(tuple((int(a), int(b)) for a, b in p) for p in d["producers"])
        d["promises"] = tuple(tuple(c[:4]) + (c[4] if isinstance(c[4], int) else tuple(c[4])
                                              if isinstance(c[4], list) else c[4],)
                              for c in d.get("promises", ()))
        return cls(**d)


# ---- replay token --------------------------------------------------------------------------------
TOKEN_PREFIX = "mn1."


@dataclass(frozen=True)
class Case:
    """A workload plus a schedule: everything needed to replay one execution exactly."""
    workload: Workload
    choices: tuple[int, ...] = field(default_factory=tuple)

    def token(self) -> str:
        """mn1.<base64url(zlib(json [workload fields in declaration order, choices]))>: compact
        (about 60-120 characters for a shrunk case) and self-contained."""
        w = self.workload.to_json()
        body = [[w[f.name] for f in dataclasses.fields(Workload)], list(self.choices)]
        raw = json.dumps(body, separators=(",", ":")).encode()
        return TOKEN_PREFIX + base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")

    @classmethod
    def from_token(cls, token: str) -> "Case":
        token = "".join(token.split())
        if not token.startswith(TOKEN_PREFIX):
            raise ValueError(f"not a replay token (expected prefix {TOKEN_PREFIX!r})")
        b = token[len(TOKEN_PREFIX):]
        try:
            wl, choices = json.loads(zlib.decompress(base64.urlsafe_b64decode(b + "=" * (-len(b) % 4))))
        except Exception as e:
            raise ValueError(f"corrupt replay token: {e}") from None
        names = [f.name for f in dataclasses.fields(Workload)]
        return cls(Workload.from_json(dict(zip(names, wl))), tuple(int(c) for c in choices))
