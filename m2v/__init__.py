"""m2v: Model2Vec static embeddings from a small, dependency-free C library.

    from m2v import StaticModel
    model = StaticModel.from_pretrained("path/to/model")
    vectors = model.encode(["It's dangerous to go alone!", "Take this."])

StaticModel mirrors model2vec.StaticModel 0.10.0 (same arguments, same
vectors). Every error is an M2VError carrying the C status code and message.
"""

from ._errors import (
    M2VError,
    M2VFormatError,
    M2VIOError,
    M2VLimitError,
    M2VMemoryError,
    M2VMisuseError,
    M2VRangeError,
    M2VTokenizerError,
    M2VTooSmallError,
    M2VUnsupportedError,
    M2VUTF8Error,
)
from ._m2v import ffi as _ffi
from ._m2v import lib as _lib
from .model import StaticModel

#: Version of the C library this package runs (M2V_VERSION_STRING).
__version__: str = _ffi.string(_lib.m2v_version()).decode("ascii")


def features() -> dict[str, bool]:
    """Build features of the C library."""
    bits = int(_lib.m2v_features())
    return {
        "threads": bool(bits & _lib.M2V_FEATURE_THREADS),
        "native_tokenizer": bool(bits & _lib.M2V_FEATURE_NATIVE_TOKENIZER),
    }


__all__ = [
    "StaticModel",
    "M2VError",
    "M2VFormatError",
    "M2VIOError",
    "M2VLimitError",
    "M2VMemoryError",
    "M2VMisuseError",
    "M2VRangeError",
    "M2VTokenizerError",
    "M2VTooSmallError",
    "M2VUnsupportedError",
    "M2VUTF8Error",
    "features",
    "__version__",
]
