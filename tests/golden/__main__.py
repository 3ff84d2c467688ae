"""Regenerate the golden outputs: ``python -m tests.golden [NAME ...]``."""

from __future__ import annotations

import json
import sys

from tests.golden.commands import NAMES, path_of, run


def main(names: list[str]) -> None:
    for name in names or list(NAMES):
        doc = run(name)
        path_of(name).write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
        print(f"wrote {path_of(name)}")


if __name__ == "__main__":
    main(sys.argv[1:])
