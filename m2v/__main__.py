"""python -m m2v: the m2v command line (see m2v/cli.py)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
