"""The OCaml consumer port on rings owned by Python (external Bigarrays), against the C consumer:
the same frames produced by the C producer into twin rings, one drained by OCaml (embedded
runtime), one by mn_cons_*, must deliver the same frames and leave byte-identical buffers.
Reproduce: python -m pytest -q tests/ocaml/test_consume.py"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from mnetif import ocaml
from mnetif.ring import Ring


def frame(seed: int, n: int) -> bytes:
    return bytes((seed * 7 + i) & 0xFF for i in range(n))


def twins(proto, nslots, slotsize, start):
    lens = 192 if proto == "v3" else 64   # where the length table starts (ring.h)
    rings = [Ring.create(proto, nslots=nslots, slotsize=slotsize, buflen=lens + 2 * nslots + 64 + nslots * slotsize)
             for _ in range(2)]
    for r in rings:   # start the indices near the u16 wrap (before anyone attaches)
        if proto in ("v2", "v3"):
            r.word("cons")[0] = r.header["sr_avail"] = start & 0xFFFF
        else:
            r.word("cons")[0] = start & (nslots - 1)
    return rings


@settings(max_examples=150, deadline=None)
@given(proto=st.sampled_from(["v1", "v2", "v3"]), nslots=st.sampled_from([1, 2, 4, 8]),
       slotsize=st.sampled_from([64, 128]), start=st.sampled_from([0, 0xFFFE, 0xFFFF, 12345]),
       rounds=st.lists(st.tuples(st.lists(st.integers(0, 140), max_size=10), st.integers(0, 9)),
                       min_size=1, max_size=6))
def test_ocaml_consumer_equals_c_consumer(proto, nslots, slotsize, start, rounds):
    oc = ocaml.runtime()
    a, b = twins(proto, nslots, slotsize, start)
    pa, pb, cb = a.producer(), b.producer(), b.consumer()
    seed = 0
    for lens, pops in rounds:
        for n in lens:
            f = frame(seed, n)
            seed += 1
            assert pa.push(f) == pb.push(f), "the C producer answered differently on twin rings"
        got_ocaml = oc.consume(a.buf, pops)
        got_c = [f for f in (cb.pop() for _ in range(pops)) if f is not None]
        assert got_ocaml == got_c, f"delivered frames differ: OCaml {len(got_ocaml)} vs C {len(got_c)}"
        diff = np.flatnonzero(a.buf != b.buf)
        assert diff.size == 0, f"buffers differ first at byte {diff[0]} (OCaml {a.buf[diff[0]]}, C {b.buf[diff[0]]})"


@pytest.mark.parametrize("proto", ["v2", "v3"])
@pytest.mark.parametrize("field,offset,value", [("sr_size", 4, 3), ("sr_slotsize", 6, 100), ("sr_magic", 8, 7)])
def test_corrupt_header_names_the_field(proto, field, offset, value):
    r = Ring.create(proto, nslots=4, slotsize=64, buflen=4096)
    view = r.buf[offset:offset + (4 if field == "sr_magic" else 2)].view("u4" if field == "sr_magic" else "u2")
    view[0] = value
    with pytest.raises(ocaml.OCamlError, match=f"{field} = {value}"):
        ocaml.runtime().consume(r.buf, 1)
