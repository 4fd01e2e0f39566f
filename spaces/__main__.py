"""Entry point of ``python -m spaces``."""

import sys

from .cli import main

sys.exit(main())
