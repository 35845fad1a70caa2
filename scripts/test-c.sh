#!/usr/bin/env bash
# Builds the C library and runs the C tests three ways:
#   1. Release build + ctest
#   2. AddressSanitizer + UndefinedBehaviorSanitizer build + ctest
#   3. valgrind memcheck over every C test (Release build)
# (plus a ThreadSanitizer run of test_threads). test_models_shared (ctest
# label "shared") reads ../shared or M2V_SHARED_DIR; it fails without the
# data when CI or M2V_REQUIRE_SHARED is set, else it is reported skipped.
# Installs what it needs on a fresh Debian/Ubuntu machine. Run from the repo
# root: scripts/test-c.sh. Build trees go to build-c*/ (ignored by git).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
JOBS=${M2V_JOBS:-2}

need=()
command -v cmake >/dev/null || need+=(cmake)
command -v cc >/dev/null || need+=(gcc)
command -v make >/dev/null || need+=(make)
command -v valgrind >/dev/null || need+=(valgrind)
command -v pkg-config >/dev/null || need+=(pkg-config)
if ((${#need[@]})); then
    echo "== installing: ${need[*]}"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" build-essential
fi


build() { # dir, extra cmake args...
    local dir=$1
    shift
    # M2V_CMAKE_ARGS: extra configure arguments (e.g. -DM2V_SOURCES_EXCLUDE=...)
    # shellcheck disable=SC2086
    cmake -S "$ROOT" -B "$dir" -DM2V_BUILD_TESTS=ON -DM2V_SOURCES_EXCLUDE= "$@" ${M2V_CMAKE_ARGS:-} >/dev/null
    cmake --build "$dir" -j "$JOBS" >/dev/null
}

echo "== 1/4 Release build + ctest"
build build-c -DCMAKE_BUILD_TYPE=Release
(cd build-c && ctest --output-on-failure -j "$JOBS")

echo "== install, then build a consumer with find_package(m2v) and pkg-config"
PREFIX="$ROOT/build-c/install-test"
rm -rf "$PREFIX" build-c/consumer
cmake --install build-c --prefix "$PREFIX" >/dev/null
cmake -S tests/c/install -B build-c/consumer -DCMAKE_PREFIX_PATH="$PREFIX" >/dev/null
cmake --build build-c/consumer >/dev/null
MODEL="$ROOT/tests/fixtures/models/f32"
PC=$(dirname "$(find "$PREFIX" -name m2v.pc)")
LIBD=$(dirname "$PC")
LD_LIBRARY_PATH="$LIBD" build-c/consumer/consumer_shared "$MODEL"
build-c/consumer/consumer_static "$MODEL"
# shellcheck disable=SC2046
cc tests/c/install/consumer.c $(PKG_CONFIG_PATH="$PC" pkg-config --cflags --libs m2v) \
    -o build-c/consumer/consumer_pc
LD_LIBRARY_PATH="$LIBD" build-c/consumer/consumer_pc "$MODEL"

echo "== 2/4 ASan + UBSan build + ctest"
build build-c-asan -DCMAKE_BUILD_TYPE=Debug -DM2V_SANITIZE=address,undefined
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
(cd build-c-asan && ctest --output-on-failure -j "$JOBS")
unset ASAN_OPTIONS UBSAN_OPTIONS

echo "== 3/4 ThreadSanitizer: test_threads"
build build-c-tsan -DCMAKE_BUILD_TYPE=Debug -DM2V_SANITIZE=thread
TSAN_OPTIONS=halt_on_error=1 build-c-tsan/test_threads >/dev/null

echo "== 4/4 valgrind memcheck over the C tests"
fail=0
for t in build-c/test_*; do
    [ -x "$t" ] || continue
    case "$(basename "$t")" in *_shared) continue ;; esac
    if ! valgrind -q --error-exitcode=1 --leak-check=full \
        --errors-for-leak-kinds=definite,indirect "$t" >/dev/null 2>build-c/valgrind.log; then
        echo "valgrind: $(basename "$t") FAILED"
        cat build-c/valgrind.log
        fail=1
    else
        echo "valgrind: $(basename "$t") ok"
    fi
done
[ "$fail" -eq 0 ]
echo "== C tests: all passed"
