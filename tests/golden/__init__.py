"""Golden outputs: the JSON of key commands at the defaults, pinned.

``python -m tests.golden`` regenerates every file; a changed number must be a deliberate
regeneration whose commit says why.
"""
