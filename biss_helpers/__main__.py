"""``python -m biss_helpers`` is the ``biss`` command."""

import sys

from .cli import main

sys.exit(main())
