"""Host-side checks of the Linux module's userspace contract (the module itself is only ever loaded
inside qemu: `make kmod-test`). Run: python3 -m pytest -q tests/kmod"""
from __future__ import annotations

import ctypes as C
import errno
import json
import mmap
import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from mnetif import kmod, native
from mnetif.ring import GeometryError, MnetifError, Ring

ROOT = native.ROOT
KO = native.BUILD / "kmod" / "mnetif.ko"


@pytest.fixture(scope="module")
def c_layout(tmp_path_factory) -> dict:
    """sizeof/offsetof/ioctl numbers as c/include/mnetif/uapi.h defines them (compiled here)."""
    exe = tmp_path_factory.mktemp("uapi") / "uapi_layout"
    subprocess.run(["gcc", "-Wall", "-Werror", f"-I{ROOT}/c/include", "-o", str(exe),
                    str(ROOT / "c/platform/linux/test/uapi_layout.c")], check=True)
    return json.loads(subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout)


@pytest.mark.parametrize("cname,pyclass", [
    ("mnetif_ifinfo", kmod.IfInfo), ("mnetif_list", kmod.ListReq),
    ("mnetif_plug", kmod.PlugReq), ("mnetif_counters", kmod.CountersReq)])
def test_struct_layout_matches_uapi_header(c_layout, cname, pyclass):
    assert C.sizeof(pyclass) == c_layout[f"sizeof {cname}"], \
        f"sizeof(struct {cname}) differs between uapi.h and mnetif/kmod.py"
    fields = {k.split(".", 1)[1]: v for k, v in c_layout.items() if k.startswith(cname + ".")}
    assert fields, f"uapi_layout.c prints no fields of {cname}"
    for name, (off, size) in fields.items():
        desc = getattr(pyclass, name)
        assert (desc.offset, desc.size) == (off, size), \
            f"struct {cname}.{name}: C (offset {off}, size {size}) vs Python ({desc.offset}, {desc.size})"


def test_ioctl_numbers_and_constants_match_uapi_header(c_layout):
    assert kmod.IOC_LIST == c_layout["MNETIF_IOC_LIST"]
    assert kmod.IOC_PLUG == c_layout["MNETIF_IOC_PLUG"]
    assert kmod.IOC_UNPLUG == c_layout["MNETIF_IOC_UNPLUG"]
    assert kmod.IOC_COUNTERS == c_layout["MNETIF_IOC_COUNTERS"]
    assert kmod.PLUG_STEAL == c_layout["MNETIF_PLUG_STEAL"]
    assert kmod.IOC_BARRIER == c_layout["MNETIF_IOC_BARRIER"]
    assert kmod.PLUG_BARRIER == c_layout["MNETIF_PLUG_BARRIER"]
    assert (kmod.BARRIER_IPI, kmod.BARRIER_RCU_EXP, kmod.BARRIER_RCU) == \
        (c_layout["MNETIF_BARRIER_IPI"], c_layout["MNETIF_BARRIER_RCU_EXP"], c_layout["MNETIF_BARRIER_RCU"])
    assert kmod.MAX_BUFLEN == c_layout["MNETIF_MAX_BUFLEN"]
    assert kmod.LIST_MAX == c_layout["MNETIF_LIST_MAX"]


