"""Which links a case may hold, and how they become ``href`` values.

A source's ``url`` ends up as a clickable link in the report and the dashboard, so only
schemes that open a document are accepted: ``http``, ``https`` and ``doi:`` (a DOI, opened
through https://doi.org). ``javascript:``, ``data:``, ``file:`` and the like are refused by
the schema, and :func:`web_href` refuses them again where links are rendered, in case a
source object was built without validation.
"""

from __future__ import annotations

import re

__all__ = ["URL_PATTERN", "check_url", "web_href"]

URL_PATTERN = r"^(?:[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#]+\S*|doi:10\.\S+)$"
_URL = re.compile(URL_PATTERN)
_DOI_RESOLVER = "https://doi.org/"


def check_url(value: str) -> str:
    """``value`` if it is an http(s) URL with a host or a ``doi:10.…`` name.

    Raises
    ------
    ValueError
        Naming the value and what is allowed (pydantic reports it with file, line and field).
    """
    if not _URL.match(value):
        shown = value if len(value) <= 60 else value[:57] + "..."
        raise ValueError(f"{shown!r} is not a link qpq renders; allowed: http://..., "
                         "https://... or doi:10....")
    return value


def web_href(url: str | None) -> str | None:
    """The ``href`` for ``url`` (a DOI through doi.org), or ``None`` if it is not allowed."""
    if not url or not _URL.match(url):
        return None
    if url.startswith("doi:"):
        return _DOI_RESOLVER + url[len("doi:"):]
    return url
