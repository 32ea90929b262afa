#!/usr/bin/env bash
# Where the time goes (numbers for docs/performance.md). Not part of `make bench`: run by hand,
#   bash bench/profile.sh            (needs valgrind; perf with the cpu-clock event if available)
# 1. callgrind: instructions per frame of each implementation, one thread (build/bench/hotpath),
#    and the functions that execute them;
# 2. perf (software cpu-clock sampling; hardware counters are not available in these guests):
#    where the two threads of build/bench/ringbench spend their time, per implementation.
set -euo pipefail
cd "$(dirname "$0")/.."
make --no-print-directory build/bench/hotpath build/bench/ringbench >/dev/null
OUT=${PROFILE_OUT:-build/bench/profile}
mkdir -p "$OUT"
N=16000

echo "## callgrind: instructions per frame, one thread, push 16 / pop 16 (build/bench/hotpath LEN $N IMPL)"
echo
echo "| frame | implementation | instructions/frame | top functions (inclusive instructions/frame) |"
echo "|---|---|---|---|"
for len in 64 1500; do
  for impl in mn-v1 mn-v2 mn-v1-batch mn-v2-batch ck_ring; do
    f="$OUT/cg.$len.$impl"
    valgrind --tool=callgrind --callgrind-out-file="$f" build/bench/hotpath $len $N $impl >/dev/null 2>&1
    callgrind_annotate --inclusive=yes "$f" 2>/dev/null | python3 -c '
import re, sys
n = int(sys.argv[1]); rows = []
for line in sys.stdin:
    m = re.match(r"\s*([\d,]+)\s+\([^)]*\)\s+(\S+?):(\S+)", line)
    if m:
        rows.append((int(m.group(1).replace(",", "")), m.group(3)))
hot = [r for r in rows if r[1].startswith("hot_")]
total = hot[0][0] if hot else 0
top, seen = [], set()
for ir, name in rows:
    if name in seen or name.startswith(("hot_", "main", "(below", "0x", "_start", "__libc_start", "_dl")) or ir / n < 3:
        continue
    seen.add(name)
    top.append(f"{name} {ir / n:.0f}")
top = top[:6]
sep = ", "
print(f"| {sys.argv[2]} B | {sys.argv[3]} | {total / n:.0f} | {sep.join(top)} |")
' $N $len $impl
  done
done
echo
if perf stat -e cpu-clock true >/dev/null 2>&1; then
  echo "## perf (cpu-clock samples), two threads: build/bench/ringbench -i IMPL -n 2000000 -m 400000 -r 1"
  for impl in mn-v2 mn-v2-batch ck_ring; do
    perf record -q -e cpu-clock -o "$OUT/perf.$impl.data" -- build/bench/ringbench -i $impl -n 2000000 -m 400000 -r 1 >/dev/null 2>&1
    echo; echo "### $impl: symbols (% of samples, both threads, 64 B and 1500 B runs)"; echo '```'
    perf report -q -i "$OUT/perf.$impl.data" --no-children --sort sym --stdio 2>/dev/null | grep -v '^$' | head -8
    echo '```'
  done
else
  echo "perf: the cpu-clock event is not available here; skipped (callgrind figures above only)."
fi
