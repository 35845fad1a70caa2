#!/usr/bin/env bash
# Python suite: builds and installs the m2v package with its test extras
# (pytest, model2vec==0.10.0, tokenizers, safetensors, hypothesis) into a
# virtualenv under build/, then runs pytest over tests/python against the
# installed package. Works on a fresh Debian machine (installs python3,
# venv, headers and a C compiler with apt-get if missing). Idempotent.
#
# Environment: PYTHON (default python3), M2V_VENV (default build/venv-python),
# M2V_SHARED_DIR (default ../shared). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
VENV=${M2V_VENV:-build/venv-python}

need_apt=0
command -v "$PY" >/dev/null 2>&1 || need_apt=1
command -v cc >/dev/null 2>&1 || need_apt=1
if [ $need_apt -eq 0 ]; then
    "$PY" -c 'import venv, ensurepip' >/dev/null 2>&1 || need_apt=1
    inc=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
    [ -f "$inc/Python.h" ] || need_apt=1
fi
if [ $need_apt -eq 1 ]; then
    echo "test-python: installing python3, venv, headers and a C compiler with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq python3 python3-venv python3-dev python3-pip build-essential >/dev/null
    PY=python3
fi

if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip
# The package itself, built from this tree through build.py (cffi), with the
# test extras. pip builds in the tree: drop build/lib.* so no stale file from
# an earlier build gets into the wheel.
rm -rf build/lib.*
"$VENV/bin/python" -m pip install -q ".[test]"

# pytest runs from the repository root but imports the installed package:
# the console script does not put the root on sys.path.
exec "$VENV/bin/pytest" -p no:cacheprovider -ra tests/python "$@"
