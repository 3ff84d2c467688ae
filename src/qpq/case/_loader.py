"""Loading a case folder into a validated, cross-referenced :class:`Case`.

A case is a folder of YAML files, one kind of item per file (``sources.yaml``,
``events.yaml``, …; see :data:`CASE_FILES`). Loading validates every file against the
schema in :mod:`qpq.case._schema`, then checks that every id is unique across the case and
that every reference (an event's actors and sources, a claim's evidence, a parameter's
evidence, …) resolves, and the rules that span items or files (a phase attribute inside the
range of the parameter it feeds, no citation cycles, bargaining positions on their issue's
scale). All problems are collected, not just the first, and raised together as one
:class:`qpq.errors.BadInputError` whose problems name file, line, field and what is allowed.
A required file that is missing, or any file that is empty or unreadable, comes first; the
references into it are counted in one problem rather than listed (they are not the cause).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from qpq.case._schema import (
    REQUIRED_FILES,
    Actor,
    Attack,
    AttributeValue,
    BargainingFile,
    BargainingIssue,
    BargainingPosition,
    CaseMeta,
    Claim,
    CuratedFinding,
    Estimate,
    Event,
    Milestone,
    Parameter,
    Phase,
    Place,
    Quantity,
    RunSettings,
    Scenario,
    Source,
    Spelling,
    TalibanAction,
    bargaining_problems,
    phase_attribute_conflicts,
)
from qpq.case._yamlio import LocatedYaml, YamlError, read_yaml
from qpq.errors import BadInputError, Problem

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BUILTIN_CASE", "CASE_FILES", "OBSERVATION_KINDS", "REQUIRED_FILES", "Case",
           "builtin_case_path", "load_case", "validation_message"]

BUILTIN_CASE = "china_taliban"

# file name -> (attribute on Case, item model); each file is a YAML list of items.
CASE_FILES: dict[str, tuple[str, type[BaseModel]]] = {
    "sources.yaml": ("sources", Source),
    "actors.yaml": ("actors", Actor),
    "places.yaml": ("places", Place),
    "phases.yaml": ("phases", Phase),
    "events.yaml": ("events", Event),
    "quantities.yaml": ("quantities", Quantity),
    "claims.yaml": ("claims", Claim),
    "spellings.yaml": ("spellings", Spelling),
    "curated_findings.yaml": ("curated_findings", CuratedFinding),
    "parameters.yaml": ("parameters", Parameter),
    "estimates.yaml": ("estimates", Estimate),
    "attacks.yaml": ("attacks", Attack),
    "taliban_actions.yaml": ("taliban_actions", TalibanAction),
    "milestones.yaml": ("milestones", Milestone),
}
OBSERVATION_KINDS: dict[str, type[BaseModel]] = {
    "estimate": Estimate,
    "attack": Attack,
    "taliban_action": TalibanAction,
    "milestone": Milestone,
}
"""The record's kinds of observation, by the name queries and counts use."""
META_FILE = "case.yaml"
BARGAINING_FILE = "bargaining.yaml"
SCENARIO_DIR = "scenarios"


class _NoBargaining:
    # what a case without bargaining.yaml holds: no issues, no positions
    issues: tuple[BargainingIssue, ...] = ()
    positions: tuple[BargainingPosition, ...] = ()


_Bargaining = BargainingFile | _NoBargaining


# The file each kind of item lives in, so a reference into a file that is empty or unreadable
# can be put down to that file instead of being reported once per citing item.
_FILE_OF_KIND: dict[type[BaseModel], str] = {
    **{model: fname for fname, (_, model) in CASE_FILES.items()},
    BargainingIssue: BARGAINING_FILE,
    Scenario: SCENARIO_DIR,
}


