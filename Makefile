# twtest: build, test, install. User CFLAGS add to the warnings instead of replacing them.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man/man1
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
CC ?= cc

# Every core builds unless the caller chose a -j: make test builds four variants.
ifeq ($(filter -j%,$(MAKEFLAGS)),)
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 1)
endif

STD = -std=gnu11 -D_GNU_SOURCE
WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
OPT ?= -O2 -g
FINAL_CFLAGS = $(STD) $(WARN) $(OPT) -Iinclude -MMD -MP $(CFLAGS)
FINAL_LDFLAGS = $(LDFLAGS) -pthread

# BUILD holds objects; BIN is the program. `make SAN=1` builds the sanitizer variant,
# `make FUZZ=1` (clang) the objects the libFuzzer targets link.
ifeq ($(SAN),1)
BUILD ?= build/san
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
OPT = -O1 -g
FINAL_CFLAGS += $(SANFLAGS)
FINAL_LDFLAGS += $(SANFLAGS)
else ifeq ($(FUZZ),1)
BUILD ?= build/fuzz
SANFLAGS = -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
OPT = -O1 -g
FINAL_CFLAGS += $(SANFLAGS)
FINAL_LDFLAGS += $(SANFLAGS)
else
BUILD ?= build/release
endif
BIN ?= $(BUILD)/twtest

