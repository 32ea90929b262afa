#!/bin/bash -eu
# ClusterFuzzLite build script: runs in the image of .clusterfuzzlite/Dockerfile, in $SRC/mnetif,
# and leaves the fuzz target in $OUT (a PyInstaller bundle + the wrapper libFuzzer runs).

# The harness's Python dependencies, except atheris: the image's atheris is built against the
# image's libFuzzer and sanitizer runtime (what the wrapper preloads), so it is kept.
grep -v '^atheris' requirements.txt > "$WORK/requirements-cflite.txt"
pip3 install -r "$WORK/requirements-cflite.txt"

# The model builds the target executes (the real ring code compiled with -DMNETIF_MODEL, one
# shared object per zoo variant). They are not built with the sanitizer flags on purpose: the
# model's oracles are the bug detectors, and libFuzzer's signal comes from the target's own
# counters (the states each execution reached), not from compiler instrumentation.
make CC=gcc fuzz-libs

# Bundle the target with the model builds: inside the bundle, fuzz_schedules.py points
# MNETIF_BUILD at <bundle>/build.
compile_python_fuzzer fuzz/fuzz_schedules.py --paths "$SRC/mnetif" \
    --add-data "build/model:build/model"
