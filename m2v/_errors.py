"""Exceptions of m2v and the one place where C status codes become them.

Every error raised by the package is an M2VError carrying the C status code
(``code``, one of the M2V_* values), the C message (``message``) and, for
batch calls, the index of the failing text (``index``). Subclasses also
inherit the builtin that fits, so ``except ValueError`` / ``except OSError``
/ ``except MemoryError`` work as a Python user expects.

_check() maps codes to classes. It never parses message text.
"""

from __future__ import annotations

from typing import Any, Optional

from ._m2v import ffi, lib


class M2VError(Exception):
    """Base class of every m2v error.

    :ivar code: the M2V_* status code (0 for errors raised by Python code
        that have no C status, such as use after close).
    :ivar message: the message, as C wrote it.
    :ivar index: for batch calls, the index of the failing text, else None.
    """

    code: int
    message: str
    index: Optional[int]

    def __init__(self, message: str, *, code: int = 0, index: Optional[int] = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.index = index

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), self.message, self.code, self.index))


def _rebuild(cls: type, message: str, code: int, index: Optional[int]) -> "M2VError":
    return cls(message, code=code, index=index)


class M2VMemoryError(M2VError, MemoryError):
    """M2V_NOMEM: a memory allocation failed."""


class M2VIOError(M2VError, OSError):
    """M2V_IO: a file could not be opened, read or mapped."""


class M2VFormatError(M2VError, ValueError):
    """M2V_FORMAT: a model file is malformed."""


class M2VUnsupportedError(M2VError, ValueError):
    """M2V_UNSUPPORTED: well-formed, but uses something m2v cannot run."""


class M2VTokenizerError(M2VError, RuntimeError):
    """M2V_TOKENIZER: the tokenizer failed or returned an invalid id.

    When a Python tokenizer callable raised, that exception is the
    ``__cause__``.
    """


class M2VTooSmallError(M2VError, ValueError):
    """M2V_TOOSMALL: an output buffer is too small."""


class M2VRangeError(M2VError, ValueError):
    """M2V_RANGE: an id, offset or number is out of range."""


class M2VMisuseError(M2VError, ValueError):
    """M2V_MISUSE: invalid argument, or a call the model cannot serve (also
    raised for any use of a closed model)."""


class M2VUTF8Error(M2VError, ValueError):
    """M2V_UTF8: text is not valid UTF-8."""


class M2VLimitError(M2VError, ValueError):
    """M2V_LIMIT: input exceeds a documented size limit."""


_BY_CODE: dict[int, type[M2VError]] = {
    lib.M2V_NOMEM: M2VMemoryError,
    lib.M2V_IO: M2VIOError,
    lib.M2V_FORMAT: M2VFormatError,
    lib.M2V_UNSUPPORTED: M2VUnsupportedError,
    lib.M2V_TOKENIZER: M2VTokenizerError,
    lib.M2V_TOOSMALL: M2VTooSmallError,
    lib.M2V_RANGE: M2VRangeError,
    lib.M2V_MISUSE: M2VMisuseError,
    lib.M2V_UTF8: M2VUTF8Error,
    lib.M2V_LIMIT: M2VLimitError,
}


def error_class(code: int) -> type[M2VError]:
    """The exception class for a C status code (M2VError for unknown codes)."""
    return _BY_CODE.get(code, M2VError)


def _make(rc: int, err: Any) -> M2VError:
    message = ""
    index: Optional[int] = None
    if err is not None:
        message = ffi.string(err.message).decode("utf-8", "replace")
        index = int(err.index)
    if not message:
        message = ffi.string(lib.m2v_errstr(rc)).decode("ascii", "replace")
    return error_class(rc)(message, code=rc, index=index)


def _check(rc: int, err: Any = None) -> None:
    """Raise the exception for status rc (with err's message), if rc != M2V_OK."""
    if rc != lib.M2V_OK:
        raise _make(rc, err)
