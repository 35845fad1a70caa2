"""The compiled module imports, and its constants and version agree with the header."""

import re

from conftest import ROOT


def test_ffi_and_lib_import() -> None:
    from m2v._m2v import ffi, lib

    assert ffi.sizeof("m2v_error") > 512
    assert lib.M2V_OK == 0


def test_one_constant() -> None:
    from m2v._m2v import lib

    assert lib.M2V_FORMAT == 3


def test_version_matches_header_and_package() -> None:
    import m2v
    from m2v._m2v import ffi, lib

    header = (ROOT / "include" / "m2v.h").read_text()
    version = re.search(r'#define M2V_VERSION_STRING "([^"]+)"', header).group(1)
    assert ffi.string(lib.m2v_version()).decode() == version
    assert ffi.string(lib.M2V_VERSION_STRING).decode() == version
    assert lib.m2v_version_number() == lib.M2V_VERSION_NUMBER
    assert m2v.__version__ == version


def test_installed_metadata_version_matches() -> None:
    from importlib.metadata import PackageNotFoundError, version

    import m2v

    try:
        assert version("m2v") == m2v.__version__
    except PackageNotFoundError:  # in-place build, not installed
        pass
