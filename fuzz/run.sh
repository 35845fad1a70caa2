#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ (clang, ASan + UBSan) and runs them.
#
#   fuzz/run.sh                      every target for M2V_FUZZ_SECONDS (20) s,
#                                    two at a time: the CI smoke run (< 3 min)
#   fuzz/run.sh --long SECONDS       every target for SECONDS, one at a time,
#                                    one job each: a long campaign
#   fuzz/run.sh [--long S] NAME...   only these targets (fuzz_json, ...)
#   fuzz/run.sh --build-only         build and stop
#
# Corpora grow in build-fuzz/corpus/<target>/ (kept between runs, ignored
# by git) on top of the checked-in seeds fuzz/seeds/<target>/ (made by
# fuzz/make_seeds.py). A crash, leak, timeout or failed property stops the
# target and leaves its input in build-fuzz/artifacts/<target>/; copy it to
# fuzz/regressions/<target>/ so tests/c/test_fuzz_regressions.c replays it
# in every ctest run. The script exits non-zero if any target failed and
# prints the executions per target. Installs clang on a fresh Debian.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT=${M2V_FUZZ_OUT:-$ROOT/build-fuzz}  # build + corpora + artifacts
SECONDS_EACH=${M2V_FUZZ_SECONDS:-20}
PARALLEL=2
BUILD_ONLY=0
TARGETS=()
while (($#)); do
    case "$1" in
    --long) SECONDS_EACH=$2; PARALLEL=1; shift 2 ;;
    --build-only) BUILD_ONLY=1; shift ;;
    -h|--help) sed -n 2,19p "$0"; exit 0 ;;
    *) TARGETS+=("$1"); shift ;;
    esac
done
if ((${#TARGETS[@]} == 0)); then
    for f in fuzz/fuzz_*.c; do TARGETS+=("$(basename "$f" .c)"); done
fi

CC=${M2V_FUZZ_CC:-}
if [ -z "$CC" ]; then
    for c in clang clang-19 clang-18 clang-17 clang-16 clang-15 clang-14; do
        if command -v "$c" >/dev/null; then CC=$c; break; fi
    done
fi
libfuzzer_ok() {
    [ -n "$CC" ] || return 1
    echo 'int LLVMFuzzerTestOneInput(const char*d,unsigned long n){(void)d;(void)n;return 0;}' \
        >"$OUT/probe.c"
    "$CC" -fsanitize=fuzzer "$OUT/probe.c" -o "$OUT/probe" 2>/dev/null
}
mkdir -p "$OUT"
if ! libfuzzer_ok; then
    echo "== installing clang and its libFuzzer runtime"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq clang
    ver=$(clang --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -1)
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "libclang-rt-$ver-dev" || true
    CC=clang
    libfuzzer_ok || { echo "fuzz/run.sh: clang cannot link libFuzzer" >&2; exit 1; }
fi

# ---- build -------------------------------------------------------------
FLAGS=(-g -O1 -std=c11 -Wall -Wextra -Werror -ffp-contract=off
       -fsanitize=address,undefined -fno-sanitize-recover=all
       -fno-omit-frame-pointer -I"$ROOT/include" -I"$ROOT/csrc"
       -DM2V_SOURCE_DIR="\"$ROOT\"")
# clang < 16 does not know __builtin_cpu_supports("f16c") (pool.c's x86
# float16 fast path): then that probe reads as "not supported".
echo 'int main(void){return __builtin_cpu_supports("f16c");}' >"$OUT/probe2.c"
if ! "$CC" "$OUT/probe2.c" -o "$OUT/probe2" 2>/dev/null; then
    FLAGS+=('-D__builtin_cpu_supports(x)=0')
fi
SRCS=(csrc/*.c)
echo "== building ${#TARGETS[@]} fuzz targets with $CC"
mkdir -p "$OUT/obj"
objs=()
mkdir -p "$OUT/obj"
for f in "${SRCS[@]}"; do
    o=$OUT/obj/$(basename "$f" .c).o
    if [ ! -e "$o" ] || [ "$f" -nt "$o" ] || [ csrc/m2v_internal.h -nt "$o" ] ||
       [ include/m2v.h -nt "$o" ] || [ "$0" -nt "$o" ] ||
       { [ -e csrc/m2v_tokenizer.h ] && [ csrc/m2v_tokenizer.h -nt "$o" ]; }; then
        printf '%s\0' "$f"
    fi
done | xargs -0 -r -P 2 -I{} sh -c '"$0" "$@" -fsanitize=fuzzer-no-link -c "{}" -o "'"$OUT"'/obj/$(basename "{}" .c).o"' "$CC" "${FLAGS[@]}"
for f in "${SRCS[@]}"; do objs+=("$OUT/obj/$(basename "$f" .c).o"); done
for t in "${TARGETS[@]}"; do
    [ -e "fuzz/$t.c" ] || { echo "no such target: fuzz/$t.c" >&2; exit 2; }
    "$CC" "${FLAGS[@]}" -fsanitize=fuzzer "fuzz/$t.c" "${objs[@]}" -lm -lpthread \
        -o "$OUT/$t"
done
[ "$BUILD_ONLY" -eq 1 ] && { echo "== built in $OUT"; exit 0; }

# ---- run -----------------------------------------------------------------
max_len() {
    case "$1" in
    fuzz_load) echo 65536 ;;
    fuzz_json) echo 32768 ;;
    *) echo 8192 ;;
    esac
}
run_one() { # target
    local t=$1 dict=()
    mkdir -p "$OUT/corpus/$t" "$OUT/artifacts/$t" "fuzz/seeds/$t"
    [ -e "fuzz/$t.dict" ] && dict=(-dict="fuzz/$t.dict")
    ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$OUT/$t" "$OUT/corpus/$t" "fuzz/seeds/$t" "${dict[@]}" \
        -max_total_time="$SECONDS_EACH" -max_len="$(max_len "$t")" \
        -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
        -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$t/" \
        >"$OUT/$t.log" 2>&1
}
export -f run_one max_len
export OUT SECONDS_EACH
echo "== running: ${TARGETS[*]} (${SECONDS_EACH}s each, $PARALLEL at a time)"
set +e
printf '%s\n' "${TARGETS[@]}" | xargs -P "$PARALLEL" -I{} bash -c 'run_one {}'
set -e
fail=0
total=0
for t in "${TARGETS[@]}"; do
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$OUT/$t.log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$OUT/$t.log" | tail -1 || true)
    total=$((total + ${execs:-0}))
    if grep -qE '^==[0-9]+==ERROR|^SUMMARY: |property failed|runtime error:|Test unit written|ALARM: working on the last Unit' "$OUT/$t.log"; then
        echo "FAIL $t: ${execs:-0} executions; log $OUT/$t.log"
        grep -E 'ERROR|SUMMARY|property failed|runtime error|Test unit written' "$OUT/$t.log" | head -5
        fail=1
    else
        echo "ok   $t: ${execs:-0} executions, $cov, corpus $(ls "$OUT/corpus/$t" | wc -l) files"
    fi
done
echo "== total executions: $total"
exit "$fail"
