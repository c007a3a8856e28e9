"""``python -m persidict``: the ``persidict`` command line."""

import sys

from .tools.cli import main

sys.exit(main())
