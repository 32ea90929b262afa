"""mnetif's Python bindings: the ring (ring.py), the plug registry and software interfaces
(registry.py), the transmit ring (tx.py), the kernel module's character device (kmod.py) and the
embedded OCaml port (ocaml.py), over the shared objects native.py finds (docs/install.md)."""
