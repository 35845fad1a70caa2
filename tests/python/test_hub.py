"""from_pretrained("owner/name"): the HuggingFace cache lookup and the
download fallback of m2v/_hub.py, against model2vec 0.10.0's own rules.

Every test runs with the network switched off (socket connections raise),
an empty fake cache folder, and huggingface_hub replaced by a stub module,
so nothing here contacts a network or reads the real cache.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import types
from pathlib import Path
from typing import Any, Optional

import numpy as np
import pytest

import m2v
from m2v import _hub

import modelgen

REPO = "someone/tiny-model"


class _NoNetwork(socket.socket):
    def connect(self, *args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"test tried to open a network connection to {args}")

    def connect_ex(self, *args: Any, **kwargs: Any) -> int:
        raise AssertionError(f"test tried to open a network connection to {args}")


class FakeHub(types.ModuleType):
    """A stand-in for huggingface_hub: records snapshot_download calls and
    'downloads' by copying a local model folder into the fake cache."""

    def __init__(self, cache: Path, source: Optional[Path], error: Optional[Exception] = None) -> None:
        super().__init__("huggingface_hub")
        self.cache = cache
        self.source = source
        self.error = error
        self.calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def snapshot_download(self, *args: Any, **kwargs: Any) -> str:
        self.calls.append((args, kwargs))
        if self.error is not None:
            raise self.error
        repo_id = args[0] if args else kwargs["repo_id"]
        snap = self.cache / f"models--{repo_id.replace('/', '--')}" / "snapshots" / "downloaded"
        if self.source is not None and not snap.exists():
            shutil.copytree(self.source, snap)
        snap.mkdir(parents=True, exist_ok=True)
        return str(snap)


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No network, a fresh cache in HF_HUB_CACHE, no offline flags, no real hub."""
    monkeypatch.setattr(socket, "socket", _NoNetwork)
    cache = tmp_path / "hf-cache"
    cache.mkdir()
    for name in ("HF_HOME", "HUGGINGFACE_HUB_CACHE", "XDG_CACHE_HOME", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setitem(sys.modules, "huggingface_hub", None)  # import fails unless a test installs a stub
    monkeypatch.chdir(tmp_path)
    return cache


@pytest.fixture()
def source(tmp_path: Path) -> Path:
    return modelgen.write_model(tmp_path / "source-model", dim=5, config={"normalize": True, "max_length": 9})


def install_hub(monkeypatch: pytest.MonkeyPatch, hub: FakeHub) -> FakeHub:
    monkeypatch.setitem(sys.modules, "huggingface_hub", hub)
    return hub


def add_snapshot(cache: Path, repo: str, rev: str, source: Optional[Path], mtime: float,
                 subfolder: Optional[str] = None) -> Path:
    snap = cache / f"models--{repo.replace('/', '--')}" / "snapshots" / rev
    target = snap / subfolder if subfolder else snap
    if source is not None:
        shutil.copytree(source, target)
    else:
        target.mkdir(parents=True)
    os.utime(snap, (mtime, mtime))
    return snap


# ---------------------------------------------------------------------------
# The cache folder from the environment
# ---------------------------------------------------------------------------


def test_cache_dir_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("HF_HUB_CACHE")
    assert _hub.hub_cache_dir() == tmp_path / "home" / ".cache" / "huggingface" / "hub"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert _hub.hub_cache_dir() == tmp_path / "xdg" / "huggingface" / "hub"
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hfhome"))
    assert _hub.hub_cache_dir() == tmp_path / "hfhome" / "hub"
    monkeypatch.setenv("HUGGINGFACE_HUB_CACHE", str(tmp_path / "legacy"))
    assert _hub.hub_cache_dir() == tmp_path / "legacy"
    monkeypatch.setenv("HF_HUB_CACHE", "~/hubcache")
    assert _hub.hub_cache_dir() == tmp_path / "home" / "hubcache"


def test_cache_dir_matches_huggingface_hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """huggingface_hub.constants computes the same folder from the same
    environment (asked in a child process, so this one's state is untouched)."""
    names = ("HF_HOME", "HF_HUB_CACHE", "XDG_CACHE_HOME", "HUGGINGFACE_HUB_CACHE")
    cases = [{"HF_HOME": str(tmp_path / "a")}, {"HF_HUB_CACHE": str(tmp_path / "b")},
             {"XDG_CACHE_HOME": str(tmp_path / "c")}, {"HUGGINGFACE_HUB_CACHE": str(tmp_path / "d")},
             {"HF_HOME": str(tmp_path / "e"), "HUGGINGFACE_HUB_CACHE": str(tmp_path / "f")}, {}]
    code = "from huggingface_hub.constants import HF_HUB_CACHE; print(HF_HUB_CACHE)"
    for case in cases:
        for name in names:
            monkeypatch.delenv(name, raising=False)
        for k, v in case.items():
            monkeypatch.setenv(k, v)
        env = {k: v for k, v in os.environ.items() if k not in names}
        env.update(case)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        assert _hub.hub_cache_dir() == Path(out.stdout.strip()), case


@pytest.mark.parametrize("value,offline", [("1", True), ("true", True), ("YES", True), ("on", True),
                                           ("0", False), ("", False), ("no", False)])
def test_offline_flag(monkeypatch: pytest.MonkeyPatch, value: str, offline: bool) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", value)
    assert _hub.hub_offline() is offline
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", value)
    assert _hub.hub_offline() is offline


@pytest.mark.parametrize("name,ok", [
    ("owner/name", True), ("minishlab/potion-base-8M", True), ("a/b", True), ("o_1/n.a-m_e", True),
    ("name", False), ("a/b/c", False), ("/abs/path", False), ("./x", False), ("../x", False),
    ("owner/", False), ("-o/n", False), ("o/n-", False), ("o--x/n", False), ("o/n..x", False), ("o/n x", False),
])
def test_repo_id_form(name: str, ok: bool) -> None:
    assert _hub.is_repo_id(name) is ok


def real_hub(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let model2vec import the real huggingface_hub (it needs it at import)."""
    monkeypatch.delitem(sys.modules, "huggingface_hub", raising=False)


def test_allow_patterns_match_model2vec(monkeypatch: pytest.MonkeyPatch) -> None:
    real_hub(monkeypatch)
    from model2vec.persistence.datamodels import get_all_model2vec_paths

    expected = [*get_all_model2vec_paths(), "README.md"]
    assert _hub.allow_patterns() == expected
    assert _hub.allow_patterns("/sub/") == [f"sub/{p}" for p in expected]


# ---------------------------------------------------------------------------
# Cache lookup
# ---------------------------------------------------------------------------


def test_loads_from_cache_without_hub(isolated: Path, source: Path) -> None:
    snap = add_snapshot(isolated, REPO, "abc123", source, mtime=1_000_000)
    with m2v.StaticModel.from_pretrained(REPO) as model, m2v.StaticModel.from_pretrained(source) as direct:
        assert model._folder == snap
        np.testing.assert_array_equal(model.encode(["hello world", "x"]), direct.encode(["hello world", "x"]))


def test_newest_snapshot_wins_as_in_model2vec(isolated: Path, source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    add_snapshot(isolated, REPO, "old", source, mtime=1_000_000)
    new = add_snapshot(isolated, REPO, "new", source, mtime=2_000_000)
    add_snapshot(isolated, REPO, "middle", source, mtime=1_500_000)
    (isolated / f"models--{REPO.replace('/', '--')}" / "snapshots" / "not-a-dir").write_text("x")
    assert _hub.cached_snapshot(REPO) == new
    real_hub(monkeypatch)
    import model2vec.persistence.hf as m2v_hf

    monkeypatch.setattr(m2v_hf, "HF_HUB_CACHE", str(isolated))
    assert m2v_hf.maybe_get_cached_model_path(REPO) == _hub.cached_snapshot(REPO)
    for other in ("someone/absent", "noslash", "a/b/c"):
        assert m2v_hf.maybe_get_cached_model_path(other) is None
        assert _hub.cached_snapshot(other) is None
    with m2v.StaticModel.from_pretrained(REPO) as model:
        assert model._folder == new


def test_empty_snapshots_folder_is_not_cached(isolated: Path) -> None:
    (isolated / f"models--{REPO.replace('/', '--')}" / "snapshots").mkdir(parents=True)
    assert _hub.cached_snapshot(REPO) is None


@pytest.mark.parametrize("layout", [1, 2, 3])
def test_every_layout_is_found_in_cache(isolated: Path, tmp_path: Path, layout: int) -> None:
    src = modelgen.write_model(tmp_path / f"layout{layout}", layout=layout, dim=4)
    add_snapshot(isolated, REPO, "rev", src, mtime=1_000_000)
    with m2v.StaticModel.from_pretrained(REPO) as model:
        assert model.dim == 4


def test_subfolder_in_cache(isolated: Path, source: Path) -> None:
    snap = add_snapshot(isolated, REPO, "rev", source, mtime=1_000_000, subfolder="inner")
    with m2v.StaticModel.from_pretrained(REPO, subfolder="inner") as model:
        assert model._folder == snap / "inner"


def test_local_path_wins_over_cache(isolated: Path, source: Path, tmp_path: Path) -> None:
    add_snapshot(isolated, REPO, "rev", source, mtime=1_000_000)
    local = modelgen.write_model(tmp_path / REPO, dim=3)  # ./someone/tiny-model relative to the cwd
    with m2v.StaticModel.from_pretrained(REPO) as model:
        assert model.dim == 3
        assert model._folder == Path(REPO)
    assert local.exists()


# ---------------------------------------------------------------------------
# Not cached: download, offline, no huggingface_hub
# ---------------------------------------------------------------------------


def test_not_cached_without_hub_is_a_clear_error(isolated: Path) -> None:
    with pytest.raises(m2v.M2VIOError) as info:
        m2v.StaticModel.from_pretrained(REPO)
    msg = str(info.value)
    assert REPO in msg and str(isolated) in msg
    assert "pip install huggingface_hub" in msg and "local model folder" in msg
    assert info.value.code == int(m2v._lib.M2V_IO)
    assert isinstance(info.value, OSError)


def test_offline_does_not_download(isolated: Path, source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hub = install_hub(monkeypatch, FakeHub(isolated, source))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(m2v.M2VIOError, match="HF_HUB_OFFLINE") as info:
        m2v.StaticModel.from_pretrained(REPO)
    assert f"hf download {REPO}" in str(info.value)
    assert hub.calls == []


def test_offline_still_uses_cache(isolated: Path, source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hub = install_hub(monkeypatch, FakeHub(isolated, source))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    add_snapshot(isolated, REPO, "rev", source, mtime=1_000_000)
    with m2v.StaticModel.from_pretrained(REPO) as model:
        assert model.dim == 5
    assert hub.calls == []


def test_download_when_not_cached(isolated: Path, source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hub = install_hub(monkeypatch, FakeHub(isolated, source))
    with m2v.StaticModel.from_pretrained(REPO, token="hf_secret") as model, \
            m2v.StaticModel.from_pretrained(source) as direct:
        np.testing.assert_array_equal(model.encode("hello"), direct.encode("hello"))
    assert len(hub.calls) == 1
    args, kwargs = hub.calls[0]
    assert args == (REPO,)
    assert kwargs["repo_type"] == "model"
    assert kwargs["token"] == "hf_secret"
    assert kwargs["allow_patterns"] == _hub.allow_patterns()
    # The next load finds the downloaded snapshot in the cache: no second download.
    with m2v.StaticModel.from_pretrained(REPO):
        pass
    assert len(hub.calls) == 1


def test_download_with_subfolder(isolated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outer = tmp_path / "outer"
    modelgen.write_model(outer / "inner", dim=7)
    hub = install_hub(monkeypatch, FakeHub(isolated, outer))
    with m2v.StaticModel.from_pretrained(REPO, subfolder="inner") as model:
        assert model.dim == 7
    assert hub.calls[0][1]["allow_patterns"] == [f"inner/{p}" for p in _hub.allow_patterns()]


def test_invalid_cached_layout_falls_back_to_download(isolated: Path, source: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """model2vec uses a cached snapshot only if it holds a complete layout."""
    snap = add_snapshot(isolated, REPO, "partial", source, mtime=3_000_000)
    (snap / "tokenizer.json").unlink()
    hub = install_hub(monkeypatch, FakeHub(isolated, source))
    with m2v.StaticModel.from_pretrained(REPO) as model:
        assert model._folder.name == "downloaded"
    assert len(hub.calls) == 1


def test_cached_without_subfolder_downloads(isolated: Path, source: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    add_snapshot(isolated, REPO, "rev", source, mtime=1_000_000)  # the model, but not under sub/
    outer = tmp_path / "outer"
    modelgen.write_model(outer / "sub", dim=2)
    hub = install_hub(monkeypatch, FakeHub(isolated, outer))
    with m2v.StaticModel.from_pretrained(REPO, subfolder="sub") as model:
        assert model.dim == 2
    assert len(hub.calls) == 1


def test_force_download_skips_cache(isolated: Path, source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    add_snapshot(isolated, REPO, "rev", source, mtime=1_000_000)
    hub = install_hub(monkeypatch, FakeHub(isolated, source))
    with m2v.StaticModel.from_pretrained(REPO, force_download=True) as model:
        assert model._folder.name == "downloaded"
    assert len(hub.calls) == 1


def test_download_failure_is_wrapped(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cause = RuntimeError("401 Client Error: repository not found")
    install_hub(monkeypatch, FakeHub(isolated, None, error=cause))
    with pytest.raises(m2v.M2VIOError) as info:
        m2v.StaticModel.from_pretrained(REPO)
    assert "downloading it from the HuggingFace Hub failed" in str(info.value)
    assert "401 Client Error" in str(info.value)
    assert info.value.__cause__ is cause


def test_download_without_model_files(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_hub(monkeypatch, FakeHub(isolated, None))  # an empty snapshot: the repo has no model files
    with pytest.raises(m2v.M2VIOError, match="has no Model2Vec model"):
        m2v.StaticModel.from_pretrained(REPO)


def test_missing_local_path_is_not_sent_to_the_hub(isolated: Path, source: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    hub = install_hub(monkeypatch, FakeHub(isolated, source))
    for path in ("missing-folder", "./a/b", "a/b/c", str(isolated / "x" / "y")):
        with pytest.raises(m2v.M2VIOError):
            m2v.StaticModel.from_pretrained(path)
    assert hub.calls == []


def test_no_path_is_the_default_model(isolated: Path) -> None:
    with m2v.StaticModel.from_pretrained() as model:
        assert model._folder == _hub.default_model_path()
