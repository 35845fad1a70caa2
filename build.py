"""cffi builder for m2v's Python extension, m2v._m2v (API mode, out of line).

setup.py uses it through ``cffi_modules=["build.py:ffibuilder"]``. For an
in-place development build run ``python build.py``: it compiles
m2v/_m2v*.so next to the package (objects go under build/).

The extension compiles the same csrc/*.c files as the C library, with
include/ and csrc/ on the include path. The declarations live in
m2v/_cdef.h (a copy of include/m2v.h with `...` for every #define value, so
cffi takes the numbers from the real header) and m2v/_cdef_callbacks.h.

Build options are environment variables, parsed by build_options():

  M2V_CFLAGS     extra compiler flags, split like a shell command line
  M2V_LDFLAGS    extra linker flags, split like a shell command line
  M2V_SANITIZE   comma list of -fsanitize= values, e.g. "address,undefined"
                 (also adds -fno-omit-frame-pointer -g -O1)
  M2V_DEBUG      "1": -O0 -g instead of -O3
"""

from __future__ import annotations

import glob
import os
import shlex
from typing import Mapping

from cffi import FFI

ROOT = os.path.dirname(os.path.abspath(__file__))

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}
_SANITIZERS = {"address", "undefined", "thread", "leak"}


def _flag(environ: Mapping[str, str], name: str) -> bool:
    value = environ.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name}={environ[name]!r}: expected 0/1, true/false, yes/no or on/off")


def build_options(environ: Mapping[str, str]) -> dict[str, list[str]]:
    """Compile and link arguments for the extension from environment variables.

    Returns {"extra_compile_args": [...], "extra_link_args": [...]}. Raises
    ValueError for a value it does not understand.
    """
    debug = _flag(environ, "M2V_DEBUG")
    sanitize = [s.strip() for s in environ.get("M2V_SANITIZE", "").split(",") if s.strip()]
    for s in sanitize:
        if s not in _SANITIZERS:
            raise ValueError(f"M2V_SANITIZE: unknown sanitizer {s!r} (known: {', '.join(sorted(_SANITIZERS))})")
    if "thread" in sanitize and ("address" in sanitize or "leak" in sanitize):
        raise ValueError("M2V_SANITIZE: 'thread' cannot be combined with 'address' or 'leak'")

    # -ffp-contract=off as in CMakeLists.txt: no fused multiply-add, so sums
    # round exactly as numpy's.
    compile_args = ["-std=c11", "-pthread", "-fvisibility=hidden", "-ffp-contract=off"]
    link_args = ["-pthread"]
    if debug:
        compile_args += ["-O0", "-g"]
    elif sanitize:
        compile_args += ["-O1", "-g"]
    else:
        compile_args += ["-O3"]
    if sanitize:
        joined = ",".join(sanitize)
        compile_args += [f"-fsanitize={joined}", "-fno-omit-frame-pointer", "-fno-sanitize-recover=all"]
        link_args += [f"-fsanitize={joined}"]
    compile_args += shlex.split(environ.get("M2V_CFLAGS", ""))
    link_args += shlex.split(environ.get("M2V_LDFLAGS", ""))
    return {"extra_compile_args": compile_args, "extra_link_args": link_args}


def c_sources(root: str = ROOT) -> list[str]:
    """Every csrc/*.c, sorted: each is one stage of the C library."""
    return sorted(glob.glob(os.path.join(root, "csrc", "*.c")))


def _read(name: str) -> str:
    with open(os.path.join(ROOT, "m2v", name), encoding="utf-8") as f:
        return f.read()


def make_builder(base: str, environ: Mapping[str, str] = os.environ) -> FFI:
    """The FFI builder, with paths relative to base (where the compiler runs:
    setuptools and cffi both want relative source paths)."""

    def rel(path: str) -> str:
        return os.path.relpath(path, base)

    builder = FFI()
    builder.cdef(_read("_cdef.h") + _read("_cdef_callbacks.h"))
    builder.set_source(
        "m2v._m2v",
        '#include "m2v.h"\n',
        sources=[rel(p) for p in c_sources()],
        include_dirs=[rel(os.path.join(ROOT, "include")), rel(os.path.join(ROOT, "csrc"))],
        libraries=["m"],
        **build_options(environ),
    )
    return builder


# setup.py runs from the repository root.
ffibuilder = make_builder(os.getcwd())

if __name__ == "__main__":
    # In-place development build: m2v/_m2v*.so next to the package, objects
    # under build/ (same as `python setup.py build_ext --inplace`).
    import subprocess
    import sys

    sys.exit(subprocess.call([sys.executable, "setup.py", "-q", "build_ext", "--inplace"], cwd=ROOT))
