#!/usr/bin/env bash
# The hardening suites (issue 5), in a few minutes on 2 cores:
#   1. ASan + UBSan: hostile texts, malformed models, fuzz seed/regression
#      replay, concurrency (ctest targets also run by scripts/test-c.sh)
#   2. ThreadSanitizer: 8 threads encoding on one model while 4 others load
#      and free their own models (test_concurrency, more rounds)
#   3. Allocation-failure injection (tests/c/alloc_fail.c linked with
#      --wrap=malloc/calloc/realloc, ASan + LeakSanitizer; the same test as
#      CMake's -DM2V_ALLOC_FAIL_TEST=ON ctest alloc_fail)
#   4. (--fuzz) libFuzzer smoke run: every fuzz target M2V_FUZZ_SECONDS
#      (20) s; off by default, as scripts/test-all runs fuzz/run.sh itself
#   5. 32-bit (i386, gcc -m32, when gcc-multilib is there) build of the
#      hostile-text, malformed-model, fuzz-replay and concurrency suites:
#      size_t is 32 bits as on armeabi-v7a (scripts/test-aarch64.sh runs
#      them for armhf under qemu in any case)
#   6. the Python test suite through an ASan + UBSan build of the extension
#      (own venv build/venv-hardening, LD_PRELOAD=libasan; --no-python skips)
# Options: --fuzz adds 4, --no-python skips 6. Run from the repo root; build trees go to
# build-hardening*/ (ignored by git). Installs what it needs on a fresh
# Debian/Ubuntu machine (cmake, gcc, python3-venv; clang for --fuzz).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
JOBS=${M2V_JOBS:-2}
FUZZ=0
PYTHON_ASAN=1
for a in "$@"; do
    case "$a" in
    --fuzz) FUZZ=1 ;;
    --no-fuzz) FUZZ=0 ;;
    --no-python) PYTHON_ASAN=0 ;;
    *) echo "usage: $0 [--fuzz] [--no-python]" >&2; exit 2 ;;
    esac
done

