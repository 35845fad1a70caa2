#!/usr/bin/env bash
# Packaging suite, C side: what a C user gets from `cmake --install`.
#   1. configure, build and install m2v (Release, no tests) into a temporary prefix;
#      check the installed files, the SONAME and that libm2v.so exports only m2v_*;
#   2. build tests/c/cmake_consumer with find_package(m2v) against the shared and
#      the static library; run both on the embedded default model (m2v/default_model);
#      a find_package asking for another major version must be refused;
#   3. build the same program with pkg-config (shared, and static through Libs.private);
#   4. move the prefix elsewhere and build again with both (relocatable package);
#   5. every binary prints the same result; every version string equals include/m2v.h.
# The Python packaging tests (sdist, wheel, installed console script) are in
# tests/python/test_packaging.py, marker `packaging`, run by scripts/test-python.sh.
# Installs cmake, pkg-config and a C compiler with apt-get if missing. Idempotent.
# Work folder: $M2V_PACKAGING_DIR (default build/packaging), recreated each run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

need=()
command -v cmake >/dev/null 2>&1 || need+=(cmake)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v cc >/dev/null 2>&1 || need+=(build-essential)
command -v readelf >/dev/null 2>&1 || need+=(binutils)
if [ ${#need[@]} -gt 0 ]; then
    echo "test-packaging: installing ${need[*]} with apt-get"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

WORK=${M2V_PACKAGING_DIR:-build/packaging}
case "$WORK" in /*) ;; *) WORK="$ROOT/$WORK" ;; esac
rm -rf "$WORK"
mkdir -p "$WORK"
PREFIX="$WORK/prefix"
MODEL="$ROOT/m2v/default_model"
TEXT="It's dangerous to go alone!"
# The ids of TEXT in the m2v-base vocabulary (shared/models/README.md), which the default model keeps.
WANT_IDS="ids 1012 8 58 3798 1003 1178 1897 2"
VERSION=$(sed -n 's/^#define M2V_VERSION_STRING "\(.*\)"$/\1/p' include/m2v.h)
MAJOR=$(sed -n 's/^#define M2V_VERSION_MAJOR \([0-9]*\)$/\1/p' include/m2v.h)
[ -n "$VERSION" ] && [ -n "$MAJOR" ] || { echo "test-packaging: no version in include/m2v.h"; exit 1; }

passed=0
failed=0
check() { # check "what" command...
    local what=$1; shift
    if "$@"; then
        passed=$((passed + 1)); echo "ok   $what"
    else
        failed=$((failed + 1)); echo "FAIL $what"
    fi
}
same_output() { # same_output file1 file2
    if cmp -s "$1" "$2"; then return 0; fi
    diff "$1" "$2" || true
    return 1
}
runs_ok() { # runs_ok out-file binary... : runs, checks version and ids lines
    local out=$1; shift
    "$@" "$MODEL" "$TEXT" >"$out" || { cat "$out"; return 1; }
    grep -qx "version $VERSION" "$out" && grep -qx "$WANT_IDS" "$out" && grep -q '^dim 128$' "$out" \
        || { cat "$out"; return 1; }
}

echo "== m2v $VERSION: build and install into $PREFIX"
cmake -S . -B "$WORK/lib" -DCMAKE_BUILD_TYPE=Release -DM2V_BUILD_TESTS=OFF \
      -DCMAKE_INSTALL_PREFIX="$PREFIX" >"$WORK/lib.log"
cmake --build "$WORK/lib" -j 2 >>"$WORK/lib.log"
cmake --install "$WORK/lib" >>"$WORK/lib.log"
PC_FILE=$(find "$PREFIX" -name m2v.pc)
LIBDIR=$(dirname "$(dirname "$PC_FILE")")
REL_LIBDIR=${LIBDIR#"$PREFIX"/}

echo "== installed files"
check "header installed, identical to include/m2v.h" cmp -s "$PREFIX/include/m2v.h" include/m2v.h
check "shared library libm2v.so.$VERSION" test -f "$LIBDIR/libm2v.so.$VERSION"
check "static library libm2v.a" test -f "$LIBDIR/libm2v.a"
check "libm2v.so -> SONAME libm2v.so.$MAJOR" test -L "$LIBDIR/libm2v.so" -a -L "$LIBDIR/libm2v.so.$MAJOR"
check "SONAME is libm2v.so.$MAJOR" \
    bash -c "readelf -d '$LIBDIR/libm2v.so.$VERSION' | grep -q 'SONAME.*\[libm2v.so.$MAJOR\]'"
for f in m2vConfig.cmake m2vConfigVersion.cmake m2vTargets.cmake; do
    check "CMake package file $f" test -f "$LIBDIR/cmake/m2v/$f"
done
check "pkg-config file" test -f "$PC_FILE"
exported_not_m2v() {
    # Defined dynamic symbols that are not part of the API (visibility hidden).
    readelf --dyn-syms -W "$LIBDIR/libm2v.so.$VERSION" |
        awk '$7 != "UND" && ($5 == "GLOBAL" || $5 == "WEAK") && ($4 == "FUNC" || $4 == "OBJECT") {print $8}' |
        grep -v '^m2v_' || true
}
check "libm2v.so exports only m2v_* symbols" test -z "$(exported_not_m2v)"
check "libm2v.so exports m2v_encode and m2v_version" \
    bash -c "readelf --dyn-syms -W '$LIBDIR/libm2v.so.$VERSION' | grep -q ' m2v_encode\$' &&
             readelf --dyn-syms -W '$LIBDIR/libm2v.so.$VERSION' | grep -q ' m2v_version\$'"
check "installed targets do not point into the source tree" \
    bash -c "! grep -q '$ROOT' '$LIBDIR/cmake/m2v/'m2vTargets*.cmake"

echo "== find_package(m2v): tests/c/cmake_consumer"
consumer_cmake() { # consumer_cmake prefix builddir [cmake args...]
    local prefix=$1 dir=$2; shift 2
    cmake -S tests/c/cmake_consumer -B "$dir" -DCMAKE_PREFIX_PATH="$prefix" "$@" >"$dir.log" 2>&1 &&
        cmake --build "$dir" -j 2 >>"$dir.log" 2>&1 || { cat "$dir.log"; return 1; }
}
check "consumer configures and builds (shared + static)" consumer_cmake "$PREFIX" "$WORK/consumer"
check "consumer_shared runs on the default model" runs_ok "$WORK/out.shared" "$WORK/consumer/consumer_shared"
check "consumer_static runs on the default model" runs_ok "$WORK/out.static" "$WORK/consumer/consumer_static"
check "consumer_shared links the installed libm2v.so.$MAJOR" \
    bash -c "readelf -d '$WORK/consumer/consumer_shared' | grep -q 'NEEDED.*\[libm2v.so.$MAJOR\]'"
check "consumer_static needs no libm2v.so" \
    bash -c "! readelf -d '$WORK/consumer/consumer_static' | grep -q 'NEEDED.*libm2v'"
check "static and shared results identical" same_output "$WORK/out.shared" "$WORK/out.static"
refused() {
    ! cmake -S tests/c/cmake_consumer -B "$WORK/consumer-wrong" -DCMAKE_PREFIX_PATH="$PREFIX" \
        -DM2V_CONSUMER_WANTS="$((MAJOR + 1)).0" >"$WORK/consumer-wrong.log" 2>&1 &&
        grep -q "compatible with requested version \"$((MAJOR + 1)).0\"" \
            <(tr -s ' \n' ' ' <"$WORK/consumer-wrong.log")
}
check "find_package(m2v $((MAJOR + 1)).0) is refused (major version differs)" refused
check "find_package(m2v $VERSION EXACT) is accepted" \
    consumer_cmake "$PREFIX" "$WORK/consumer-exact" -DM2V_CONSUMER_WANTS="$VERSION" -DM2V_CONSUMER_EXACT=ON

echo "== pkg-config m2v"
export PKG_CONFIG_PATH="$LIBDIR/pkgconfig"
check "pkg-config --modversion m2v = $VERSION" test "$(pkg-config --modversion m2v)" = "$VERSION"
check "pkg-config --cflags points at the installed header" \
    test -f "$(pkg-config --variable=includedir m2v)/m2v.h"
pc_build() { # pc_build out-binary static|shared   (-lm: consumer.c itself calls sqrt)
    local out=$1 kind=$2
    # shellcheck disable=SC2046
    if [ "$kind" = shared ]; then
        cc -std=c11 -Wall -Wextra -Werror tests/c/cmake_consumer/consumer.c -o "$out" \
            $(pkg-config --cflags --libs m2v) -Wl,-rpath,"$(pkg-config --variable=libdir m2v)" -lm
    else
        # Libs.private carries what the static library needs (pthread, libm).
        cc -std=c11 -Wall -Wextra -Werror tests/c/cmake_consumer/consumer.c -o "$out" \
            $(pkg-config --cflags m2v) -L"$(pkg-config --variable=libdir m2v)" -Wl,-Bstatic -lm2v -Wl,-Bdynamic \
            $(pkg-config --static --libs-only-l m2v | sed 's/-lm2v//') -lm
    fi
}
check "pkg-config shared build" pc_build "$WORK/pc_shared" shared
check "pkg-config static build" pc_build "$WORK/pc_static" static
check "pkg-config shared binary runs" runs_ok "$WORK/out.pc_shared" "$WORK/pc_shared"
check "pkg-config static binary runs" runs_ok "$WORK/out.pc_static" "$WORK/pc_static"
check "pkg-config results identical to find_package's" \
    bash -c "cmp -s '$WORK/out.shared' '$WORK/out.pc_shared' && cmp -s '$WORK/out.shared' '$WORK/out.pc_static'"

echo "== relocated prefix"
MOVED="$WORK/moved/somewhere/else"
mkdir -p "$(dirname "$MOVED")"
mv "$PREFIX" "$MOVED"
check "find_package works from the moved prefix" consumer_cmake "$MOVED" "$WORK/consumer-moved"
check "moved consumer_static runs" runs_ok "$WORK/out.moved" "$WORK/consumer-moved/consumer_static"
export PKG_CONFIG_PATH="$MOVED/$REL_LIBDIR/pkgconfig"
check "pkg-config paths follow the moved prefix" \
    test "$(pkg-config --variable=includedir m2v)/m2v.h" -ef "$MOVED/include/m2v.h"
check "pkg-config build from the moved prefix" pc_build "$WORK/pc_moved" shared
check "pkg-config moved binary runs" runs_ok "$WORK/out.pc_moved" "$WORK/pc_moved"
mv "$MOVED" "$PREFIX"

echo "== multiarch libdir (lib/<triplet>, as Debian installs to /usr)"
TRIPLET=$(cc -print-multiarch 2>/dev/null || true)
MULTI="$WORK/multiarch"
MLIB="lib/${TRIPLET:-multiarch-test}"
cmake -S . -B "$WORK/lib" -DCMAKE_INSTALL_LIBDIR="$MLIB" -DCMAKE_INSTALL_PREFIX="$MULTI" >>"$WORK/lib.log"
cmake --install "$WORK/lib" >>"$WORK/lib.log"
export PKG_CONFIG_PATH="$MULTI/$MLIB/pkgconfig"
check "m2v.pc in $MLIB/pkgconfig finds the installed header" \
    test "$(pkg-config --variable=includedir m2v)/m2v.h" -ef "$MULTI/include/m2v.h"
check "m2v.pc in $MLIB/pkgconfig finds the installed library" \
    test "$(pkg-config --variable=libdir m2v)/libm2v.a" -ef "$MULTI/$MLIB/libm2v.a"
if [ -n "$TRIPLET" ]; then  # find_package searches lib/<triplet> only for the compiler's own triplet
    check "find_package works with $MLIB" consumer_cmake "$MULTI" "$WORK/consumer-multiarch"
fi

echo "== versions"
check "CMake package version = $VERSION" \
    grep -q "set(PACKAGE_VERSION \"$VERSION\")" "$LIBDIR/cmake/m2v/m2vConfigVersion.cmake"
check "library version line = header" grep -qx "version $VERSION" "$WORK/out.shared"

echo "test-packaging: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
