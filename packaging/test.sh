#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, runs the whole suite through ctest,
# then builds and runs it again under AddressSanitizer + UndefinedBehaviorSanitizer.
# Used verbatim by .ci/run. Build dirs: build/ (Release, like the README's run command, without debug
# info to keep the suite fast) and build-asan/ (Debug + ASan/UBSan, where stack traces matter).
set -euo pipefail
cd "$(dirname "$0")/.."

packaging/setup.sh

jobs=2
# The micro-benchmarks are built here too: ctest runs each once as a smoke test.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DTETHER_BUILD_BENCH=ON
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs" --timeout 180

cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTETHER_SANITIZE=ON -DTETHER_BUILD_BENCH=OFF
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs" --timeout 300
