"""``python -m bench``: see :mod:`bench.runner`."""

import sys

from bench.runner import main

# guarded: the fuzz benchmark's worker processes start by importing this module again
if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
