"""build.py's option parsing (environment variables -> compiler flags)."""

import importlib.util

import pytest

from conftest import ROOT


def _build_module():
    spec = importlib.util.spec_from_file_location("m2v_build", ROOT / "build.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


build = _build_module()


def test_defaults() -> None:
    opts = build.build_options({})
    assert "-std=c11" in opts["extra_compile_args"]
    assert "-O3" in opts["extra_compile_args"]
    assert "-ffp-contract=off" in opts["extra_compile_args"]  # same rounding as the CMake build
    assert "-pthread" in opts["extra_link_args"]
    assert not any(a.startswith("-fsanitize") for a in opts["extra_compile_args"] + opts["extra_link_args"])


def test_cflags_and_ldflags_are_split_like_a_shell() -> None:
    opts = build.build_options({"M2V_CFLAGS": "-march=native -DFOO='a b'", "M2V_LDFLAGS": "-Wl,-z,now"})
    assert opts["extra_compile_args"][-2:] == ["-march=native", "-DFOO=a b"]
    assert opts["extra_link_args"][-1] == "-Wl,-z,now"


def test_sanitize() -> None:
    opts = build.build_options({"M2V_SANITIZE": "address, undefined"})
    assert "-fsanitize=address,undefined" in opts["extra_compile_args"]
    assert "-fsanitize=address,undefined" in opts["extra_link_args"]
    assert "-O3" not in opts["extra_compile_args"]
    assert "-fno-omit-frame-pointer" in opts["extra_compile_args"]


@pytest.mark.parametrize("value", ["memory", "address,bogus"])
def test_sanitize_rejects_unknown(value: str) -> None:
    with pytest.raises(ValueError, match="M2V_SANITIZE"):
        build.build_options({"M2V_SANITIZE": value})


def test_sanitize_thread_excludes_address() -> None:
    with pytest.raises(ValueError, match="thread"):
        build.build_options({"M2V_SANITIZE": "thread,address"})


@pytest.mark.parametrize("value,expected", [("1", True), ("yes", True), ("0", False), ("", False)])
def test_debug_flag(value: str, expected: bool) -> None:
    args = build.build_options({"M2V_DEBUG": value})["extra_compile_args"]
    assert ("-O0" in args) is expected
    assert ("-O3" in args) is (not expected)


def test_debug_rejects_garbage() -> None:
    with pytest.raises(ValueError, match="M2V_DEBUG"):
        build.build_options({"M2V_DEBUG": "maybe"})


def test_sources_are_every_c_file_of_csrc_sorted(tmp_path) -> None:
    csrc = tmp_path / "csrc"
    csrc.mkdir()
    for name in ("model.c", "json.c", "m2v_internal.h", "tokenizer.c"):
        (csrc / name).write_text("")
    assert [p.rsplit("/", 1)[1] for p in build.c_sources(str(tmp_path))] == ["json.c", "model.c", "tokenizer.c"]


def test_cdef_has_no_numbers_for_defines() -> None:
    # Every #define in the cdef is "...": values come from include/m2v.h.
    for line in (ROOT / "m2v" / "_cdef.h").read_text().splitlines():
        if line.startswith("#define"):
            assert line.split()[2] == "...", line


def test_cdef_declares_every_public_function() -> None:
    import re

    header = (ROOT / "include" / "m2v.h").read_text()
    cdef = (ROOT / "m2v" / "_cdef.h").read_text()
    public = set(re.findall(r"M2V_API\s+[\w\s\*]*?\b(m2v_\w+)\s*\(", header))
    declared = set(re.findall(r"\b(m2v_\w+)\s*\(", cdef))
    assert public, "no M2V_API functions found in m2v.h"
    assert public <= declared, f"missing from m2v/_cdef.h: {sorted(public - declared)}"
