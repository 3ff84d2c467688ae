"""``python -m qpq``: the same CLI as the ``qpq`` command."""

import sys

from qpq.cli import main

if __name__ == "__main__":
    sys.exit(main())
