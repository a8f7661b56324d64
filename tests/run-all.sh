#!/bin/bash
# Every test of Unmasked, from a fresh clone or an existing tree:
#   1. build-test/  the normal (release) build: every suite (core, io, synth,
#                   pipeline, ops through the `gegl` CLI, plugin through
#                   headless GIMP);
#   2. build-asan/  AddressSanitizer + UndefinedBehaviorSanitizer (+ LeakSanitizer)
#                   build of the library suites (core, io, synth, pipeline).
#                   The GEGL ops and the GIMP plug-in are left out: they are
#                   loaded into gegl/gimp processes that are not built with
#                   ASan.
# Tests that need the trained weights skip (exit 77) until weights/ has them;
# a skip is not a failure.  Exit status: 0 when both builds passed.
# Environment: UNMASK_JOBS=N limits the build to N jobs (default: ninja's),
# MESON_TESTTHREADS=N limits parallel tests (default: the number of CPUs),
# UNMASK_TEST_WEIGHTS=DIR runs the weights tests of every suite with the
# networks in DIR (e.g. a copy of a training run's checkpoints) instead of
# weights/.  The detection tests need python3-skimage (the astronaut photo)
# and fail without it.
# Each stage prints its wall-clock time (the total must stay well under 20
# minutes on 2 busy cores).
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=()
[ -n "${UNMASK_JOBS:-}" ] && jobs=(-j "$UNMASK_JOBS")

# setup DIR OPTIONS...: configure DIR, or reconfigure it if it exists (so a
# weights file added since is picked up).
setup () {
  local dir=$1
  shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$@"
  else
    meson setup "$dir" "$@"
  fi
}

status=0
t0=$SECONDS
t=$SECONDS
# took WHAT: the time since the last call
took () { echo "--- $1: $((SECONDS - t)) s"; t=$SECONDS; }

echo "=== normal build: all suites ==="
setup build-test
ninja -C build-test "${jobs[@]}"
took "normal build"
meson test -C build-test --print-errorlogs || status=1
took "normal tests"

echo "=== AddressSanitizer + UndefinedBehaviorSanitizer build: core io synth pipeline ==="
setup build-asan -Dbuildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false \
  -Dgegl_ops=false -Dgimp_plugin=false
ninja -C build-asan "${jobs[@]}"
took "sanitizer build"
# Any report fails the test: leaks (LeakSanitizer), memory errors, and
# undefined behaviour (halt_on_error turns UBSan's reports into failures).
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=1:print_summary=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1:print_summary=1
meson test -C build-asan --print-errorlogs --timeout-multiplier 4 \
  --suite core --suite io --suite synth --suite pipeline || status=1
took "sanitizer tests"
echo "--- total: $((SECONDS - t0)) s"

# count TESTLOG RESULT: how many tests of the last `meson test` run ended so
count () { grep -o "\"result\": \"$2\"" "$1" | wc -l || true; }
passed=0 failed=0 skipped=0
for d in build-test build-asan; do
  log=$d/meson-logs/testlog.json
  [ -f "$log" ] || continue
  passed=$((passed + $(count "$log" OK) + $(count "$log" EXPECTEDFAIL)))
  failed=$((failed + $(count "$log" FAIL) + $(count "$log" TIMEOUT) + $(count "$log" ERROR) + $(count "$log" UNEXPECTEDPASS)))
  skipped=$((skipped + $(count "$log" SKIP)))
done
[ $failed -gt 0 ] && status=1

[ $status -eq 0 ] && echo "=== all tests passed ===" \
  || echo "=== SOME TESTS FAILED: see the logs above and build-*/meson-logs/testlog.txt ==="
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
