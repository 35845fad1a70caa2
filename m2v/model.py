"""StaticModel: model2vec 0.10.0's StaticModel on top of the m2v C library.

    from m2v import StaticModel
    model = StaticModel.from_pretrained("path/to/model")
    vectors = model.encode(["It's dangerous to go alone!", "Take this."])

The arguments and results follow model2vec.StaticModel 0.10.0 (same names,
same defaults, same vectors within float tolerance). Differences:

- Vectors are always float32 (model2vec returns float16 for float16 models).
- Models are never converted: quantize_to / dimensionality /
  vocabulary_quantization are not supported. from_pretrained() with no path
  loads the embedded default model; an "owner/name" that is not a local
  folder is looked up in the HuggingFace cache first, and downloaded only if
  it is not there (or force_download=True); see m2v/_hub.py.
- encode([]) returns an empty (0, dim) array instead of raising, and
  encode_as_sequence gives float32 (0, dim) arrays for texts with no tokens.
- tokenize("one string") returns one list of ids (model2vec expects a list).
- use_multiprocessing / multiprocessing_threshold are accepted and ignored;
  use num_threads (1 by default, 0 = one per CPU) to pool in C threads.

Thread safety: one model may be used from many threads at once. C does the
work with the GIL released.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence, Union, overload

import numpy as np

from ._callback import CallbackTokenizer
from ._errors import M2VError, M2VMisuseError, M2VTokenizerError, M2VUnsupportedError, _make
from ._handle import _Handle
from ._hf import HFTokenizer, tokenizers_available
from ._hub import resolve_model_path
from ._m2v import ffi, lib

PathLike = Union[str, "os.PathLike[str]"]
TokenizerArg = Union[str, Callable[[str], Sequence[int]]]


class _Unset:
    """Marker for "argument not passed" (None has a meaning: no limit)."""

    _instance: Optional["_Unset"] = None

    def __new__(cls) -> "_Unset":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unset>"


_UNSET: Any = _Unset()

# The three folder layouts model2vec 0.10.0 loads, in its order:
# (config, safetensors, tokenizer.json, embedding tensor name).
_LAYOUTS = (
    ("config.json", "model.safetensors", "tokenizer.json", "embeddings"),
    ("config_sentence_transformers.json", "model.safetensors", "tokenizer.json", "embedding.weight"),
    (
        "config_sentence_transformers.json",
        "0_StaticEmbedding/model.safetensors",
        "0_StaticEmbedding/tokenizer.json",
        "embedding.weight",
    ),
)

_NP_DTYPES: dict[int, "np.dtype[Any]"] = {
    lib.M2V_DTYPE_F32: np.dtype(np.float32),
    lib.M2V_DTYPE_F16: np.dtype(np.float16),
    lib.M2V_DTYPE_F64: np.dtype(np.float64),
    lib.M2V_DTYPE_I8: np.dtype(np.int8),
    lib.M2V_DTYPE_I32: np.dtype(np.int32),
    lib.M2V_DTYPE_I64: np.dtype(np.int64),
}


def _bfloat16() -> "np.dtype[Any]":
    """numpy has no bfloat16: use ml_dtypes' if installed, else the raw bits."""
    try:
        import ml_dtypes  # type: ignore[import-not-found]
    except ImportError:
        return np.dtype(np.uint16)
    return np.dtype(ml_dtypes.bfloat16)


def _find_layout(folder: Path) -> Optional[tuple[Path, Path, Path, str]]:
    for config, tensors, tokenizer, name in _LAYOUTS:
        paths = (folder / config, folder / tensors, folder / tokenizer)
        if all(p.exists() for p in paths):
            return paths[0], paths[1], paths[2], name
    return None


def _check_max_length(value: Any) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"max_length must be an int or None, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"max_length must be >= 0 or None, got {value}")
    return int(value)


def _check_num_threads(value: Optional[int]) -> int:
    if value is None:
        return 1
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"num_threads must be an int >= 0 (0 = one per CPU) or None, got {value!r}")
    return int(value)


