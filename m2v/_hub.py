"""Where a model folder is: the embedded default, a local path, the
HuggingFace cache, or a download.

resolve_model_path(path, ...) is what StaticModel.from_pretrained calls:

1. path None: the embedded default model (m2v/default_model, see its
   PROVENANCE.md).
2. path exists on disk: that folder, as model2vec does ("a local path wins").
3. path looks like a Hub id, "owner/name": the HuggingFace cache, looked up
   as model2vec 0.10.0 does (persistence/hf.py maybe_get_cached_model_path):
   ``<cache>/models--owner--name/snapshots/<rev>/``, the snapshot folder with
   the newest modification time, used only if it (or its subfolder) holds a
   complete model2vec layout. The cache is $HF_HUB_CACHE, else
   $HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub, else
   ${XDG_CACHE_HOME:-~/.cache}/huggingface/hub (huggingface_hub's order),
   read when called.
4. Not cached (or force_download): huggingface_hub.snapshot_download of the
   model files only (model2vec's allow_patterns: the three layouts' config,
   safetensors and tokenizer files plus README.md), when huggingface_hub is
   installed and the Hub is not switched off by HF_HUB_OFFLINE (or
   TRANSFORMERS_OFFLINE). Otherwise an M2VIOError says what to do.

Anything else (a path that does not exist and is no "owner/name") is handed
to the C loader, whose error names the missing file.

Difference from model2vec: model2vec's force_download defaults to True and
then always asks the Hub; m2v looks in the local cache first and asks the
Hub only when the model is not there or force_download=True.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Optional, Union

from ._errors import M2VIOError
from ._m2v import lib

PathLike = Union[str, "os.PathLike[str]"]

#: The embedded default model shipped inside the package.
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "default_model"

# model2vec 0.10.0 persistence/datamodels.py FOLDER_LAYOUTS: (config, safetensors, tokenizer).
LAYOUTS: tuple[tuple[str, str, str], ...] = (
    ("config.json", "model.safetensors", "tokenizer.json"),
    ("config_sentence_transformers.json", "model.safetensors", "tokenizer.json"),
    ("config_sentence_transformers.json", "0_StaticEmbedding/model.safetensors", "0_StaticEmbedding/tokenizer.json"),
)
LAYOUT_NAMES = ("model2vec", "sentence-transformers", "sentence-transformers (0_StaticEmbedding)")

_TRUE = {"1", "ON", "YES", "TRUE"}  # huggingface_hub's ENV_VARS_TRUE_VALUES
# Hub repo ids: "owner/name", word characters, '-' and '.', not starting or
# ending with '-' or '.', no '--' or '..' (huggingface_hub's validate_repo_id).
_PART = r"[A-Za-z0-9_](?:[\w.-]*[A-Za-z0-9_])?"
_REPO_ID = re.compile(rf"^{_PART}/{_PART}$")


def default_model_path() -> Path:
    """Folder of the embedded default model."""
    return DEFAULT_MODEL_DIR


def allow_patterns(subfolder: Optional[str] = None) -> list[str]:
    """The files a download fetches: model2vec 0.10.0's
    ``[*get_all_model2vec_paths(), "README.md"]``, under subfolder if given."""
    patterns = sorted({p for layout in LAYOUTS for p in layout}) + ["README.md"]
    if subfolder:
        patterns = [f"{subfolder.strip('/')}/{p}" for p in patterns]
    return patterns


def find_layout(folder: Path) -> Optional[int]:
    """Index into LAYOUTS of the first complete layout in folder, or None."""
    for i, files in enumerate(LAYOUTS):
        if all((folder / f).exists() for f in files):
            return i
    return None


def has_valid_layout(folder: Path) -> bool:
    return find_layout(folder) is not None


def hub_cache_dir() -> Path:
    """The HuggingFace Hub cache folder, from the environment now."""
    env = os.environ
    hf_home = env.get("HF_HOME") or os.path.join(
        env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "huggingface")
    legacy = env.get("HUGGINGFACE_HUB_CACHE") or os.path.join(os.path.expandvars(os.path.expanduser(hf_home)), "hub")
    cache = env.get("HF_HUB_CACHE") or legacy
    return Path(os.path.expandvars(os.path.expanduser(cache)))


def hub_offline() -> bool:
    """True if HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) switches the Hub off."""
    value = os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE")
    return value is not None and value.upper() in _TRUE


def is_repo_id(name: str) -> bool:
    """Whether name has the form of a Hub model id, "owner/name"."""
    return name.count("/") == 1 and "--" not in name and ".." not in name and bool(_REPO_ID.match(name))


def cached_snapshot(repo_id: str, cache_dir: Optional[Path] = None) -> Optional[Path]:
    """The newest snapshot folder of repo_id in the cache, as model2vec's
    maybe_get_cached_model_path picks it (latest st_mtime), or None."""
    if repo_id.count("/") != 1:
        return None
    cache = hub_cache_dir() if cache_dir is None else cache_dir
    snapshots_dir = cache / f"models--{repo_id.replace('/', '--')}" / "snapshots"
    if not snapshots_dir.is_dir():
        return None
    snapshots = [p for p in snapshots_dir.iterdir() if p.is_dir()]
    if not snapshots:
        return None
    return max(snapshots, key=lambda p: p.stat().st_mtime)


def _import_hub() -> Any:
    """huggingface_hub, or None if it is not installed."""
    try:
        import huggingface_hub
    except ImportError:
        return None
    return huggingface_hub


def _io_error(message: str) -> M2VIOError:
    return M2VIOError(message, code=int(lib.M2V_IO))


def download(repo_id: str, *, subfolder: Optional[str], token: Optional[str]) -> Path:
    """snapshot_download the model files of repo_id; the snapshot folder."""
    cache = hub_cache_dir()
    where = f"{repo_id!r} is not a local folder and not in the HuggingFace cache ({cache})"
    local = "or pass the path of a local model folder"
    hub = _import_hub()
    if hub is None:
        raise _io_error(
            f"{where}, and huggingface_hub is not installed to download it: "
            f"pip install huggingface_hub (or pip install 'm2v[hub]'), {local}")
    if hub_offline():
        raise _io_error(
            f"{where}, and HF_HUB_OFFLINE is set: download it while online "
            f"(hf download {repo_id}, or unset HF_HUB_OFFLINE and load it again), {local}")
    try:
        folder = hub.snapshot_download(
            repo_id, repo_type="model", token=token, allow_patterns=allow_patterns(subfolder))
    except Exception as exc:  # network, authorisation, missing repo: all end here
        raise _io_error(
            f"{where}, and downloading it from the HuggingFace Hub failed: {type(exc).__name__}: "
            f"{' '.join(str(exc).split()).rstrip('.')}. "
            f"Check the name, your network and, for a private model, the token; {local}") from exc
    return Path(folder)


def resolve_model_path(
    path: Optional[PathLike],
    *,
    subfolder: Optional[str] = None,
    token: Optional[str] = None,
    force_download: bool = False,
) -> Path:
    """The folder to load for from_pretrained(path, subfolder=...), subfolder applied."""
    if path is None:
        folder = DEFAULT_MODEL_DIR
    else:
        folder = Path(os.fspath(path))
        name = os.fspath(path)
        if not folder.exists() and isinstance(name, str) and is_repo_id(name):
            folder = _from_hub(name, subfolder=subfolder, token=token, force_download=force_download)
    return folder / subfolder if subfolder else folder


def _from_hub(repo_id: str, *, subfolder: Optional[str], token: Optional[str], force_download: bool) -> Path:
    if not force_download:
        snapshot = cached_snapshot(repo_id)
        if snapshot is not None and has_valid_layout(snapshot / subfolder if subfolder else snapshot):
            return snapshot
    folder = download(repo_id, subfolder=subfolder, token=token)
    target = folder / subfolder if subfolder else folder
    if not has_valid_layout(target):
        raise _io_error(
            f"{repo_id!r}: the HuggingFace Hub copy in {target} has no Model2Vec model "
            f"(expected one of: {'; '.join(' + '.join(files) for files in LAYOUTS)})")
    return folder
