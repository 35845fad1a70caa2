"""Lifetime of one m2v_model* seen from Python.

A _Handle counts its users: calls in progress and live numpy views of the
model's tensors. close() marks it closed at once (new calls raise) and frees
the C model when the last user is gone, so closing never pulls the mapping
from under a running call or a view. ffi.gc(..., m2v_free) is the backstop
when the handle is garbage collected without close().
"""

from __future__ import annotations

import threading
from typing import Any, Optional

from ._errors import M2VMisuseError
from ._m2v import ffi, lib


class _Handle:
    __slots__ = ("_ptr", "_keepalive", "_lock", "_users", "_closed", "__weakref__")

    def __init__(self, ptr: Any, keepalive: Optional[object] = None) -> None:
        self._ptr: Any = ffi.gc(ptr, lib.m2v_free)
        # Python objects C may call back into (tokenizer callback state);
        # released only together with the model.
        self._keepalive = keepalive
        # RLock: a view's destructor may run from the garbage collector while
        # this thread already holds the lock.
        self._lock = threading.RLock()
        self._users = 0
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def acquire(self) -> Any:
        """Count one user and return the m2v_model*; raises if closed."""
        with self._lock:
            if self._closed:
                raise M2VMisuseError("m2v: the model is closed", code=lib.M2V_MISUSE)
            self._users += 1
            return self._ptr

    def release(self) -> None:
        with self._lock:
            self._users -= 1
            free = self._closed and self._users == 0
        if free:
            self._free()

    def close(self) -> None:
        """Idempotent. Frees now, or when the last call/view is done."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            free = self._users == 0
        if free:
            self._free()

    def _free(self) -> None:
        with self._lock:
            ptr, self._ptr = self._ptr, None
            keep, self._keepalive = self._keepalive, None
        if ptr is not None:
            ffi.release(ptr)  # runs m2v_free now
        del keep

    def pin(self, data: Any) -> Any:
        """A char* cdata to data (inside the model's mapping) that counts as a
        user of this handle until it is garbage collected. Raises if closed."""
        self.acquire()
        return ffi.gc(ffi.cast("char *", data), lambda _p: self.release())

    def __enter__(self) -> Any:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
