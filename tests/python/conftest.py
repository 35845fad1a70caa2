"""Shared pytest set-up for the m2v Python tests.

Tests that need the shared data (../shared or $M2V_SHARED_DIR) carry the
``shared`` marker. When that folder is missing they FAIL if $CI or
$M2V_REQUIRE_SHARED is set, and are skipped with a loud reason otherwise.
Tests of the project's own fixtures (tests/fixtures) never need it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"


def shared_dir() -> Path:
    env = os.environ.get("M2V_SHARED_DIR")
    return Path(env) if env else ROOT.parent / "shared"


def _shared_required() -> bool:
    return any(os.environ.get(name, "").strip() not in ("", "0", "false") for name in ("CI", "M2V_REQUIRE_SHARED"))


def _shared_missing_reason() -> str | None:
    d = shared_dir()
    if (d / "models").is_dir() and (d / "reference").is_dir():
        return None
    return f"shared test data not found at {d} (set M2V_SHARED_DIR)"


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("shared") is None:
        return
    reason = _shared_missing_reason()
    if reason is None:
        return
    if _shared_required():
        pytest.fail(f"{reason}; required because CI or M2V_REQUIRE_SHARED is set", pytrace=False)
    pytest.skip(f"SKIPPED SHARED-DATA TEST: {reason}")


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    reason = _shared_missing_reason()
    if reason is not None:
        terminalreporter.write_line(f"WARNING: {reason}: tests marked 'shared' did not run", yellow=True, bold=True)


@pytest.fixture(scope="session")
def shared() -> Path:
    return shared_dir()


def pytest_report_header(config) -> list[str]:  # type: ignore[no-untyped-def]
    try:
        import m2v
    except ImportError as exc:  # reported again by every test
        return [f"m2v: cannot import ({exc})"]
    return [f"m2v {m2v.__version__} from {Path(m2v.__file__).parent}, features {m2v.features()}",
            f"shared data: {shared_dir()}"]