# src/ is grouped by part: lib/ is the floor every part uses; client/, server/, ports/ and
# stat/ and merge/ each use lib/ and themselves only; main.c picks the subcommand.
PARTS = lib client server ports stat merge
SRCS = $(wildcard src/*.c $(PARTS:%=src/%/*.c))
OBJS = $(SRCS:src/%.c=$(BUILD)/%.o)
LIB_OBJS = $(filter-out $(BUILD)/main.o,$(OBJS))
UNIT_SRCS = $(wildcard tests/unit/*.c)
UNIT_BIN = $(BUILD)/unit_tests
HOSTILE_BIN = $(BUILD)/hostile

# libFuzzer targets: tests/fuzz/fuzz_NAME.c, seeds in tests/fuzz/corpus/NAME/.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TEST_SECONDS ?= 1
FUZZ_SRCS = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS = $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/%)
FUZZ_COMMON = tests/fuzz/common.c tests/fuzz/http_fuzz.c

.PHONY: all test test-kernels check unit bench demo install uninstall clean fuzz fuzz-build fuzz-bins

# ./twtest (what `make install` installs) is only ever the release build: `make SAN=1` and
# `make FUZZ=1` build into their own BUILD and leave it alone.
ifneq ($(SAN)$(FUZZ),)
all: $(BIN)

.PHONY: twtest
twtest:
	@echo "make: ./twtest is the release build's; SAN=1 and FUZZ=1 build $(BIN) only" >&2; exit 2
else
all: twtest

# The program at the top of the tree, for `./twtest`.
twtest: $(BUILD)/twtest
	cp "$<" "$@.tmp" && mv -f "$@.tmp" "$@"
endif

$(BUILD)/twtest: $(OBJS)
	$(CC) $(FINAL_CFLAGS) -o "$@" $^ $(FINAL_LDFLAGS)

$(BUILD)/%.o: src/%.c | $(BUILD)
	@mkdir -p "$(@D)"
	$(CC) $(FINAL_CFLAGS) -c -o "$@" "$<"

$(UNIT_BIN): $(UNIT_SRCS) $(LIB_OBJS) | $(BUILD)
	$(CC) $(FINAL_CFLAGS) -Itests/unit -o "$@" $(UNIT_SRCS) $(LIB_OBJS) $(FINAL_LDFLAGS)

# Misbehaving peers for tests/integration/faults.sh.
$(HOSTILE_BIN): tests/helpers/hostile.c | $(BUILD)
	$(CC) $(FINAL_CFLAGS) -o "$@" $< $(FINAL_LDFLAGS)

# One fuzz binary per target (run with FUZZ=1: objects built for libFuzzer's coverage).
$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_COMMON) tests/fuzz/fuzz.h tests/fuzz/http_fuzz.h $(LIB_OBJS) | $(BUILD)
	$(CC) $(FINAL_CFLAGS) -fsanitize=fuzzer -Itests/fuzz -o "$@" $< $(FUZZ_COMMON) $(LIB_OBJS) $(FINAL_LDFLAGS)

fuzz-bins: $(FUZZ_BINS)

# Build the targets when $(FUZZ_CC) can link libFuzzer (Debian: libclang-rt-N-dev),
# else say why not; tests/fuzz/run.sh then reports them as skipped.
fuzz-build:
	@if tests/fuzz/run.sh --probe $(FUZZ_CC); then \
		$(MAKE) FUZZ=1 CC=$(FUZZ_CC) fuzz-bins; \
	else echo "fuzz: $(FUZZ_CC) cannot link -fsanitize=fuzzer; fuzz targets not built" >&2; fi

# Run every target for FUZZ_SECONDS from its seeds; what it learns stays in
# build/fuzz/corpus, crashes go to build/fuzz/crashes.
fuzz:
	$(MAKE) FUZZ=1 CC=$(FUZZ_CC) fuzz-bins
	tests/fuzz/run.sh --keep build/fuzz "$(FUZZ_SECONDS)"

$(BUILD):
	mkdir -p "$@"

unit: $(UNIT_BIN)

# The whole suite, first on the release build, then under ASan+UBSan.
test: twtest $(UNIT_BIN) $(HOSTILE_BIN)
	$(MAKE) SAN=1 build/san/twtest build/san/unit_tests build/san/hostile
	if command -v clang >/dev/null; then $(MAKE) CC=clang BUILD=build/clang build/clang/twtest build/clang/hostile; fi
	$(MAKE) fuzz-build
	TW_LANES=2 TW_SHARE=1 TW_FUZZ=build/fuzz FUZZ_SECONDS=$(FUZZ_TEST_SECONDS) tests/run.sh build/release build/san

# The developer's fast loop: the unit tests and the integration files that need no root and
# no peers, on the release build only (under a minute); `make test` is the whole suite.
CHECK_FILES = badinput completion deps fieldnames kernels lab_table makefile manpage runbits runner
check: twtest $(UNIT_BIN)
	TW_FILES="$(CHECK_FILES)" tests/run.sh "$(BUILD)"

# The kernel-sensitive tests and scripts/remedies.sh inside Debian's 6.1 and 6.12 kernels
# under qemu, and on this host's kernel (scripts/kernels.sh: fetched into build/kernels, or
# TW_KERNEL_CACHE); KERNELS=6.1 picks, KERNELS_ARGS adds options (--doc docs/remedies.md).
KERNELS ?= 6.1,6.12
test-kernels: twtest $(UNIT_BIN) $(HOSTILE_BIN)
	scripts/kernels.sh --kernels "$(KERNELS)" --build "$(BUILD)" $(KERNELS_ARGS)

# The mutation check of the pure modules (tools/mutants.sh, docs/reliability.md); long, so
# not part of `make test`. Builds in build/mutants and never writes the sources.
.PHONY: mutants
mutants:
	tools/mutants.sh

# The benchmark's own yardstick (bench/baseline.c) and rusage reporter (bench/runstat.c).
BENCH_BINS = $(BUILD)/baseline $(BUILD)/runstat

$(BUILD)/baseline: bench/baseline.c | $(BUILD)
	$(CC) $(FINAL_CFLAGS) -o "$@" $< $(FINAL_LDFLAGS)

$(BUILD)/runstat: bench/runstat.c | $(BUILD)
	$(CC) $(FINAL_CFLAGS) -o "$@" $< $(FINAL_LDFLAGS)

bench: twtest $(BENCH_BINS)
	scripts/bench.sh "$(BUILD)"
	scripts/bench_rate.sh "$(BUILD)"
	scripts/bench_http.sh "$(BUILD)"
	scripts/bench_nat.sh "$(BUILD)/twtest"
	scripts/bench_exporter.sh "$(BUILD)"
	TWTEST="$(BUILD)/twtest" scripts/seedbench.sh --short --out "$(BUILD)/seedbench"

# Start a server on loopback, run a client against it, stop the server.
demo: twtest
	scripts/demo.sh

install: twtest
	install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(MANDIR)" "$(DESTDIR)$(BASHCOMPDIR)"
	install -m 755 twtest "$(DESTDIR)$(BINDIR)/twtest"
	install -m 644 docs/twtest.1 "$(DESTDIR)$(MANDIR)/twtest.1"
	install -m 644 scripts/twtest-completion.bash "$(DESTDIR)$(BASHCOMPDIR)/twtest"

uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/twtest" "$(DESTDIR)$(MANDIR)/twtest.1" "$(DESTDIR)$(BASHCOMPDIR)/twtest"

clean:
	rm -rf build twtest

-include $(OBJS:.o=.d)