@dataclass(frozen=True)
class Case:
    """A validated case: every item, indexed by id.

    Items are kept in file order. ``by_id`` maps every id in the case (sources, actors,
    places, phases, events, quantities, claims, curated findings, bargaining issues and
    scenarios) to its item; parameters are indexed by name in ``parameter``.
    """

    root: Path
    meta: CaseMeta
    sources: tuple[Source, ...] = ()
    actors: tuple[Actor, ...] = ()
    places: tuple[Place, ...] = ()
    phases: tuple[Phase, ...] = ()
    events: tuple[Event, ...] = ()
    quantities: tuple[Quantity, ...] = ()
    claims: tuple[Claim, ...] = ()
    spellings: tuple[Spelling, ...] = ()
    curated_findings: tuple[CuratedFinding, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    bargaining_issues: tuple[BargainingIssue, ...] = ()
    bargaining_positions: tuple[BargainingPosition, ...] = ()
    scenarios: tuple[Scenario, ...] = ()
    estimates: tuple[Estimate, ...] = ()
    attacks: tuple[Attack, ...] = ()
    taliban_actions: tuple[TalibanAction, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    by_id: Mapping[str, BaseModel] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        # the default repr printed every item of the case (over 450,000 characters)
        return (f"Case({self.meta.id!r}, root={str(self.root)!r}, {len(self.by_id):,} items, "
                f"{len(self.parameters)} parameters)")

    @property
    def observations(self) -> tuple[Estimate | Attack | TalibanAction | Milestone, ...]:
        """Every observation of the record: estimates, attacks, Taliban actions, milestones."""
        return (*self.estimates, *self.attacks, *self.taliban_actions, *self.milestones)

    @property
    def parameter(self) -> dict[str, Parameter]:
        """Parameters by name."""
        return {p.name: p for p in self.parameters}

    @property
    def run(self) -> RunSettings:
        """The ``run`` block of ``case.yaml``; :class:`BadInputError` if the case has none."""
        if self.meta.run is None:
            raise BadInputError(f"case {self.meta.id!r} ({self.root}) has no run block in "
                                "case.yaml; the simulator needs one (start, takeover, until, "
                                "backcast_as_of, forecast_as_of, forecast_until)")
        return self.meta.run

    def to_dict(self) -> dict[str, Any]:
        """What the case is and holds, JSON-ready.

        Its id, title, folder, the ``run`` dates (``None`` when the case has none) and how
        many items of each kind it has.
        """
        kinds = ("sources", "actors", "places", "phases", "events", "quantities", "claims",
                 "parameters", "bargaining_issues", "scenarios", "estimates", "attacks",
                 "taliban_actions", "milestones")
        run = self.meta.run
        return {"id": self.meta.id, "title": self.meta.title, "root": str(self.root),
                "run": None if run is None else run.model_dump(mode="json"),
                "counts": {k: len(getattr(self, k)) for k in kinds}}

    def to_frame(self) -> pd.DataFrame:
        """The parameters as a table, one row each (indexed by name).

        Columns: group, unit, default, plausible range (``low``, ``high``), whether the value
        is an assumption, the ids of the evidence cited, and the description.
        """
        import pandas as pd

        frame = pd.DataFrame([
            {"name": p.name, "group": p.group, "unit": p.unit, "default": p.default,
             "low": p.low, "high": p.high, "assumption": p.assumption,
             "evidence": ", ".join(p.evidence), "description": p.description}
            for p in self.parameters])
        return frame.set_index("name")

    def kind_of(self, item_id: str) -> str:
        """The kind of item an id names (``event``, ``source``, …)."""
        item = self.by_id[item_id]
        return _KIND_NAMES.get(type(item), type(item).__name__.lower())

    def item(self, item_id: str) -> BaseModel:
        """The item with this id; :class:`KeyError` naming close ids if unknown."""
        try:
            return self.by_id[item_id]
        except KeyError:
            raise KeyError(_unknown_id_message(item_id, self.by_id)) from None


_KIND_NAMES: dict[type[BaseModel], str] = {
    Source: "source",
    Actor: "actor",
    Place: "place",
    Phase: "phase",
    Event: "event",
    Quantity: "quantity",
    Claim: "claim",
    CuratedFinding: "curated_finding",
    BargainingIssue: "bargaining_issue",
    Scenario: "scenario",
    **{model: name for name, model in OBSERVATION_KINDS.items()},
}


def _unknown_id_message(item_id: str, known: Iterable[str]) -> str:
    from qpq.checks import did_you_mean

    return f"unknown id {item_id!r}{did_you_mean(item_id, known)}"


def builtin_case_path(name: str = BUILTIN_CASE) -> Path:
    """Folder of a case shipped inside the package.

    Raises
    ------
    BadInputError
        If no built-in case has this name (a path made of it would not exist, and the
        error would come later, from whatever opened it).
    """
    from qpq.checks import did_you_mean

    cases = Path(str(resources.files("qpq") / "cases"))
    # matched against the shipped folders, so "../case" cannot reach a package folder
    known = sorted(p.name for p in cases.iterdir() if (p / "case.yaml").is_file())
    if not isinstance(name, str) or name not in known:
        hint = did_you_mean(name, known) if isinstance(name, str) else ""
        raise BadInputError(f"name: no built-in case {name!r}; allowed: {', '.join(known)}"
                            f"{hint}")
    return cases / name


def validation_message(model: type[BaseModel], err: Mapping[str, Any]) -> str:
    """One pydantic error of ``model`` in the case files' words: what is allowed.

    Unknown fields name the allowed ones, a missing field says so, a date or a yes/no
    says its form (pydantic's "Input should be a valid boolean, unable to interpret input"
    did not), and pydantic's "Value error, " prefix (its machinery, not the problem) goes.
    Case files and scenario files share it.
    """
    msg = str(err["msg"])
    kind = str(err["type"])
    if kind == "extra_forbidden":
        allowed = ", ".join(model.model_fields)
        msg = f"unknown field; allowed fields: {allowed}"
    elif kind == "missing":
        msg = "required field is missing"
    elif kind == "value_error":
        msg = msg.removeprefix("Value error, ")
    elif kind.startswith(("date_", "datetime_")):
        msg += f" (got {err.get('input')!r}; allowed: a date YYYY-MM-DD)"
    elif kind.startswith("bool_"):
        msg += f" (got {err.get('input')!r}; allowed: true or false)"
    return msg


def _validation_problems(
    doc: LocatedYaml, display: str, exc: ValidationError, model: type[BaseModel], prefix: tuple[
        str | int, ...] = ()
) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = (*prefix, *err["loc"])
        # pydantic reports list positions as ints: turn them into "item N" with its id.
        parts: list[str] = []
        data: Any = doc.data
        for piece in loc:
            if isinstance(piece, int):
                item_id = None
                if isinstance(data, list) and 0 <= piece < len(data) and isinstance(
                    data[piece], dict
                ):
                    item_id = data[piece].get("id") or data[piece].get("name")
                parts.append(f"item {piece + 1}" + (f" (id {item_id})" if item_id else ""))
            else:
                parts.append(str(piece))
            try:
                data = data[piece]
            except (KeyError, IndexError, TypeError):
                data = None
        problems.append(
            Problem(display, validation_message(model, err), field=".".join(parts) or None,
                    line=doc.line_of(loc))
        )
    return problems


def _read(path: Path, display: str, problems: list[Problem]) -> LocatedYaml | None:
    try:
        doc = read_yaml(path, display)
    except YamlError as exc:
        problems.append(exc.problem)
        return None
    problems.extend(doc.duplicates)
    return doc


def _empty_problem(display: str, fname: str) -> Problem:
    if fname in REQUIRED_FILES:
        return Problem(display, f"the file is empty: it holds no items, and every case needs "
                       f"at least one in {fname}", line=1)
    return Problem(display, "the file is empty: it holds no items; add at least one, or "
                   "delete the file if the case has none", line=1)


def _validate_list(
    doc: LocatedYaml, display: str, model: type[BaseModel], problems: list[Problem],
    failed_ids: set[str],
) -> list[Any] | None:
    """The file's valid items, or ``None`` when the file as a whole is unusable."""
    if doc.data is None or doc.data == []:
        problems.append(_empty_problem(display, doc.path.name))
        return None
    if not isinstance(doc.data, list):
        problems.append(Problem(display, f"expected a YAML list of {model.__name__} items, "
                                f"got a {type(doc.data).__name__}", line=1))
        return None
    items: list[Any] = []
    adapter = TypeAdapter(model)
    for index, raw in enumerate(doc.data):
        try:
            items.append(adapter.validate_python(raw))
        except ValidationError as exc:
            problems.extend(_validation_problems(doc, display, exc, model, (index,)))
            if isinstance(raw, dict) and isinstance(raw.get("id"), str):
                failed_ids.add(raw["id"])
    return items


def _validate_one(doc: LocatedYaml, display: str, model: type[BaseModel], problems: list[Problem]
                  ) -> Any:
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        problems.extend(_validation_problems(doc, display, exc, model))
        return None


def load_case(path: str | Path | None = None) -> Case:
    """Load and validate a case folder (default: the built-in China–Taliban case).

    Raises
    ------
    BadInputError
        With one :class:`~qpq.errors.Problem` per fault found, if the folder is missing,
        a file is malformed, a field is invalid, an id is repeated or a reference dangles.
    """
    if path is not None and (not isinstance(path, str | os.PathLike) or str(path) == ""):
        # "" is the working folder to pathlib: an unset variable would load whatever is there
        raise BadInputError(f"a case folder is a path (str or pathlib.Path), not {path!r}; "
                            "leave it out for the built-in case")
    root = Path(path) if path is not None else builtin_case_path()
    if not root.is_dir():
        raise BadInputError(f"case folder {root} does not exist or is not a folder")
    problems: list[Problem] = []
    # Problems with a whole file (missing, empty, unreadable) come first: each is the root
    # cause of any reference errors into that file, which are summarised rather than listed.
    file_problems: list[Problem] = []
    broken: dict[str, str] = {}
    failed_ids: set[str] = set()
    docs: dict[str, LocatedYaml] = {}
    display = root.name

    def name_of(p: Path) -> str:
        return f"{display}/{p.relative_to(root).as_posix()}"

    allowed = {META_FILE, BARGAINING_FILE, *CASE_FILES}
    for p in sorted(root.iterdir()):
        if p.is_file() and p.suffix in {".yaml", ".yml"} and p.name not in allowed:
            file_problems.append(Problem(name_of(p), "unknown case file; allowed: "
                                    + ", ".join(sorted(allowed)) + f", {SCENARIO_DIR}/*.yaml"))

    meta_path = root / META_FILE
    meta: CaseMeta | None = None
    if not meta_path.is_file():
        file_problems.append(Problem(name_of(meta_path), "missing: every case needs case.yaml"))
    else:
        doc = _read(meta_path, name_of(meta_path), file_problems)
        if doc is not None and doc.data is None:
            file_problems.append(_empty_problem(name_of(meta_path), META_FILE))
        elif doc is not None:
            meta = _validate_one(doc, name_of(meta_path), CaseMeta, problems)

    collected: dict[str, list[Any]] = {}
    item_lines: dict[int, tuple[str, int | None]] = {}
    item_index: dict[int, int] = {}
    for fname, (attr, model) in CASE_FILES.items():
        fpath = root / fname
        collected[attr] = []
        if fpath.exists() and not fpath.is_file():
            # a folder in a file's place is neither that file nor its absence
            file_problems.append(Problem(name_of(fpath), f"not a file (a folder?); allowed: "
                                         f"a YAML file, a list of {model.__name__} items"))
            broken[fname] = name_of(fpath)
            continue
        if not fpath.is_file():
            if fname in REQUIRED_FILES:
                file_problems.append(Problem(name_of(fpath), f"missing: every case needs "
                                             f"{fname} (a list of {model.__name__} items)"))
                broken[fname] = name_of(fpath)
            continue
        doc = _read(fpath, name_of(fpath), file_problems)
        if doc is None:
            broken[fname] = name_of(fpath)
            continue
        docs[fname] = doc
        items = _validate_list(doc, name_of(fpath), model, file_problems, failed_ids)
        if items is None:
            broken[fname] = name_of(fpath)
            continue
        collected[attr] = items
        raw, index = doc.data, 0
        for item in items:
            # Items that failed validation are left out of ``items``: find each valid one's own
            # entry so that its line is right.
            key = getattr(item, "id", getattr(item, "name", None))
            while index < len(raw) - 1 and (not isinstance(raw[index], dict) or raw[index].get(
                    "id", raw[index].get("name")) != key):
                index += 1
            item_lines[id(item)] = (name_of(fpath), doc.lines.get((index,)))
            item_index[id(item)] = index
            index += 1

    bargaining: _Bargaining = _NoBargaining()
    bpath = root / BARGAINING_FILE
    if bpath.exists() and not bpath.is_file():
        file_problems.append(Problem(name_of(bpath), "not a file (a folder?); allowed: a YAML "
                                     "file of bargaining issues and positions"))
        broken[BARGAINING_FILE] = name_of(bpath)
    elif bpath.is_file():
        doc = _read(bpath, name_of(bpath), file_problems)
        if doc is None:
            broken[BARGAINING_FILE] = name_of(bpath)
        elif not doc.data or (isinstance(doc.data, dict) and set(doc.data) <= {
                "issues", "positions"} and not any(doc.data.values())):
            file_problems.append(_empty_problem(name_of(bpath), BARGAINING_FILE))
            broken[BARGAINING_FILE] = name_of(bpath)
        else:
            parsed = _validate_one(doc, name_of(bpath), BargainingFile, problems)
            if parsed is None:
                # the file model fails as a whole, so its issues' ids are not known
                broken[BARGAINING_FILE] = name_of(bpath)
            else:
                bargaining = parsed
                for i, issue in enumerate(bargaining.issues):
                    item_lines[id(issue)] = (name_of(bpath), doc.lines.get(("issues", i)))
                for i, pos in enumerate(bargaining.positions):
                    item_lines[id(pos)] = (name_of(bpath), doc.lines.get(("positions", i)))
                for i, fld, message in bargaining_problems(bargaining.issues,
                                                           bargaining.positions):
                    pos = bargaining.positions[i]
                    problems.append(Problem(
                        name_of(bpath), message, field=f"positions.item {i + 1} "
                        f"({pos.actor} on {pos.issue}).{fld}",
                        line=doc.line_of(("positions", i, fld))))

    scenarios: list[Scenario] = []
    sdir = root / SCENARIO_DIR
    if sdir.is_dir():
        for spath in sorted(sdir.glob("*.y*ml")):
            doc = _read(spath, name_of(spath), file_problems)
            if doc is None:
                continue
            if not doc.data:
                file_problems.append(_empty_problem(name_of(spath), spath.name))
                continue
            scen = _validate_one(doc, name_of(spath), Scenario, problems)
            if scen is not None:
                scenarios.append(scen)
                item_lines[id(scen)] = (name_of(spath), 1)

    by_id: dict[str, BaseModel] = {}
    seen_at: dict[str, str] = {}
    groups: list[Iterable[Any]] = [
        collected[a] for a in ("sources", "actors", "places", "phases", "events", "quantities",
                               "claims", "curated_findings", "estimates", "attacks",
                               "taliban_actions", "milestones")
    ]
    groups += [bargaining.issues, scenarios]
    for group in groups:
        for item in group:
            file, line = item_lines.get(id(item), (display, None))
            if item.id in by_id:
                problems.append(Problem(file, f"id {item.id!r} is already used in "
                                        f"{seen_at[item.id]}", field="id", line=line))
                continue
            by_id[item.id] = item
            seen_at[item.id] = f"{file}:{line}" if line else file
    names: set[str] = set()
    for param in collected["parameters"]:
        file, line = item_lines.get(id(param), (display, None))
        if param.name in names:
            problems.append(Problem(file, f"parameter {param.name!r} is defined twice",
                                    field="name", line=line))
        names.add(param.name)

    problems.extend(_semantic_problems(collected, docs, item_index, item_lines))
    ref_problems, unresolved = _reference_problems(collected, bargaining, scenarios, meta, by_id,
                                                   item_lines, display, broken, failed_ids)
    problems.extend(ref_problems)
    for fname, count in unresolved.items():
        file_problems.append(Problem(
            broken[fname], f"{count} reference{'s' if count != 1 else ''} from other files "
            f"into {fname} could not be resolved because of the problem above; they are "
            "checked again once it is fixed"))
    problems = file_problems + problems
    if problems:
        raise BadInputError(f"case {root} is not valid ({len(problems)} problem"
                            f"{'s' if len(problems) != 1 else ''}):", problems)
    assert meta is not None  # a missing meta is a problem above
    return Case(
        root=root,
        meta=meta,
        sources=tuple(collected["sources"]),
        actors=tuple(collected["actors"]),
        places=tuple(collected["places"]),
        phases=tuple(collected["phases"]),
        events=tuple(collected["events"]),
        quantities=tuple(collected["quantities"]),
        claims=tuple(collected["claims"]),
        spellings=tuple(collected["spellings"]),
        curated_findings=tuple(collected["curated_findings"]),
        parameters=tuple(collected["parameters"]),
        bargaining_issues=tuple(bargaining.issues),
        bargaining_positions=tuple(bargaining.positions),
        scenarios=tuple(scenarios),
        estimates=tuple(collected["estimates"]),
        attacks=tuple(collected["attacks"]),
        taliban_actions=tuple(collected["taliban_actions"]),
        milestones=tuple(collected["milestones"]),
        by_id=by_id,
    )


def _refs(collected: dict[str, list[Any]], bargaining: _Bargaining, scenarios: list[Scenario],
          meta: CaseMeta | None) -> Iterator[tuple[Any, str, str, tuple[type[BaseModel], ...]]]:
    """Yield (item, field, referenced id, allowed kinds) for every reference in the case."""
    any_kind: tuple[type[BaseModel], ...] = ()
    for ev in collected["events"]:
        yield from ((ev, "actors", a, (Actor,)) for a in ev.actors)
        yield from ((ev, "places", p, (Place,)) for p in ev.places)
        yield from ((ev, "sources", s, (Source,)) for s in ev.sources)
    for q in collected["quantities"]:
        yield from ((q, "sources", s, (Source,)) for s in q.sources)
    for c in collected["claims"]:
        yield from ((c, "evidence", e, any_kind) for e in c.evidence)
        reportable: tuple[type[BaseModel], ...] = (Source, *OBSERVATION_KINDS.values())
        yield from ((c, "first_reported", e, reportable) for e in c.first_reported)
    observations = (*collected["estimates"], *collected["attacks"],
                    *collected["taliban_actions"], *collected["milestones"])
    for ob in observations:
        yield from ((ob, "sources", s, (Source,)) for s in ob.sources)
    for est in collected["estimates"]:
        yield est, "subject", est.subject, (Actor,)
        yield est, "geography", est.geography, (Place,)
    for at in collected["attacks"]:
        yield at, "place", at.place, (Place,)
        yield at, "country", at.country, (Place,)
        yield from ((at, "claimed_by", a, (Actor,)) for a in at.claimed_by)
        for attribution in at.attributed_to:
            yield at, "attributed_to.actor", attribution.actor, (Actor,)
            yield at, "attributed_to.source", attribution.source, (Source,)
    for ta in collected["taliban_actions"]:
        yield from ((ta, "subjects", a, (Actor,)) for a in ta.subjects)
        yield from ((ta, "places", p, (Place,)) for p in ta.places)
    for ms in collected["milestones"]:
        yield from ((ms, "actors", a, (Actor,)) for a in ms.actors)
        yield from ((ms, "places", p, (Place,)) for p in ms.places)
    for ph in collected["phases"]:
        yield from ((ph, "sources", s, (Source,)) for s in ph.sources)
        for name, given in ph.attributes.items():
            if isinstance(given, AttributeValue):
                yield from ((ph, f"attributes.{name}.sources", s, (Source,))
                            for s in given.sources)
    for pl in collected["places"]:
        if pl.parent:
            yield pl, "parent", pl.parent, (Place,)
    for ac in collected["actors"]:
        if ac.affiliation:
            yield ac, "affiliation", ac.affiliation, (Actor,)
    for f in collected["curated_findings"]:
        yield from ((f, "items", i, any_kind) for i in f.items)
    for p in collected["parameters"]:
        yield from ((p, "evidence", e, any_kind) for e in p.evidence)
        yield from ((p, "observations", o, tuple(OBSERVATION_KINDS.values()))
                    for o in p.observations)
    for issue in bargaining.issues:
        for ob in issue.observed:
            yield from ((issue, "observed.evidence", e, any_kind) for e in ob.evidence)
    for pos in bargaining.positions:
        yield pos, "issue", pos.issue, (BargainingIssue,)
        yield pos, "actor", pos.actor, (Actor,)
        yield from ((pos, "evidence", e, any_kind) for e in pos.evidence)
    if meta is not None:
        yield meta, "paper.source", meta.paper.source, (Source,)


def _reference_problems(collected: dict[str, list[Any]], bargaining: _Bargaining,
                        scenarios: list[Scenario], meta: CaseMeta | None,
                        by_id: Mapping[str, BaseModel],
                        item_lines: dict[int, tuple[str, int | None]], display: str,
                        broken: Mapping[str, str] = {}, failed_ids: set[str] | None = None,
                        ) -> tuple[list[Problem], dict[str, int]]:
    """Dangling and mistyped references, and a count of those put down to broken files.

    A reference to an item that failed its own validation is not reported again; one that
    could point into a file that is missing, empty or unreadable is counted against that file
    (the first such file, for fields that take any kind of item).
    """
    from qpq.checks import with_article

    problems = []
    unresolved: dict[str, int] = {}
    for item, fname, ref, kinds in _refs(collected, bargaining, scenarios, meta):
        file, line = item_lines.get(id(item), (f"{display}/{META_FILE}", None))
        label = getattr(item, "id", None) or getattr(item, "name", None)
        field_name = f"{label}.{fname}" if label else fname
        target = by_id.get(ref)
        if target is None and failed_ids and ref in failed_ids:
            continue
        if target is None:
            into = [f for k, f in _FILE_OF_KIND.items() if (not kinds or k in kinds)
                    and f in broken]
            if into:
                unresolved[into[0]] = unresolved.get(into[0], 0) + 1
                continue
            problems.append(Problem(file, _unknown_id_message(ref, by_id), field=field_name,
                                    line=line))
        elif kinds and not isinstance(target, kinds):
            want = " or ".join(_KIND_NAMES.get(k, k.__name__) for k in kinds)
            got = _KIND_NAMES.get(type(target), type(target).__name__)
            problems.append(Problem(file, f"{ref!r} is {with_article(got)}; this field needs "
                                    f"{with_article(want)} id",
                                    field=field_name, line=line))
    return problems, unresolved


def _semantic_problems(collected: dict[str, list[Any]], docs: Mapping[str, LocatedYaml],
                       item_index: Mapping[int, int],
                       item_lines: Mapping[int, tuple[str, int | None]]) -> list[Problem]:
    """Rules across items: attributes inside parameter ranges, overlaps agree; no cycles."""
    problems: list[Problem] = []
    params = {p.name: p for p in collected["parameters"]}
    doc = docs.get("phases.yaml")
    for ph in collected["phases"]:
        file, line = item_lines.get(id(ph), ("phases.yaml", None))
        for name, given in ph.attribute_values().items():
            value = given.value
            param = params.get(name)
            if param is None or param.low <= value <= param.high:
                continue
            where = doc.line_of((item_index.get(id(ph), -1), "attributes", name)) if doc else None
            problems.append(Problem(file, f"attribute {name} = {value:g} lies outside the range "
                                    f"[{param.low:g}, {param.high:g}] of the parameter it feeds "
                                    "(parameters.yaml)", field=f"{ph.id}.attributes.{name}",
                                    line=where or line))
    phases = collected["phases"]
    for index, fld, message in phase_attribute_conflicts(phases):
        ph = phases[index]
        file, line = item_lines.get(id(ph), ("phases.yaml", None))
        name = fld.split(".", 1)[1]
        where = doc.line_of((item_index.get(id(ph), -1), "attributes", name)) if doc else None
        problems.append(Problem(file, message, field=f"{ph.id}.{fld}", line=where or line))
    claims = {c.id: c for c in collected["claims"]}
    graphs: list[tuple[str, str, dict[str, list[str]]]] = [
        ("claims", "evidence", {c.id: [e for e in c.evidence if e in claims]
                                for c in collected["claims"]}),
        ("places", "parent", {p.id: [p.parent] if p.parent else []
                              for p in collected["places"]}),
        ("actors", "affiliation", {a.id: [a.affiliation] if a.affiliation else []
                                   for a in collected["actors"]}),
    ]
    by_id = {getattr(i, "id", None): i for items in collected.values() for i in items}
    for kind, fld, edges in graphs:
        for cycle in _cycles(edges):
            first = by_id[cycle[0]]
            file, line = item_lines.get(id(first), (f"{kind}.yaml", None))
            problems.append(Problem(file, f"{kind} form a cycle through {fld}: "
                                    + " -> ".join([*cycle, cycle[0]])
                                    + f"; a {fld} chain must end", field=f"{cycle[0]}.{fld}",
                                    line=line))
    return problems


def _cycles(edges: Mapping[str, list[str]]) -> list[list[str]]:
    """Each cycle of a directed graph once, starting at its first node in input order."""
    order = {node: i for i, node in enumerate(edges)}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    found: list[list[str]] = []
    for root in edges:
        if state.get(root):
            continue
        path: list[str] = []
        stack: list[tuple[str, Iterator[str]]] = [(root, iter(edges.get(root, [])))]
        state[root] = 1
        path.append(root)
        while stack:
            node, children = stack[-1]
            nxt = next(children, None)
            if nxt is None:
                stack.pop()
                path.pop()
                state[node] = 2
            elif state.get(nxt) == 1:
                cycle = path[path.index(nxt):]
                start = min(range(len(cycle)), key=lambda k: order.get(cycle[k], 0))
                found.append(cycle[start:] + cycle[:start])
            elif not state.get(nxt) and nxt in edges:
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, iter(edges.get(nxt, []))))
    return found