need=()
command -v cmake >/dev/null || need+=(cmake)
command -v gcc >/dev/null || need+=(gcc)
command -v make >/dev/null || need+=(make)
if ((${#need[@]})); then
    echo "== installing: ${need[*]}"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" build-essential
fi

SUITES=(test_hostile_text test_malformed_more test_fuzz_regressions test_concurrency)
build() { # dir, cmake args...
    local dir=$1
    shift
    cmake -S "$ROOT" -B "$dir" -DM2V_BUILD_TESTS=ON -DM2V_SOURCES_EXCLUDE= "$@" >/dev/null
    cmake --build "$dir" -j "$JOBS" --target "${SUITES[@]}" >/dev/null
}
t0=$(date +%s)

echo "== 1/6 ASan + UBSan: ${SUITES[*]}"
build build-hardening-asan -DCMAKE_BUILD_TYPE=Debug -DM2V_SANITIZE=address,undefined
(cd build-hardening-asan &&
 ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=1 \
 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
 ctest --output-on-failure -j "$JOBS" -R "^($(IFS='|'; echo "${SUITES[*]}"))\$")

echo "== 2/6 ThreadSanitizer: test_concurrency"
SUITES=(test_concurrency)
build build-hardening-tsan -DCMAKE_BUILD_TYPE=Debug -DM2V_SANITIZE=thread
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 M2V_STRESS_ROUNDS=${M2V_STRESS_ROUNDS:-300} \
    build-hardening-tsan/test_concurrency

echo "== 3/6 allocation-failure injection (ASan + LeakSanitizer)"
mkdir -p build-hardening-alloc
srcs=()
for f in csrc/*.c; do
    case "$(basename "$f")" in tokenizer_none.c) [ -e csrc/tokenizer.c ] && continue ;; esac
    srcs+=("$f")
done
gcc -std=c11 -O1 -g -Wall -Wextra -Werror -ffp-contract=off \
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
    -Iinclude -Icsrc -Itests/c -DM2V_SOURCE_DIR="\"$ROOT\"" \
    tests/c/alloc_fail.c "${srcs[@]}" \
    -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc -lm -lpthread \
    -o build-hardening-alloc/alloc_fail
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 build-hardening-alloc/alloc_fail

if [ "$FUZZ" -eq 1 ]; then
    echo "== 4/6 libFuzzer smoke run"
    M2V_FUZZ_OUT=$ROOT/build-hardening-fuzz fuzz/run.sh
else
    echo "== 4/6 libFuzzer smoke run: not asked (--fuzz; scripts/test-all runs fuzz/run.sh)"
fi
# 32-bit targets: scripts/test-aarch64.sh runs every tests/c/test_*.c (these
# suites included) cross-compiled for armhf under qemu. Here, when gcc -m32
# works, the same suites also run as i386 (gcc-multilib is not installed
# here: it conflicts with Debian's arm cross compilers).
echo "== 5/6 32-bit build (gcc -m32): hostile text, malformed models, fuzz replay, concurrency"
printf '%s\n' '#include <errno.h>' '#include <math.h>' '#include <pthread.h>' \
    '#include <stdio.h>' 'int main(void){return sizeof(void*)!=4 || errno;}' \
    >build-hardening-alloc/m32.c
if gcc -m32 build-hardening-alloc/m32.c -o build-hardening-alloc/m32 -lm -lpthread 2>/dev/null &&
   build-hardening-alloc/m32; then
    mkdir -p build-hardening-m32
    M32=(-m32 -D_FILE_OFFSET_BITS=64 -std=c11 -O2 -Wall -Wextra -Werror -ffp-contract=off
         -Iinclude -Icsrc -Itests/c -DM2V_SOURCE_DIR="\"$ROOT\"")
    printf '%s\0' "${srcs[@]}" | xargs -0 -P "$JOBS" -I{} sh -c \
        'gcc "$@" -c "{}" -o "build-hardening-m32/$(basename "{}" .c).o"' sh "${M32[@]}"
    for t in test_hostile_text test_malformed_more test_fuzz_regressions test_concurrency; do
        gcc "${M32[@]}" "tests/c/$t.c" build-hardening-m32/*.o -lm -lpthread \
            -o "build-hardening-m32/$t"
        log=build-hardening-m32/$t.log
        "build-hardening-m32/$t" >"$log" 2>&1 || { cat "$log"; exit 1; }
        tail -n 1 "$log"
    done
else
    echo "NOTE: gcc -m32 does not work here (no gcc-multilib); the 32-bit run of these"
    echo "      suites is the armhf one of scripts/test-aarch64.sh"
fi

if [ "$PYTHON_ASAN" -eq 1 ]; then
    echo "== 6/6 Python tests through an ASan + UBSan build of the extension"
    PY=${PYTHON:-python3}
    if ! "$PY" -c 'import venv, ensurepip, sysconfig, os; assert os.path.exists(sysconfig.get_paths()["include"] + "/Python.h")' 2>/dev/null; then
        SUDO=""
        [ "$(id -u)" -ne 0 ] && SUDO=sudo
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3 python3-venv python3-dev
        PY=python3
    fi
    # Built from a copy of the tree, so the sanitized objects never meet the
    # normal build's (setuptools does not rebuild when only flags change).
    SRC=$ROOT/build/hardening-src
    VENV=$ROOT/build/venv-hardening
    rm -rf "$SRC"
    mkdir -p "$SRC"
    git ls-files -co --exclude-standard -z | while IFS= read -r -d '' f; do
        [ -f "$f" ] && printf '%s\0' "$f"
    done | xargs -0 cp --parents -t "$SRC"
    [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    # (a local folder is always rebuilt; M2V_SANITIZE only affects m2v's build)
    M2V_SANITIZE=address,undefined "$VENV/bin/python" -m pip install -q "$SRC[test]"
    cc=$("$VENV/bin/python" -c 'import sysconfig; print((sysconfig.get_config_var("CC") or "cc").split()[0])')
    asan=$("$cc" -print-file-name=libasan.so)
    [ -f "$asan" ] || { echo "no libasan.so for $cc" >&2; exit 1; }
    ext=$(cd / && LD_PRELOAD=$asan ASAN_OPTIONS=detect_leaks=0 "$VENV/bin/python" -c \
          'import m2v._m2v as e; print(e.__file__)')
    ldd "$ext" | grep -q libasan || { echo "$ext is not an ASan build" >&2; exit 1; }
    (cd "$SRC" &&
     LD_PRELOAD=$asan ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:abort_on_error=1 \
     UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
     M2V_SHARED_DIR=${M2V_SHARED_DIR:-$ROOT/../shared} \
     "$VENV/bin/pytest" -p no:cacheprovider -q -ra \
         tests/python/test_smoke.py tests/python/test_errors.py tests/python/test_api.py \
         tests/python/test_threads.py tests/python/test_parity_fixtures.py \
         -k "not batch_of_10000")
else
    echo "== 6/6 Python tests through ASan: skipped (--no-python)"
fi
echo "== hardening: all passed in $(( $(date +%s) - t0 )) s"
