#!/usr/bin/env bash
# Java + Kotlin tests of m2v (android_jni/): builds libm2v_jni for this host (CMake, from csrc/
# and the JNI glue), packs it into target/classes/<os>/<arch>/, and runs tests/java and
# tests/kotlin with Maven Surefire under -Xcheck:jni. Installs what is missing on Debian.
# Usage: scripts/test-java.sh [extra mvn args, e.g. -Dtest=TinyModelTest]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

need() { command -v "$1" >/dev/null 2>&1; }
missing=()
need javac || missing+=(openjdk-17-jdk-headless)
need mvn || missing+=(maven)
need cmake || missing+=(cmake)
need cc || missing+=(gcc libc6-dev)
need make || missing+=(make)
if [ ${#missing[@]} -gt 0 ]; then
    echo "test-java: installing ${missing[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

cd android_jni
rm -rf target/surefire-reports
status=0
# Fixed plugin/dependency versions: once they are in ~/.m2 no network is needed.
mvn -B -q -Dstyle.color=never test "$@" || status=$?

reports=target/surefire-reports
# -Xcheck:jni reports misuse of JNI (pending exceptions, local reference overflow, bad
# critical sections) as warnings on the test JVM's output: treat any as a failure.
# (They reach Surefire's *.dumpstream files, as native writes to the forked JVM's stdout.)
jni_warnings="WARNING in native method|FATAL ERROR in native method|JNI local refs: [0-9]+, exceeds|in the scope of Get/Release|Warning: JNI"
if [ -d "$reports" ] && grep -rlE "$jni_warnings" "$reports" >/dev/null 2>&1; then
    echo "test-java: -Xcheck:jni reported problems:"
    grep -rhE -A3 "$jni_warnings" "$reports" | head -40
    status=1
fi

tests=0 failures=0 errors=0 skipped=0
if compgen -G "$reports/TEST-*.xml" >/dev/null; then
    for f in "$reports"/TEST-*.xml; do
        line=$(grep -m1 -o '<testsuite [^>]*>' "$f")
        get() { printf '%s' "$line" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
        tests=$((tests + $(get tests))); failures=$((failures + $(get failures)))
        errors=$((errors + $(get errors))); skipped=$((skipped + $(get skipped)))
    done
    for f in "$reports"/*.txt; do
        # per-class summaries of failing classes
        grep -q "FAILURE" "$f" && sed -n '1,40p' "$f"
    done || true
fi
failed=$((failures + errors))
echo "Tests run: $tests, Failures: $failures, Errors: $errors, Skipped: $skipped"
echo "java: $((tests - failed - skipped)) passed, $failed failed, $skipped skipped"
if [ "$tests" -eq 0 ]; then
    echo "test-java: no test ran"
    status=1
fi
[ "$failed" -eq 0 ] || status=1
exit $status
