"""Packaging: the version is written once (include/m2v.h) and shows the same
everywhere; the sdist holds the C sources and the embedded model and
builds; the wheel holds the compiled extension, the embedded model and the
console script, and works once installed.

The build tests carry the ``packaging`` marker (they build one sdist and
one wheel, from that sdist, without build isolation: no network). The
C side (CMake install, find_package, pkg-config) is scripts/test-packaging.sh.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pytest

import m2v
from m2v import _hub

from conftest import ROOT

HEADER = ROOT / "include" / "m2v.h"
DEFAULT_MODEL_FILES = ("LICENSE", "PROVENANCE.md", "README.md", "config.json", "model.safetensors",
                       "modules.json", "tokenizer.json")


def header_version() -> tuple[str, tuple[int, int, int], int]:
    text = HEADER.read_text(encoding="utf-8")
    string = re.search(r'^#define\s+M2V_VERSION_STRING\s+"([^"]+)"', text, re.M)
    assert string is not None

    def number(name: str) -> int:
        match = re.search(rf"^#define\s+M2V_VERSION_{name}\s+(\d+)", text, re.M)
        assert match is not None, name
        return int(match.group(1))

    major, minor, patch = number("MAJOR"), number("MINOR"), number("PATCH")
    return string.group(1), (major, minor, patch), major * 1000000 + minor * 1000 + patch


# ---------------------------------------------------------------------------
# One version (fast, not marked)
# ---------------------------------------------------------------------------


def test_version_in_one_place() -> None:
    string, parts, number = header_version()
    assert string == ".".join(map(str, parts))
    # C, at run time, through the extension.
    assert m2v._ffi.string(m2v._lib.m2v_version()).decode() == string
    assert int(m2v._lib.m2v_version_number()) == number
    # Python.
    assert m2v.__version__ == string
    # setup.py and CMake read it from the header instead of writing it again.
    assert "M2V_VERSION_STRING" in (ROOT / "setup.py").read_text()
    assert "M2V_VERSION_STRING" in (ROOT / "CMakeLists.txt").read_text()
    assert "@PROJECT_VERSION@" in (ROOT / "m2v.pc.in").read_text()
    # Java: StaticModel.version() returns the native m2v_version().
    java = ROOT / "android_jni" / "src" / "main" / "java" / "org" / "m2v" / "StaticModel.java"
    native = ROOT / "android_jni" / "src" / "main" / "native" / "StaticModel.c"
    assert "version0()" in java.read_text() and "m2v_version()" in native.read_text()


def test_maven_version_matches_header() -> None:
    """android_jni/pom.xml repeats the version (Maven needs a literal): it must not drift."""
    pom = (ROOT / "android_jni" / "pom.xml").read_text(encoding="utf-8")
    project = pom.split("<dependencies>")[0].split("<parent>")[0]
    match = re.search(r"<artifactId>m2v</artifactId>\s*<version>([^<]+)</version>", project)
    assert match is not None, "no <version> after <artifactId>m2v</artifactId> in android_jni/pom.xml"
    assert match.group(1) == header_version()[0]


# ---------------------------------------------------------------------------
# sdist and wheel (slow: marked)
# ---------------------------------------------------------------------------


def _run(cmd: list[str], cwd: Path, **kw: Any) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("M2V_")}  # no sanitizer/debug flags
    env.pop("PYTHONPATH", None)
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env, timeout=1200, **kw)
    assert p.returncode == 0, f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stdout[-4000:]}\n{p.stderr[-4000:]}"
    return p


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield tmp_path_factory.mktemp("dist")


@pytest.fixture(scope="module")
def sdist(dist: Path) -> Path:
    # Needs the 'build' package (in the test extra: pip install '.[test]').
    # cwd outside the repository: its build/ folder would shadow the 'build' package.
    _run([sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir", str(dist / "sdist"),
          str(ROOT)], cwd=dist)
    found = list((dist / "sdist").glob("m2v-*.tar.gz"))
    assert len(found) == 1, found
    return found[0]


@pytest.fixture(scope="module")
def wheel(dist: Path, sdist: Path) -> Path:
    # Built from the sdist, so this also proves that the sdist builds.
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-cache-dir",
          "-w", str(dist / "wheel"), str(sdist)], cwd=dist)
    found = list((dist / "wheel").glob("m2v-*.whl"))
    assert len(found) == 1, found
    return found[0]


@pytest.mark.packaging
def test_sdist_contents(sdist: Path) -> None:
    version = header_version()[0]
    assert sdist.name == f"m2v-{version}.tar.gz"
    prefix = f"m2v-{version}/"
    with tarfile.open(sdist) as tar:
        names = {n[len(prefix):] for n in tar.getnames() if n.startswith(prefix)}
        pkg_info = tar.extractfile(prefix + "PKG-INFO")
        assert pkg_info is not None
        meta = pkg_info.read().decode()
    assert f"\nVersion: {version}\n" in meta
    required = {"include/m2v.h", "build.py", "setup.py", "pyproject.toml", "MANIFEST.in",
                "m2v/_cdef.h", "m2v/_cdef_callbacks.h", "m2v/py.typed", "m2v/__init__.py", "m2v/__main__.py",
                "m2v/cli.py", "m2v/_hub.py", "m2v/model.py"}
    required |= {f"csrc/{p.name}" for p in (ROOT / "csrc").iterdir() if p.suffix in (".c", ".h")}
    required |= {f"m2v/default_model/{n}" for n in DEFAULT_MODEL_FILES}
    missing = required - names
    assert not missing, f"sdist lacks {sorted(missing)}"
    stray = [n for n in names if n.endswith((".so", ".o", ".pyc")) or n == "m2v/_m2v.c" or n.startswith("build/")]
    assert not stray, f"sdist holds build products: {stray}"


@pytest.mark.packaging
def test_wheel_contents(wheel: Path) -> None:
    version = header_version()[0]
    assert wheel.name.startswith(f"m2v-{version}-cp39-abi3-"), wheel.name  # one wheel for CPython >= 3.9
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        dist_info = f"m2v-{version}.dist-info"
        meta = zf.read(f"{dist_info}/METADATA").decode()
        entry_points = zf.read(f"{dist_info}/entry_points.txt").decode()
        for n in DEFAULT_MODEL_FILES:
            assert zf.read(f"m2v/default_model/{n}") == (_hub.default_model_path() / n).read_bytes(), n
    extensions = [n for n in names if re.fullmatch(r"m2v/_m2v\..*\.so", n)]
    assert len(extensions) == 1, f"compiled extension missing: {sorted(names)}"
    for n in ("m2v/__init__.py", "m2v/__main__.py", "m2v/cli.py", "m2v/_hub.py", "m2v/model.py", "m2v/py.typed"):
        assert n in names, n
    assert not [n for n in names if n.startswith("csrc/") or n.endswith((".c", ".h"))]
    assert f"\nVersion: {version}\n" in meta
    assert re.search(r"^Requires-Dist: numpy", meta, re.M) and re.search(r"^Requires-Dist: cffi", meta, re.M)
    assert re.search(r"^Provides-Extra: hub$", meta, re.M)
    assert re.search(r"^m2v = m2v\.cli:main$", entry_points, re.M)


@pytest.mark.packaging
def test_installed_wheel_works(wheel: Path, dist: Path) -> None:
    site = dist / "site"
    _run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target", str(site), str(wheel)],
         cwd=dist)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)
    code = ("import m2v, json; m = m2v.StaticModel.from_pretrained(); "
            "print(json.dumps([m2v.__file__, m2v.__version__, str(m._folder), m.encode('hello').tolist()]))")
    p = subprocess.run([sys.executable, "-c", code], cwd=dist, env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    file, version, folder, vector = json.loads(p.stdout)
    assert Path(file).resolve().is_relative_to(site.resolve()) and version == m2v.__version__
    assert Path(folder).resolve() == (site / "m2v" / "default_model").resolve()
    with m2v.StaticModel.from_pretrained() as model:
        np.testing.assert_array_equal(np.array(vector, dtype=np.float32), model.encode("hello"))
    # The console script from the wheel's entry point.
    script = site / "bin" / "m2v"
    assert script.exists(), sorted(p.name for p in (site / "bin").iterdir()) if (site / "bin").exists() else "no bin/"
    p = subprocess.run([str(script), "info", "--json"], cwd=dist, env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    info = json.loads(p.stdout)
    assert info["dtype"] == "int8" and Path(info["path"]).resolve() == (site / "m2v" / "default_model").resolve()
    p = subprocess.run([str(script), "--version"], cwd=dist, env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stdout.strip() == f"m2v {m2v.__version__}"
