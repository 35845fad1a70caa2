"""python -m m2v: see m2v/cli.py."""

import sys

from .cli import main

sys.exit(main())
