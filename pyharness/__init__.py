"""mnetif's Python side: ctypes bindings of libmnetif (ring, registry, software and real interfaces)
and the interleaving harness (model build, scheduler, engines, oracles, CLI: python -m pyharness)."""
