"""``python -m archgym …``: the same program as the ``archgym`` command."""

from __future__ import annotations

import sys

from archgym.cli import main

if __name__ == "__main__":
    sys.exit(main())
