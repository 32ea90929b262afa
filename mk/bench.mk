# Benchmarks (issue 5): `make bench` builds and runs them, prints the table, writes bench/RESULTS.md.
# `make test-bench` (in TEST_TARGETS) runs the same pipeline with tiny counts and checks that the
# output is well-formed, plus the unit test of the batched ring API, so neither can rot.
BENCH_DIR := $(BUILD)/bench
BENCH_CORE := $(CORE_SRCS)
BENCH_HDRS := $(CORE_HDRS) bench/bench_util.h
BENCH_CFLAGS := $(CFLAGS_BASE) -O2 -Ibench
BENCH_BINS := $(BENCH_DIR)/ringbench $(BENCH_DIR)/wakebench $(BENCH_DIR)/test_ring_batch $(BENCH_DIR)/hotpath

$(BENCH_DIR)/ringbench: bench/ringbench.c c/src/ring.c $(BENCH_HDRS)
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $< c/src/ring.c -lpthread

$(BENCH_DIR)/wakebench: bench/wakebench.c $(BENCH_CORE) $(USER_SRCS) $(BENCH_HDRS)
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $< $(BENCH_CORE) $(USER_SRCS) -lpthread

$(BENCH_DIR)/test_ring_batch: bench/test_ring_batch.c c/src/ring.c $(BENCH_HDRS)
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $< c/src/ring.c -lpthread

$(BENCH_DIR)/hotpath: bench/hotpath.c c/src/ring.c $(BENCH_HDRS)
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $< c/src/ring.c

# The batched API under ThreadSanitizer (standalone program: no runtime preloading needed).
$(BENCH_DIR)/tsan/test_ring_batch: bench/test_ring_batch.c c/src/ring.c $(BENCH_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -O1 -fsanitize=thread -Ibench -o $@ $< c/src/ring.c -lpthread

ALL_TARGETS += $(BENCH_BINS)

.PHONY: bench test-bench
bench: $(BENCH_BINS)
	$(PYTHON) bench/report.py --out bench/RESULTS.md

test-bench: $(BENCH_BINS) $(BENCH_DIR)/tsan/test_ring_batch
	$(BENCH_DIR)/test_ring_batch
	TSAN_OPTIONS=halt_on_error=1:exitcode=66 $(BENCH_DIR)/tsan/test_ring_batch
	$(PYTHON) bench/report.py --smoke
TEST_TARGETS += test-bench
