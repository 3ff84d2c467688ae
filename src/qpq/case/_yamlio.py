"""Safe YAML reading that remembers where every value came from.

Case files are data, never code: only PyYAML's safe constructors are used, so a tag such as
``!!python/object`` is rejected instead of executed. While reading, we walk the node tree to
record the line of every mapping key and list item, so that a validation error deep inside a
file can be reported as ``events.yaml:120: date: ...``. Two more differences from plain
``yaml.safe_load``: dates are left as strings (the case format has its own fuzzy dates), and
a key repeated in one mapping is an error rather than a silent overwrite.

A data file cannot exhaust memory: files above :data:`MAX_BYTES` are refused before they are
read, nesting deeper than :data:`MAX_DEPTH` is refused (a recursive alias too), and YAML
aliases (``*name``) may repeat at most :data:`MAX_ALIAS_VALUES` values in all — nine nested
aliases can expand a few hundred bytes into billions of values (an "alias bomb"), while
``yaml.safe_dump`` writes a few small aliases for shared objects, which stay readable. The
check walks the node graph before anything is constructed and stops at the limit.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from qpq.errors import Problem

__all__ = ["MAX_ALIAS_VALUES", "MAX_BYTES", "MAX_DEPTH", "LocatedYaml", "YamlError",
           "read_yaml"]

MAX_BYTES = 8 * 1024 * 1024
"""Largest data file read (the built-in case's largest is about 90 kB)."""
MAX_DEPTH = 32
"""Deepest nesting of mappings and lists (the case format needs fewer than 10 levels)."""
MAX_ALIAS_VALUES = 100_000
"""Most values (nodes) that aliases may repeat in one file."""

Path_ = tuple[str | int, ...]


# libyaml's parser when PyYAML was built with it (about 5× faster); same safe constructors.
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _CaseLoader(_Base):  # type: ignore[valid-type,misc]
    """Safe loader without the timestamp resolver: ``2021-08-15`` stays a string."""


_CaseLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class YamlError(Exception):
    """A file could not be read as YAML; carries a located :class:`Problem`."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


@dataclass(frozen=True)
class LocatedYaml:
    """A parsed YAML document and the 1-based line of each path inside it."""

    path: Path
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    duplicates: tuple[Problem, ...] = ()

    def line_of(self, loc: Path_) -> int | None:
        """Line of the deepest recorded prefix of ``loc`` (a pydantic error location)."""
        for cut in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:cut]))
            if line is not None:
                return line
        return None


class _Walk:
    """State of one walk over a document's nodes: lines, duplicates, nodes seen."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.lines: dict[Path_, int] = {}
        self.dups: list[Problem] = []
        # the composer makes a new node per YAML node, so a node met twice is an alias
        self.seen: set[int] = set()
        self.repeated = 0
        self.alias_at: Path_ = ()

    def refuse(self, here: Path_, what: str) -> YamlError:
        line = self.lines.get(here)
        where = ".".join(map(str, here)) or None
        return YamlError(Problem(self.name, what, field=where, line=line))


def _walk(node: yaml.Node, here: Path_, state: _Walk, aliased: bool = False) -> None:
    lines, dups, name = state.lines, state.dups, state.name
    lines.setdefault(here, node.start_mark.line + 1)
    if len(here) > MAX_DEPTH:
        raise state.refuse(here, f"nested more than {MAX_DEPTH} levels deep (or an alias "
                                 f"inside its own anchor); data files allow at most {MAX_DEPTH}")
    if not aliased and id(node) in state.seen:
        aliased = True
        state.alias_at = here  # inside the alias, lines are those of its anchor
    if aliased:
        state.repeated += 1
        if state.repeated > MAX_ALIAS_VALUES:
            raise state.refuse(state.alias_at, f"YAML aliases (*name) repeat more than "
                                     f"{MAX_ALIAS_VALUES:,} values (an alias bomb?); data "
                                     "files allow that many at most: write the values out")
    else:
        state.seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                dups.append(
                    Problem(name, "key given twice in one mapping", field=key,
                            line=key_node.start_mark.line + 1)
                )
            seen.add(key)
            child = (*here, key)
            lines[child] = key_node.start_mark.line + 1
            _walk(value_node, child, state, aliased)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*here, index)
            # an alias item's marks are its anchor's; the list's own line is nearer the truth
            mark = node if id(item) in state.seen else item
            lines[child] = mark.start_mark.line + 1
            _walk(item, child, state, aliased)


