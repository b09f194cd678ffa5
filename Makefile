# zsum — top-level commands. CMake does the building; this file gives the short names.
#   make          build (build/)
#   make run      install missing Debian packages, build, run the chapter's example
#   make check    the same set-up, every test, then every test again under ASan + UBSan
#   make bench    benchmarks against their baselines (figures go to BENCHMARKS.md by hand)
#   make fuzz     install clang + libFuzzer, build the fuzz targets (build-fuzz/), run each for
#                 FUZZ_SECONDS (default 60); make fuzz-smoke: each for 60 s (fuzz/run.sh)
#   make install PREFIX=/usr/local
PREFIX ?= /usr/local
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD := build
ASAN_BUILD := build-asan
FUZZ_BUILD := build-fuzz
FUZZ_SECONDS ?= 60

.PHONY: all deps build run check test asan bench install clean fuzz-deps fuzz-build fuzz fuzz-smoke

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/Makefile:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)

run: build
	@echo '$$ zsum levels -n 10 -e 0,1,2 --state 0,0,0,0,0,0,0,1,1,2'
	@$(BUILD)/zsum levels -n 10 -e 0,1,2 --state 0,0,0,0,0,0,0,1,1,2

# After each run, the reasons of skipped tests and skipped parts (e.g. ../shared/data absent).
# (Braced: the `|| true` only keeps a run without skips from failing; a failed ctest still fails.)
SKIPS = { grep -h '^SKIP' Testing/Temporary/LastTest.log | sort -u || true; }

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) && $(SKIPS)

asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DZSUM_SANITIZE=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:handle_sigill=1 \
	  ZSUM_SANITIZED=1 ctest --output-on-failure -j $(JOBS) && $(SKIPS)

check: test asan

bench: build
	bash bench/run.sh $(BUILD)

fuzz-deps:
	@ZSUM_FUZZ_DEPS=1 bash scripts/install-deps.sh

# clang for libFuzzer; warnings are not errors here (the gcc builds hold that line).
$(FUZZ_BUILD)/Makefile:
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DZSUM_FUZZ=ON -DZSUM_WERROR=OFF

fuzz-build: fuzz-deps $(FUZZ_BUILD)/Makefile
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_targets

fuzz: fuzz-build
	bash fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

fuzz-smoke: fuzz-build
	bash fuzz/run.sh $(FUZZ_BUILD) 60

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
