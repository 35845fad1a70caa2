#!/usr/bin/env bash
# Portability of the C core to the Android ABIs' CPUs, without an NDK:
#   aarch64 (arm64-v8a): cross-compile the core and its C tests (tests/c/*.c) with Debian's
#            gcc-aarch64-linux-gnu, run them all with ctest under qemu-aarch64-static.
#   armhf   (armeabi-v7a's CPU, 32-bit: 32-bit size_t, strict alignment for some loads):
#            cross-compile with gcc-arm-linux-gnueabihf and run the tests under qemu-arm-static
#            (skip running with M2V_ARMHF_RUN=0).
#   Both: also build libm2v_jni.so (core + JNI glue, android_jni/CMakeLists.txt) for the target
#   and check it exports only the JNI entry points and is aligned for 16 KB pages.
# Installs the cross compilers and qemu-user-static with apt-get when missing.
# Usage: scripts/test-aarch64.sh [aarch64|armhf ...]   (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(aarch64 armhf)

need() { command -v "$1" >/dev/null 2>&1; }
missing=()
need cmake || missing+=(cmake)
need make || missing+=(make)
for t in "${targets[@]}"; do
    case $t in
        aarch64) need aarch64-linux-gnu-gcc || missing+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
                 need qemu-aarch64-static || missing+=(qemu-user-static) ;;
        armhf)   need arm-linux-gnueabihf-gcc || missing+=(gcc-arm-linux-gnueabihf libc6-dev-armhf-cross)
                 need qemu-arm-static || missing+=(qemu-user-static) ;;
        *) echo "unknown target $t (aarch64 or armhf)"; exit 2 ;;
    esac
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "test-aarch64: installing ${missing[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        $(printf '%s\n' "${missing[@]}" | sort -u)
fi

# jni.h for the JNI library build: any JDK's (jni.h is portable; jni_md.h only types jint).
jdk_include=""
if need javac; then
    jdk_home=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    [ -f "$jdk_home/include/jni.h" ] && jdk_include="$jdk_home/include"
fi

status=0
summary=()
for t in "${targets[@]}"; do
    cflags=""
    case $t in
        aarch64) triple=aarch64-linux-gnu; proc=aarch64; qemu=qemu-aarch64-static ;;
        armhf)   triple=arm-linux-gnueabihf; proc=armv7l; qemu=qemu-arm-static
                 # 32-bit programs under qemu-user on a 64-bit kernel get 64-bit directory
                 # offsets: without large-file support readdir() fails with EOVERFLOW (the
                 # tests list tests/fixtures/golden). Real 32-bit kernels do not do this.
                 cflags="-D_FILE_OFFSET_BITS=64" ;;
    esac
    build="$root/build-$t"
    mkdir -p "$build"
    toolchain="$build/toolchain.cmake"
    cat >"$toolchain" <<EOF
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR $proc)
set(CMAKE_C_COMPILER $triple-gcc)
set(CMAKE_FIND_ROOT_PATH /usr/$triple)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_CROSSCOMPILING_EMULATOR $qemu;-L;/usr/$triple)
set(CMAKE_C_FLAGS_INIT "$cflags")
EOF
    echo "=== $t: configure + build the C core and tests/c ($triple-gcc) ==="
    cmake -S "$root" -B "$build/core" -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
        -DCMAKE_BUILD_TYPE=Release -DM2V_BUILD_TESTS=ON >"$build/configure.log" \
        || { cat "$build/configure.log"; exit 1; }
    cmake --build "$build/core" --parallel 2 >"$build/build.log" 2>&1 \
        || { tail -50 "$build/build.log"; echo "$t: BUILD FAILED"; status=1; summary+=("$t: build failed"); continue; }
    file "$build/core/libm2v.so"* 2>/dev/null | head -1 || true

    run=1
    [ "$t" = armhf ] && [ "${M2V_ARMHF_RUN:-1}" = 0 ] && run=0
    if [ $run = 1 ]; then
        echo "=== $t: ctest under $qemu ==="
        # QEMU_LD_PREFIX also covers programs the tests start themselves.
        if QEMU_LD_PREFIX=/usr/$triple ctest --test-dir "$build/core" --output-on-failure \
                --timeout 600 -j 2 2>&1 | tee "$build/ctest.log"; then
            summary+=("$t: $(grep -E 'tests passed' "$build/ctest.log" | tail -1)")
        else
            status=1
            summary+=("$t: $(grep -E 'tests passed|tests failed' "$build/ctest.log" | tail -1)")
        fi
        if grep -q "No tests were found" "$build/ctest.log"; then
            echo "$t: no C tests found"; status=1
        fi
    fi

    if [ -n "$jdk_include" ]; then
        echo "=== $t: libm2v_jni.so (core + JNI glue) ==="
        if cmake -S "$root/android_jni" -B "$build/jni" -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
                -DCMAKE_BUILD_TYPE=Release -DJAVA_HOME="$(dirname "$jdk_include")" \
                >"$build/jni-configure.log" 2>&1 \
            && cmake --build "$build/jni" --parallel 2 >"$build/jni-build.log" 2>&1; then
            so="$build/jni/libm2v_jni.so"
            exported=$("$triple-nm" -D --defined-only "$so" | awk '{print $3}' \
                | grep -vE '^(Java_org_m2v_|JNI_OnLoad$|JNI_OnUnload$)' || true)
            align=$("$triple-readelf" -lW "$so" | awk '$1 == "LOAD" {print $NF}' | sort -u)
            if [ -n "$exported" ] || [ "$align" != "0x4000" ]; then
                echo "$t: libm2v_jni.so exports [$exported] / LOAD alignment [$align]"
                status=1
                summary+=("$t: libm2v_jni.so exports/alignment wrong")
            else
                echo "$t: libm2v_jni.so ok: only Java_org_m2v_*/JNI_On* exported, 16 KB LOAD alignment"
            fi
        else
            tail -n 30 "$build/jni-configure.log" "$build/jni-build.log" 2>/dev/null || true
            status=1
            summary+=("$t: libm2v_jni.so build failed")
        fi
    fi
done

echo "=== cross-architecture summary ==="
printf '%s\n' "${summary[@]}"
exit $status
