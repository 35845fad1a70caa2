"""setup.py for m2v: builds m2v._m2v through cffi (see build.py).

The version is read from M2V_VERSION_STRING in include/m2v.h, the one place
it is written. Metadata and dependencies are in pyproject.toml.
"""

import os
import re

from setuptools import setup

HERE = os.path.dirname(os.path.abspath(__file__))


def read_version() -> str:
    with open(os.path.join(HERE, "include", "m2v.h"), encoding="utf-8") as f:
        match = re.search(r'^#define\s+M2V_VERSION_STRING\s+"([^"]+)"', f.read(), re.M)
    if match is None:
        raise RuntimeError("M2V_VERSION_STRING not found in include/m2v.h")
    return match.group(1)


setup(
    version=read_version(),
    cffi_modules=["build.py:ffibuilder"],
    zip_safe=False,
    # cffi builds the extension against the stable ABI (m2v/_m2v.abi3.so):
    # one wheel serves every CPython from requires-python's 3.9 on.
    options={"bdist_wheel": {"py_limited_api": "cp39"}},
)
