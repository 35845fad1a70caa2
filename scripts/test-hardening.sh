#!/usr/bin/env bash
# The hardening suites (issue 5), in a few minutes on 2 cores:
#   1. ASan + UBSan: hostile texts, malformed models, fuzz seed/regression
#      replay, concurrency (ctest targets also run by scripts/test-c.sh)
#   2. ThreadSanitizer: 8 threads encoding on one model while 4 others load
#      and free their own models (test_concurrency, more rounds)
#   3. Allocation-failure injection (tests/c/alloc_fail.c linked with
#      --wrap=malloc/calloc/realloc, ASan + LeakSanitizer)
#   4. libFuzzer smoke run: every fuzz target M2V_FUZZ_SECONDS (20) s
#   5. 32-bit (i386, gcc -m32) build of the hostile-text, malformed-model,
#      fuzz-replay and concurrency suites: size_t is 32 bits as on
#      armeabi-v7a, so overflow checks on sizes are exercised for real
# Options: --no-fuzz skips 4. Run from the repo root; build trees go to
# build-hardening*/ (ignored by git). Installs what it needs on a fresh
# Debian/Ubuntu machine (cmake, gcc, clang + libFuzzer runtime).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
JOBS=${M2V_JOBS:-2}
FUZZ=1
for a in "$@"; do
    case "$a" in
    --no-fuzz) FUZZ=0 ;;
    *) echo "usage: $0 [--no-fuzz]" >&2; exit 2 ;;
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

echo "== 1/5 ASan + UBSan: ${SUITES[*]}"
build build-hardening-asan -DCMAKE_BUILD_TYPE=Debug -DM2V_SANITIZE=address,undefined
(cd build-hardening-asan &&
 ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=1 \
 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
 ctest --output-on-failure -j "$JOBS" -R "^($(IFS='|'; echo "${SUITES[*]}"))\$")

echo "== 2/5 ThreadSanitizer: test_concurrency"
SUITES=(test_concurrency)
build build-hardening-tsan -DCMAKE_BUILD_TYPE=Debug -DM2V_SANITIZE=thread
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 M2V_STRESS_ROUNDS=${M2V_STRESS_ROUNDS:-300} \
    build-hardening-tsan/test_concurrency

echo "== 3/5 allocation-failure injection (ASan + LeakSanitizer)"
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
    echo "== 4/5 libFuzzer smoke run"
    M2V_FUZZ_OUT=$ROOT/build-hardening-fuzz fuzz/run.sh
else
    echo "== 4/5 libFuzzer smoke run: skipped (--no-fuzz)"
fi
echo "== 5/5 32-bit build (gcc -m32): hostile text, malformed models, fuzz replay, concurrency"
if [ "$(uname -m)" = x86_64 ]; then
    echo 'int main(void){return sizeof(void*)!=4;}' >build-hardening-alloc/m32.c
    if ! gcc -m32 build-hardening-alloc/m32.c -o build-hardening-alloc/m32 2>/dev/null; then
        SUDO=""
        [ "$(id -u)" -ne 0 ] && SUDO=sudo
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq gcc-multilib
    fi
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
    echo "(not an x86_64 host: skipped)"
fi
echo "== hardening: all passed in $(( $(date +%s) - t0 )) s"