_PARSED: OrderedDict[tuple[str, str], tuple[Any, dict[Path_, int], tuple[Problem, ...]]] = (
    OrderedDict())
_PARSED_LOCK = threading.Lock()
_PARSED_MAX = 64
"""Documents whose parse is kept (beyond them, the least recently read is dropped)."""
_PARSED_MAX_CHARS = 1_000_000
"""Larger documents are parsed every time (a kept parse holds its text and its values)."""


def _fresh(value: Any) -> Any:
    """A copy of parsed YAML whose mappings, lists and sets the caller may change."""
    if type(value) is dict:
        return {k: _fresh(v) for k, v in value.items()}
    if type(value) is list:
        return [_fresh(v) for v in value]
    if type(value) is set:
        return set(value)
    return value  # str, int, float, bool, None, bytes: immutable


def read_yaml(path: Path, display: str | None = None) -> LocatedYaml:
    """Read one YAML document safely, recording line numbers; raise :class:`YamlError`.

    A document read before with the same name and text is not parsed again: its values
    (copied, so that a caller's changes stay its own), lines and duplicates are those of the
    first parse. Parsing is most of loading a case (about 0.14 s of 0.18 s for the built-in
    one), and a dashboard session, a report and the test suite load the same case many
    times; keying on the text, not on the file's modification time, keeps an edit made
    within the file system's time resolution from being missed.
    """
    name = display or path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise YamlError(Problem(name, f"cannot read the file ({exc.strerror})")) from None
    if size > MAX_BYTES:
        raise YamlError(Problem(name, f"the file has {size:,} bytes; data files may have at "
                                      f"most {MAX_BYTES:,}"))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise YamlError(Problem(name, f"not UTF-8 text ({exc.reason})")) from None
    except OSError as exc:
        raise YamlError(Problem(name, f"cannot read the file ({exc.strerror})")) from None
    key = (name, text)
    with _PARSED_LOCK:
        kept = _PARSED.get(key)
        if kept is not None:
            _PARSED.move_to_end(key)
    if kept is not None:
        data, lines, dups = kept
        return LocatedYaml(path, _fresh(data), dict(lines), dups)
    doc = _parse(path, name, text)
    if len(text) <= _PARSED_MAX_CHARS:
        with _PARSED_LOCK:
            _PARSED[key] = (_fresh(doc.data), dict(doc.lines), doc.duplicates)
            while len(_PARSED) > _PARSED_MAX:
                _PARSED.popitem(last=False)
    return doc


def _parse(path: Path, name: str, text: str) -> LocatedYaml:
    """:func:`read_yaml`'s parse of ``text`` (``name`` in its errors)."""
    try:
        loader = _CaseLoader(text)
    except yaml.YAMLError as exc:
        raise YamlError(Problem(name, f"invalid YAML: {exc}")) from None
    try:
        node = loader.get_single_node()
        state = _Walk(name)
        if node is None:
            return LocatedYaml(path, None, state.lines, ())
        _walk(node, (), state)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or str(exc)
        if isinstance(exc, yaml.constructor.ConstructorError):
            what += " (case files are data: only plain YAML types are allowed, no tags)"
        raise YamlError(Problem(name, f"invalid YAML: {what}", line=line)) from None
    except yaml.YAMLError as exc:
        raise YamlError(Problem(name, f"invalid YAML: {exc}")) from None
    except (ValueError, TypeError, RecursionError) as exc:
        raise YamlError(Problem(name, f"invalid YAML value: {exc}")) from None
    finally:
        loader.dispose()
    return LocatedYaml(path, data, state.lines, tuple(state.dups))