def test_consumer_over_a_shared_mapping_reads_frames_byte_exact():
    """KPort's consumer path (numpy over an mmap, the library's mn_cons_*), on an anonymous shared
    mapping a producer fills: what the kernel's ring looks like to the consumer."""
    mm = mmap.mmap(-1, 33 * 4096, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
    buf = np.frombuffer(mm, dtype=np.uint8)
    Ring.create("v2", nslots=8, slotsize=256, buf=buf)
    ring = kmod.ring_over(mm)
    prod, cons = Ring(buf).producer(), ring.consumer()
    frames = [bytes((i * 7 + k) & 0xFF for k in range(n)) for i, n in enumerate((14, 60, 256, 100))]
    for f in frames:
        prod.push(f)
    assert [cons.pop() for _ in frames] == frames
    assert cons.pop() is None
    assert prod.push(b"x" * 257).name == "OVERSIZE"
    del cons, prod, ring, buf


def test_set_barrier_is_the_heavy_barrier_of_a_v3_wait():
    """KPort wires the module's barrier ioctl through Consumer.set_barrier: prepare_wait on v3
    calls it once per arming (after the wait spins), and a barrier that fails (-errno, or an
    exception) means "do not sleep"; set_barrier(None) goes back to membarrier(2)."""
    ring = Ring.create("v3", nslots=8, slotsize=256)
    cons = ring.consumer()
    calls = []
    cons.set_barrier(lambda: calls.append(1) or 0)
    assert cons.prepare_wait() is True and len(calls) == 1
    cons.set_barrier(lambda: -errno.EINTR)
    assert cons.prepare_wait() is False, "a failed heavy barrier must not let the consumer sleep"
    cons.set_barrier(lambda: 1 / 0)
    assert cons.prepare_wait() is False, "an exception in the barrier must count as failed"
    cons.set_barrier(None)
    assert cons.prepare_wait() is True and len(calls) == 1
    with pytest.raises(TypeError, match="callable"):
        cons.set_barrier(0)      # not a barrier: refused here, not a silent "never sleep" later
    assert cons.prepare_wait() is True, "a refused set_barrier must leave the barrier as it was"


def test_plug_opts_v3_into_the_light_producer_only():
    """barrier=None means v3 opts in; asking for it on v1/v2 is refused before any ioctl."""
    for proto in ("v1", "v2"):
        with pytest.raises(ValueError, match="only a v3 ring"):
            kmod.plug("eth0", proto, barrier=True)


def test_ring_over_rejects_a_mapping_without_a_valid_header():
    mm = mmap.mmap(-1, 4096, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
    with pytest.raises(GeometryError, match="magic"):
        kmod.ring_over(mm)


def test_without_the_device_plug_and_list_fail_clearly():
    if kmod.available():
        pytest.fail("/dev/mnetif exists on this host: the module must only be loaded inside qemu")
    with pytest.raises(MnetifError, match="does not exist: load mnetif.ko") as e:
        kmod.plug("eth0")
    assert e.value.errno == errno.ENOENT
    with pytest.raises(MnetifError):
        kmod.get_vifs()
    with pytest.raises(ValueError, match="v1, v2 and v3"):
        kmod.plug("eth0", "2012")


def test_module_built_from_the_core_sources_in_place():
    assert KO.exists(), f"{KO} missing: run `make kmod`"
    info = subprocess.run(["modinfo", "-F", "vermagic", str(KO)], capture_output=True, text=True,
                          check=True).stdout
    kver = sorted(p.name[len("vmlinuz-"):] for p in Path("/boot").glob("vmlinuz-*-amd64"))[-1]
    assert info.startswith(kver + " "), f"mnetif.ko vermagic {info!r} is not Debian's {kver}"
    for obj, src in (("src/.ring.o.cmd", "c/src/ring.c"), ("src/.registry.o.cmd", "c/src/registry.c")):
        cmd = (KO.parent / obj).read_text()
        assert re.search(rf"\s{re.escape(str(ROOT / src))}\b", cmd), \
            f"{obj}: the module's {Path(src).name} is not compiled from {src} in place"
    syms = subprocess.run(["nm", str(KO)], capture_output=True, text=True, check=True).stdout
    for sym in ("mn_prod_push_copy", "netif_ether_input_copy", "mn_os_attach"):
        assert re.search(rf"\b{sym}\b", syms), f"{sym} missing from mnetif.ko"


def test_open_port_chooses_the_userspace_backend_without_the_device():
    """The bindings pick the backend: no /dev/mnetif here, so 'auto' plugs through libmnetif, and
    the port offers the consumer interface KPort offers."""
    from mnetif import registry
    assert not kmod.available()
    registry.create_interface("kmsw0", "02:00:00:00:00:42")
    try:
        with kmod.open_port("kmsw0", "v1", nslots=16) as port:
            assert isinstance(port, registry.Port)
            frame = bytes(range(60))
            registry.inject("kmsw0", frame)
            assert port.wait(1.0)
            assert port.consumer.pop() == frame
            assert port.counters()["frames"] == 1
            assert port.fileno() >= 0
    finally:
        registry.destroy_interface("kmsw0")
    with pytest.raises(MnetifError, match="does not exist"):
        kmod.open_port("kmsw0", backend="kmod")
    with pytest.raises(ValueError):
        kmod.open_port("kmsw0", backend="xdp")


def test_clear_event_reads_the_count_and_never_blocks():
    """KPort.clear_event is read() on the device fd (uapi.h: the u64 count since the last read,
    EAGAIN when none is pending). A non-blocking eventfd has that contract, so it stands in for
    /dev/mnetif here: a pending count is returned once, then 0 without blocking."""
    fd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
    port = object.__new__(kmod.KPort)
    port._fd = fd
    try:
        assert port.clear_event() == 0, "clear with nothing pending must return 0, not block"
        os.eventfd_write(fd, 3)
        assert port.clear_event() == 3, "clear must return the signals since the last clear"
        assert port.clear_event() == 0, "a clear must reset the count"
    finally:
        port._fd = -1
        os.close(fd)
