"""A Python callable as the model's m2v_tokenizer (the C callback protocol).

StaticModel.from_pretrained(path, tokenizer=fn) with ``fn(text: str) ->
list[int]`` builds a CallbackTokenizer and hands its ``table`` to m2v_load.
C then calls _m2v_py_tokenize for every text it tokenizes, from the thread
that called encode or from its worker threads (cffi takes the GIL for the
call). fn must therefore be safe to call from several threads at once.

fn returns the ids of the whole text, as the tokenizer produces them with no
special tokens, before truncation and before unknown tokens are dropped (C
does both). Any sequence of integers works (list, tuple, numpy array).

If fn raises or returns something that is not a 1-D sequence of integers,
the callback returns non-zero, C fails the call with M2V_TOKENIZER, and the
Python exception becomes the ``__cause__`` of the M2VTokenizerError.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable, Optional, Sequence

import numpy as np

from ._m2v import ffi, lib

TokenizeFn = Callable[[str], Sequence[int]]

# How many recent callback failures are remembered (per model) to be
# attached as __cause__; older ones are dropped.
_MAX_REMEMBERED_ERRORS = 16
_INT32_MAX = 2**31 - 1


class _Scratch:
    """Per-thread, per-call working area: the last text and its ids, so that
    C's retry with a bigger buffer does not run the tokenizer twice."""

    __slots__ = ("text", "ids")

    def __init__(self) -> None:
        self.text: Optional[bytes] = None
        self.ids: Optional[np.ndarray] = None


def _as_ids(result: Any) -> np.ndarray:
    """fn's result as a 1-D int32 array; raises TypeError/ValueError."""
    if isinstance(result, np.ndarray):
        arr = result
    else:
        if isinstance(result, (str, bytes)):
            raise TypeError(f"tokenizer returned {type(result).__name__}, expected a sequence of int")
        arr = np.asarray(result if isinstance(result, (list, tuple)) else list(result))
        if arr.size == 0:
            return np.empty(0, dtype=np.int32)
    if arr.ndim != 1:
        raise ValueError(f"tokenizer returned an array of shape {arr.shape}, expected 1-D")
    if arr.size == 0:
        return np.empty(0, dtype=np.int32)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"tokenizer returned {arr.dtype} values, expected integers")
    if int(arr.max()) > _INT32_MAX:
        raise ValueError(f"tokenizer returned id {int(arr.max())}, which does not fit in int32")
    # Negative ids are passed on: C rejects them with M2V_TOKENIZER.
    if int(arr.min()) < -_INT32_MAX:
        raise ValueError(f"tokenizer returned id {int(arr.min())}, which does not fit in int32")
    return np.ascontiguousarray(arr, dtype=np.int32)


class CallbackTokenizer:
    """Owns the m2v_tokenizer table and the Python state behind it.

    Keep this object alive as long as the model loaded with its table (the
    model handle holds it). destroy is NULL: Python owns everything.
    """

    def __init__(self, fn: TokenizeFn) -> None:
        if not callable(fn):
            raise TypeError(f"tokenizer must be callable, got {type(fn).__name__}")
        self.fn = fn
        self._handle = ffi.new_handle(self)
        self._scratch: dict[int, Any] = {}
        self._errors: "OrderedDict[bytes, BaseException]" = OrderedDict()
        self._lock = threading.Lock()
        table = ffi.new("m2v_tokenizer *")
        table.struct_size = ffi.sizeof("m2v_tokenizer")
        table.user_data = self._handle
        table.tokenize = lib._m2v_py_tokenize
        table.destroy = ffi.NULL
        table.scratch_new = lib._m2v_py_scratch_new
        table.scratch_free = lib._m2v_py_scratch_free
        self.table = table

    # -- called from C ------------------------------------------------------

    def _tokenize(self, scratch: Any, text: bytes) -> np.ndarray:
        cache: Optional[_Scratch] = ffi.from_handle(scratch) if scratch != ffi.NULL else None
        if cache is not None and cache.text == text and cache.ids is not None:
            return cache.ids
        ids = _as_ids(self.fn(text.decode("utf-8")))
        if cache is not None:
            cache.text, cache.ids = text, ids
        return ids

    def _remember(self, text: bytes, exc: BaseException) -> None:
        with self._lock:
            self._errors[text] = exc
            self._errors.move_to_end(text)
            while len(self._errors) > _MAX_REMEMBERED_ERRORS:
                self._errors.popitem(last=False)

    def _new_scratch(self) -> Any:
        handle = ffi.new_handle(_Scratch())
        self._scratch[int(ffi.cast("uintptr_t", handle))] = handle
        return handle

    def _free_scratch(self, scratch: Any) -> None:
        self._scratch.pop(int(ffi.cast("uintptr_t", scratch)), None)

    # -- called from Python after a failed C call ---------------------------

    def pop_error(self, text: bytes) -> Optional[BaseException]:
        """The exception fn raised for text (or a prefix of it: C may have cut
        the text before tokenizing), if it is still remembered."""
        with self._lock:
            best: Optional[bytes] = None
            for key in self._errors:
                if text.startswith(key) and (best is None or len(key) > len(best)):
                    best = key
            return self._errors.pop(best) if best is not None else None


@ffi.def_extern(error=-1)
def _m2v_py_tokenize(user_data: Any, scratch: Any, text: Any, text_len: int, max_tokens: int,
                     ids: Any, ids_capacity: int, n_ids: Any) -> int:
    state: CallbackTokenizer = ffi.from_handle(user_data)
    raw = ffi.unpack(text, text_len) if text_len else b""
    try:
        arr = state._tokenize(scratch, raw)
    except BaseException as exc:  # noqa: BLE001 - reported through the C status
        state._remember(raw, exc)
        return -1
    n = int(arr.shape[0])
    k = min(n, int(ids_capacity))
    if k:
        ffi.memmove(ids, arr[:k], 4 * k)
    n_ids[0] = n
    return 0


@ffi.def_extern()  # an exception returns NULL: C reports M2V_NOMEM
def _m2v_py_scratch_new(user_data: Any) -> Any:
    state: CallbackTokenizer = ffi.from_handle(user_data)
    return state._new_scratch()


@ffi.def_extern()
def _m2v_py_scratch_free(user_data: Any, scratch: Any) -> None:
    state: CallbackTokenizer = ffi.from_handle(user_data)
    state._free_scratch(scratch)