def _as_texts(sentences: Any) -> tuple[list[str], bool]:
    """(list of texts, whether a single str was given)."""
    if isinstance(sentences, str):
        return [sentences], True
    texts = sentences if isinstance(sentences, list) else list(sentences)
    if not set(map(type, texts)) <= {str}:  # C speed; subclasses of str take the loop
        for i, t in enumerate(texts):
            if not isinstance(t, str):
                raise TypeError(f"sentences[{i}] is {type(t).__name__}, expected str")
    return texts, False


def _ranges(n: int, batch_size: int, show_progress_bar: bool) -> Iterator[tuple[int, int]]:
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be an int >= 1, got {batch_size!r}")
    starts: Iterable[int] = range(0, n, int(batch_size))
    if show_progress_bar:
        try:
            from tqdm import tqdm
        except ImportError:
            pass
        else:
            starts = tqdm(starts, total=(n + batch_size - 1) // batch_size)
    for start in starts:
        yield start, min(n, start + int(batch_size))


class _Texts:
    """A batch of texts as UTF-8 in one buffer, with the pointer and length
    arrays m2v_encode takes. Keeps everything alive while C reads it."""

    def __init__(self, texts: Sequence[str]) -> None:
        data = [t.encode("utf-8") for t in texts]
        n = len(data)
        self.data = data
        self.lens = np.fromiter(map(len, data), dtype=np.uintp, count=n)
        self.joined = b"".join(data + [b"\0"])  # never empty: a valid pointer
        self.base = ffi.from_buffer(self.joined)
        starts = np.zeros(n, dtype=np.uintp)
        if n > 1:
            np.cumsum(self.lens[:-1], out=starts[1:])
        self.ptrs = starts + np.uintp(int(ffi.cast("uintptr_t", self.base)))
        self.c_ptrs = ffi.cast("const char *const *", ffi.from_buffer(self.ptrs))
        self.c_lens = ffi.cast("const size_t *", ffi.from_buffer(self.lens))


class StaticModel:
    """A loaded Model2Vec model (see the module docstring).

    Create with StaticModel.from_pretrained(). Close with close() or a
    ``with`` block; the C model is freed when the last call or tensor view
    using it is done (and, as a backstop, when the object is collected).
    """

    def __init__(self, handle: _Handle, *, folder: Path, tokenizer_mode: str,
                 hf: Optional[HFTokenizer] = None, callback: Optional[CallbackTokenizer] = None,
                 config_path: Optional[Path] = None) -> None:
        self._handle = handle
        self._folder = folder
        self._mode = tokenizer_mode
        self._hf = hf
        self._callback = callback
        self._config_path = config_path
        ptr = handle.acquire()
        try:
            self._dim = int(lib.m2v_dim(ptr))
            self._vocab_size = int(lib.m2v_vocab_size(ptr))
            self._median_token_length = int(lib.m2v_median_token_length(ptr))
            unk = int(lib.m2v_unk_token_id(ptr))
            self._unk_token_id: Optional[int] = None if unk == lib.M2V_NONE else unk
            max_length = int(lib.m2v_max_length(ptr))
            self._max_length: Optional[int] = None if max_length == lib.M2V_NONE else max_length
            self._normalize = bool(lib.m2v_normalize(ptr))
            self._tokenizer_kind = ffi.string(lib.m2v_tokenizer_kind(ptr)).decode()
        finally:
            handle.release()
        self._tokens: Optional[tuple[str, ...]] = None
        self._views: dict[int, Optional[np.ndarray]] = {}
        self._config: Optional[dict[str, Any]] = None

    # ------------------------------------------------------------------
    # Loading
    # ------------------------------------------------------------------

    @classmethod
    def from_pretrained(
        cls,
        path: Optional[PathLike] = None,
        *,
        token: Optional[str] = None,
        normalize: Optional[bool] = None,
        subfolder: Optional[str] = None,
        quantize_to: Any = None,
        dimensionality: Optional[int] = None,
        vocabulary_quantization: Optional[int] = None,
        max_length: Any = _UNSET,
        force_download: bool = False,
        tokenizer: TokenizerArg = "auto",
        unk_token_id: Any = _UNSET,
    ) -> "StaticModel":
        """Load a model from a local folder in any layout model2vec 0.10.0 loads.

        :param path: the model folder, or a HuggingFace Hub id "owner/name"
            (local cache first, then download); None: the embedded default model.
        :param token: HuggingFace token, for downloading a private model.
        :param normalize: None: the config's "normalize" (False if absent).
        :param subfolder: load from path/subfolder.
        :param max_length: not passed: the config's "max_length" (512 if
            absent, no limit if null); None: no limit; or an int >= 0.
        :param force_download: ask the Hub even if the model is in the local
            HuggingFace cache (model2vec's default is True; m2v's is False).
        :param tokenizer: "native" (m2v's C tokenizer), "hf" (HuggingFace
            `tokenizers`, batch-tokenized in Rust), "auto" (native, else hf
            with a warning), or a callable ``str -> list[int]`` called from C
            through the tokenizer callback (ids without special tokens,
            untruncated, [UNK] included).
        :param unk_token_id: not passed: from tokenizer.json; None: drop no
            id; or the id to drop.
        """
        for name, value in (("quantize_to", quantize_to), ("dimensionality", dimensionality),
                            ("vocabulary_quantization", vocabulary_quantization)):
            if value is not None:
                raise NotImplementedError(f"m2v runs models as stored: {name} is not supported")
        folder = resolve_model_path(path, subfolder=subfolder, token=token, force_download=force_download)

        opts = ffi.new("m2v_load_options *")
        lib.m2v_load_options_init(opts)
        if normalize is not None:
            opts.normalize = 1 if normalize else 0
        if max_length is not _UNSET:
            ml = _check_max_length(max_length)
            opts.max_length = lib.M2V_NONE if ml is None else ml
        if unk_token_id is not _UNSET:
            if unk_token_id is None:
                opts.unk_token_id = lib.M2V_NONE
            elif isinstance(unk_token_id, (int, np.integer)) and not isinstance(unk_token_id, bool) \
                    and unk_token_id >= 0:
                opts.unk_token_id = int(unk_token_id)
            else:
                raise ValueError(f"unk_token_id must be an int >= 0 or None, got {unk_token_id!r}")

        if callable(tokenizer):
            return cls._load_callback(folder, opts, tokenizer)
        if tokenizer == "native":
            return cls._load_native(folder, opts)
        if tokenizer == "hf":
            return cls._load_hf(folder, opts)
        if tokenizer != "auto":
            raise ValueError(f"tokenizer must be 'auto', 'native', 'hf' or a callable, got {tokenizer!r}")
        try:
            return cls._load_native(folder, opts)
        except M2VUnsupportedError as native_error:
            if not tokenizers_available():
                raise M2VUnsupportedError(
                    f"{native_error.message} (install the 'tokenizers' package to use tokenizer='hf')",
                    code=native_error.code) from native_error
            model = cls._load_hf(folder, opts)
            warnings.warn(
                f"m2v: native tokenizer not used ({native_error.message}); "
                "using HuggingFace tokenizers (tokenizer='hf')",
                RuntimeWarning,
                stacklevel=2,
            )
            return model

    @staticmethod
    def _load_ptr(folder: Path, opts: Any) -> Any:
        out = ffi.new("m2v_model **")
        err = ffi.new("m2v_error *")
        rc = lib.m2v_load(os.fsencode(folder), opts, out, err)
        if rc != lib.M2V_OK:
            raise _make(rc, err)
        return out[0]

    @classmethod
    def _load_native(cls, folder: Path, opts: Any) -> "StaticModel":
        opts.tokenizer = ffi.NULL
        handle = _Handle(cls._load_ptr(folder, opts))
        layout = _find_layout(folder)
        return cls(handle, folder=folder, tokenizer_mode="native",
                   config_path=layout[0] if layout else None)

    @classmethod
    def _load_hf(cls, folder: Path, opts: Any) -> "StaticModel":
        opts.tokenizer = ffi.NULL
        opts.flags |= lib.M2V_LOAD_NO_TOKENIZER
        handle = _Handle(cls._load_ptr(folder, opts))
        layout = _find_layout(folder)
        if layout is None:  # C found a layout that Python does not know
            handle.close()
            raise M2VMisuseError(f"{folder}: no model2vec layout found for tokenizer='hf'")
        hf = HFTokenizer(str(layout[2]))
        model = cls(handle, folder=folder, tokenizer_mode="hf", hf=hf, config_path=layout[0])
        if hf.vocab_size() != model._vocab_size:
            model.close()
            raise M2VMisuseError(
                f"{layout[2]}: tokenizers reports {hf.vocab_size()} tokens, m2v read {model._vocab_size}")
        return model

    @classmethod
    def _load_callback(cls, folder: Path, opts: Any, fn: Callable[[str], Sequence[int]]) -> "StaticModel":
        state = CallbackTokenizer(fn)
        opts.tokenizer = state.table
        handle = _Handle(cls._load_ptr(folder, opts), keepalive=state)
        layout = _find_layout(folder)
        return cls(handle, folder=folder, tokenizer_mode="callback", callback=state,
                   config_path=layout[0] if layout else None)

    # ------------------------------------------------------------------
    # Lifetime
    # ------------------------------------------------------------------

    def close(self) -> None:
        """Release the model. Further calls raise M2VMisuseError. Idempotent.
        Views of its tensors stay valid; the mapping goes when they do."""
        self._views = {}
        self._handle.close()

    @property
    def closed(self) -> bool:
        return self._handle.closed

    def __enter__(self) -> "StaticModel":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"dim={self._dim}, vocab={self._vocab_size}"
        return f"<m2v.StaticModel {str(self._folder)!r} {state}, tokenizer={self._mode}>"

    # ------------------------------------------------------------------
    # Settings and introspection
    # ------------------------------------------------------------------

    @property
    def dim(self) -> int:
        """Dimension of a vector."""
        return self._dim

    @property
    def vocab_size(self) -> int:
        """Number of token ids (tokenizer vocabulary including added tokens)."""
        return self._vocab_size

    @property
    def normalize(self) -> bool:
        """Default of encode's normalize. May be set, as in model2vec."""
        return self._normalize

    @normalize.setter
    def normalize(self, value: bool) -> None:
        self._normalize = bool(value)

    @property
    def max_length(self) -> Optional[int]:
        """Default of encode's max_length (None: no limit); also used by
        tokenize(). May be set, as in model2vec."""
        return self._max_length

    @max_length.setter
    def max_length(self, value: Optional[int]) -> None:
        self._max_length = _check_max_length(value)

    @property
    def median_token_length(self) -> int:
        return self._median_token_length

    @property
    def unk_token_id(self) -> Optional[int]:
        """The id dropped as unknown token, or None."""
        return self._unk_token_id

    @property
    def tokenizer_mode(self) -> str:
        """"native", "hf" or "callback"."""
        return self._mode

    @property
    def tokenizer_kind(self) -> str:
        """The C library's name for the tokenizer ("native-wordpiece", "callback", "none", ...)."""
        return self._tokenizer_kind

    @property
    def tokens(self) -> tuple[str, ...]:
        """The vocabulary, as a tuple of strings indexed by token id."""
        if self._tokens is None:
            tok = ffi.new("const char **")
            size = ffi.new("size_t *")
            out: list[str] = []
            with self._handle as ptr:
                for i in range(self._vocab_size):
                    rc = lib.m2v_token(ptr, i, tok, size)
                    if rc != lib.M2V_OK:
                        raise _make(rc, None)
                    out.append(ffi.unpack(tok[0], size[0]).decode("utf-8"))
            self._tokens = tuple(out)
        return self._tokens

    @property
    def config(self) -> dict[str, Any]:
        """The model's config file as a dict (empty if it has none)."""
        if self._config is None:
            cfg: dict[str, Any] = {}
            if self._config_path is not None:
                with open(self._config_path, encoding="utf-8") as f:
                    cfg = json.load(f)
            self._config = cfg
        return dict(self._config)

    def _tensor(self, which: int) -> Optional[np.ndarray]:
        if which in self._views:
            return self._views[which]
        view = ffi.new("m2v_tensor *")
        with self._handle as ptr:
            rc = lib.m2v_tensor_view(ptr, which, view)
            if rc == lib.M2V_RANGE:
                arr = None
            elif rc != lib.M2V_OK:
                raise _make(rc, None)
            else:
                dtype = _bfloat16() if view.dtype == lib.M2V_DTYPE_BF16 else _NP_DTYPES[view.dtype]
                rows, cols = int(view.rows), int(view.cols)
                nbytes = rows * cols * dtype.itemsize
                data = self._handle.pin(view.data)  # the view keeps the model mapped
                buf = memoryview(ffi.buffer(data, nbytes)).toreadonly()
                arr = np.frombuffer(buf, dtype=dtype)
                arr = arr.reshape(rows, cols) if which == lib.M2V_TENSOR_EMBEDDINGS else arr
        self._views[which] = arr
        return arr

    @property
    def embedding(self) -> np.ndarray:
        """The embedding table, a read-only zero-copy view of the mapped file
        (dtype as stored; bfloat16 as ml_dtypes.bfloat16 or raw uint16 bits)."""
        arr = self._tensor(lib.M2V_TENSOR_EMBEDDINGS)
        assert arr is not None
        return arr

    @property
    def weights(self) -> Optional[np.ndarray]:
        """Per-token weights (read-only view), or None."""
        return self._tensor(lib.M2V_TENSOR_WEIGHTS)

    @property
    def token_mapping(self) -> Optional[np.ndarray]:
        """Token id -> embedding row (read-only view), or None."""
        return self._tensor(lib.M2V_TENSOR_MAPPING)

    @property
    def embedding_dtype(self) -> str:
        """numpy name of the table's dtype ("float32", "float16", "bfloat16", "int8", ...)."""
        view = ffi.new("m2v_tensor *")
        with self._handle as ptr:
            rc = lib.m2v_tensor_view(ptr, lib.M2V_TENSOR_EMBEDDINGS, view)
            if rc != lib.M2V_OK:
                raise _make(rc, None)
        return ffi.string(lib.m2v_dtype_name(view.dtype)).decode()

    @property
    def vocabulary_quantization(self) -> Optional[int]:
        """Number of table rows if the model is vocabulary-quantized, else None."""
        rows = int(self.embedding.shape[0])
        return rows if (self.token_mapping is not None or rows != self._vocab_size) else None

    # ------------------------------------------------------------------
    # Encoding
    # ------------------------------------------------------------------

    def _options(self, normalize: bool, max_length: Optional[int], num_threads: int) -> Any:
        opts = ffi.new("m2v_encode_options *")
        lib.m2v_encode_options_init(opts)
        opts.normalize = 1 if normalize else 0
        opts.max_length = lib.M2V_NONE if max_length is None else max_length
        opts.num_threads = num_threads
        return opts

    def _error(self, rc: int, err: Any, batch: Sequence[str], start: int) -> M2VError:
        exc = _make(rc, err)
        if exc.index is not None and 0 <= exc.index < len(batch):
            failed = batch[exc.index]
            exc.index += start
            if isinstance(exc, M2VTokenizerError) and self._callback is not None:
                cause = self._callback.pop_error(failed.encode("utf-8"))
                if cause is not None and not isinstance(cause, Exception):
                    return cause  # type: ignore[return-value]  # KeyboardInterrupt & co.
                exc.__cause__ = cause
        return exc

    def _encode_batch(self, ptr: Any, batch: Sequence[str], opts: Any, max_length: Optional[int],
                      out: np.ndarray, start: int) -> None:
        err = ffi.new("m2v_error *")
        c_out = ffi.cast("float *", ffi.from_buffer(out, require_writable=True))
        if self._hf is not None:
            if max_length is not None:
                # model2vec: cut to max_length * median_token_length code points first.
                cut = max_length * self._median_token_length
                batch = [t[:cut] for t in batch]
            ids, offsets = self._hf.encode_flat(batch)
            rc = lib.m2v_encode_ids(
                ptr, ffi.cast("const int32_t *", ffi.from_buffer(ids)),
                ffi.cast("const size_t *", ffi.from_buffer(offsets)), len(batch), opts,
                c_out, out.size, err)
        else:
            texts = _Texts(batch)
            rc = lib.m2v_encode(ptr, texts.c_ptrs, texts.c_lens, len(batch), opts, c_out, out.size, err)
        if rc != lib.M2V_OK:
            raise self._error(rc, err, batch, start)

    def encode(
        self,
        sentences: Union[str, Sequence[str]],
        *,
        show_progress_bar: bool = False,
        max_length: Any = _UNSET,
        normalize: Optional[bool] = None,
        batch_size: int = 1024,
        use_multiprocessing: bool = True,
        multiprocessing_threshold: int = 10_000,
        num_threads: Optional[int] = None,
        **kwargs: Any,
    ) -> np.ndarray:
        """Mean token embedding of each sentence, as model2vec's encode.

        :param sentences: a str (returns a 1-D vector) or a sequence of str
            (returns an (n, dim) array). float32 always.
        :param max_length: not passed: the model's; None: no limit.
        :param normalize: None: the model's.
        :param batch_size: sentences per C call.
        :param num_threads: C worker threads per call (None/1: the calling
            thread only; 0: one per CPU). Results are identical for any value.
        :param use_multiprocessing: ignored (compatibility).
        :param multiprocessing_threshold: ignored (compatibility).
        :param kwargs: ignored, as in model2vec.
        """
        texts, single = _as_texts(sentences)
        ml = self._max_length if max_length is _UNSET else _check_max_length(max_length)
        norm = self._normalize if normalize is None else bool(normalize)
        opts = self._options(norm, ml, _check_num_threads(num_threads))
        out = np.empty((len(texts), self._dim), dtype=np.float32)
        with self._handle as ptr:
            for start, end in _ranges(len(texts), batch_size, show_progress_bar):
                self._encode_batch(ptr, texts[start:end], opts, ml, out[start:end], start)
        return out[0] if single else out

    def _sequence_native(self, ptr: Any, text: str, opts: Any, max_length: Optional[int],
                         index: int) -> np.ndarray:
        data = text.encode("utf-8")
        err = ffi.new("m2v_error *")
        n_tokens = ffi.new("size_t *")
        guess = len(data) // 3 + 8
        if max_length is not None:
            guess = min(guess, max_length)
        rows = max(guess, 1)
        while True:
            out = np.empty((rows, self._dim), dtype=np.float32)
            rc = lib.m2v_encode_sequence(ptr, data, len(data), opts,
                                         ffi.cast("float *", ffi.from_buffer(out, require_writable=True)),
                                         out.size, n_tokens, err)
            if rc == lib.M2V_TOOSMALL and int(n_tokens[0]) > rows:
                rows = int(n_tokens[0])
                continue
            if rc != lib.M2V_OK:
                err.index = 0
                raise self._error(rc, err, [text], index)
            return out[: int(n_tokens[0])].copy() if int(n_tokens[0]) < rows else out

    def _sequence_hf(self, ptr: Any, batch: Sequence[str], max_length: Optional[int]) -> list[np.ndarray]:
        assert self._hf is not None
        if max_length is not None:
            cut = max_length * self._median_token_length
            batch = [t[:cut] for t in batch]
        lists = self._hf.encode_lists(batch)
        kept: list[np.ndarray] = []
        for ids in lists:
            arr = np.asarray(ids[:max_length] if max_length is not None else ids, dtype=np.int32)
            if self._unk_token_id is not None:
                arr = arr[arr != self._unk_token_id]
            kept.append(arr)
        counts = [a.shape[0] for a in kept]
        flat = np.concatenate(kept) if kept else np.empty(0, dtype=np.int32)
        # Every token its own sequence: its row, weighted and mapped, as float32.
        offsets = np.arange(flat.shape[0] + 1, dtype=np.uintp)
        out = np.empty((flat.shape[0], self._dim), dtype=np.float32)
        if flat.shape[0]:
            err = ffi.new("m2v_error *")
            rc = lib.m2v_encode_ids(ptr, ffi.cast("const int32_t *", ffi.from_buffer(flat)),
                                    ffi.cast("const size_t *", ffi.from_buffer(offsets)), flat.shape[0],
                                    self._options(False, None, 1),
                                    ffi.cast("float *", ffi.from_buffer(out, require_writable=True)),
                                    out.size, err)
            if rc != lib.M2V_OK:
                raise _make(rc, err)
        bounds = np.cumsum([0] + counts)
        return [out[bounds[i]:bounds[i + 1]] for i in range(len(kept))]

    def encode_as_sequence(
        self,
        sentences: Union[str, Sequence[str]],
        *,
        max_length: Optional[int] = None,
        batch_size: int = 1024,
        show_progress_bar: bool = False,
        use_multiprocessing: bool = True,
        multiprocessing_threshold: int = 10_000,
        **kwargs: Any,
    ) -> Union[np.ndarray, list[np.ndarray]]:
        """One float32 row per token (weighted, mapped), as model2vec's
        encode_as_sequence: (n_tokens, dim) per sentence. Unlike encode,
        max_length defaults to None (no cut), not the model's."""
        texts, single = _as_texts(sentences)
        ml = _check_max_length(max_length)
        result: list[np.ndarray] = []
        with self._handle as ptr:
            for start, end in _ranges(len(texts), batch_size, show_progress_bar):
                if self._hf is not None:
                    result.extend(self._sequence_hf(ptr, texts[start:end], ml))
                else:
                    opts = self._options(False, ml, 1)
                    result.extend(self._sequence_native(ptr, t, opts, ml, start + i)
                                  for i, t in enumerate(texts[start:end]))
        return result[0] if single else result

    # ------------------------------------------------------------------
    # Tokenization
    # ------------------------------------------------------------------

    def _tokenize_native(self, ptr: Any, text: str, opts: Any, index: int) -> list[int]:
        data = text.encode("utf-8")
        err = ffi.new("m2v_error *")
        n_ids = ffi.new("size_t *")
        cap = len(data) + 8
        if self._max_length is not None:
            cap = min(cap, self._max_length + 1)
        while True:
            ids = np.empty(max(cap, 1), dtype=np.int32)
            rc = lib.m2v_tokenize(ptr, data, len(data), opts, ffi.cast("int32_t *", ffi.from_buffer(ids)),
                                  ids.shape[0], n_ids, err)
            if rc == lib.M2V_TOOSMALL and int(n_ids[0]) > ids.shape[0]:
                cap = int(n_ids[0])
                continue
            if rc != lib.M2V_OK:
                err.index = 0
                raise self._error(rc, err, [text], index)
            return ids[: int(n_ids[0])].tolist()

    @overload
    def tokenize(self, sentences: str) -> list[int]: ...  # type: ignore[overload-overlap]
    @overload
    def tokenize(self, sentences: Sequence[str]) -> list[list[int]]: ...

    def tokenize(self, sentences: Union[str, Sequence[str]]) -> Union[list[int], list[list[int]]]:
        """Token ids of each sentence, as model2vec's tokenize: no special
        tokens, cut to the model's max_length tokens, [UNK] dropped, no
        character cut. A single str gives one list."""
        texts, single = _as_texts(sentences)
        ml = self._max_length
        result: list[list[int]]
        with self._handle as ptr:
            if self._hf is not None:
                unk = self._unk_token_id
                result = [[i for i in (ids[:ml] if ml is not None else ids) if i != unk]
                          for ids in self._hf.encode_lists(texts)]
            else:
                opts = self._options(self._normalize, ml, 1)
                result = [self._tokenize_native(ptr, t, opts, i) for i, t in enumerate(texts)]
        return result[0] if single else result
