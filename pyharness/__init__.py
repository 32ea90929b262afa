"""mnetif's interleaving harness: the model build's binding (model.py), workloads and replay
tokens (workload.py), one execution and the searches (runtime.py), the engines (Hypothesis, PCT,
exhaustive, DPOR), the bug zoo, the campaign and the CLI (python -m pyharness). The ring bindings
are the `mnetif` package."""
