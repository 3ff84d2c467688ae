"""Inputs that cannot hurt (issue 18): alias bombs, huge or deep files, script links."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qpq.case import builtin_case_path, web_href
from qpq.case._yamlio import MAX_BYTES, MAX_DEPTH, YamlError, read_yaml
from qpq.cli import main

BOMB = """
bomb_a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
bomb_b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
bomb_c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
bomb_d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
bomb_e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
bomb_f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
bomb_g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
bomb_h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
bomb_i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def _copy_case(tmp_path: Path) -> Path:
    root = tmp_path / "case"
    shutil.copytree(builtin_case_path(), root)
    return root


def test_alias_bomb_in_a_case_file_exits_2_naming_file_and_line(tmp_path):
    root = _copy_case(tmp_path)
    target = root / "case.yaml"
    before = target.read_text(encoding="utf-8")
    target.write_text(before + BOMB, encoding="utf-8")
    bomb_lines = range(len(before.splitlines()) + 2, len(before.splitlines()) + 11)
    # a subprocess under a 4 GB address-space limit: the bomb made it die of MemoryError
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))\n"
        "from qpq.cli import main\n"
        "sys.exit(main(['evidence', 'validate', sys.argv[1]]))\n")
    res = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 2, res.stderr[-2000:]
    assert "Traceback" not in res.stderr and "MemoryError" not in res.stderr
    assert "alias" in res.stderr
    assert any(f"case.yaml:{line}:" in res.stderr for line in bomb_lines), res.stderr


def test_small_aliases_are_read_and_recursive_ones_refused(tmp_path):
    # yaml.safe_dump writes aliases for shared objects: those files stay readable
    path = tmp_path / "x.yaml"
    path.write_text("a: &x {k: [1, 2]}\nb: *x\n", encoding="utf-8")
    doc = read_yaml(path)
    assert doc.data == {"a": {"k": [1, 2]}, "b": {"k": [1, 2]}} and doc.line_of(("b",)) == 2
    loop = tmp_path / "loop.yaml"
    loop.write_text("a: &x [1, *x]\n", encoding="utf-8")
    with pytest.raises(YamlError, match="levels deep"):
        read_yaml(loop)


def test_too_deep_and_too_big_files_are_refused(tmp_path):
    deep = tmp_path / "deep.yaml"
    deep.write_text("a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n")
    with pytest.raises(YamlError, match=f"more than {MAX_DEPTH} levels") as err:
        read_yaml(deep)
    assert err.value.problem.line == 1
    very_deep = tmp_path / "very_deep.yaml"
    very_deep.write_text("[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(YamlError):
        read_yaml(very_deep)
    big = tmp_path / "big.yaml"
    with open(big, "wb") as fh:
        fh.truncate(MAX_BYTES + 1)
    with pytest.raises(YamlError, match="at most") as err:
        read_yaml(big)
    assert err.value.problem.file == "big.yaml"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JAVASCRIPT:alert(1)",
                                 "data:text/html,<script>alert(1)</script>", "file:///etc/passwd",
                                 "vbscript:msgbox", "http:/no-host", "//example.org/x"])
def test_script_and_other_urls_are_refused(tmp_path, capsys, url):
    root = _copy_case(tmp_path)
    sources = root / "sources.yaml"
    lines = sources.read_text(encoding="utf-8").split("\n")
    at = next(i for i, t in enumerate(lines) if t.strip().startswith("url:"))
    indent = lines[at][:len(lines[at]) - len(lines[at].lstrip())]
    rest = at + 1
    while lines[rest].startswith(indent + "  "):  # a folded URL's continuation lines
        rest += 1
    lines[at:rest] = [f"{indent}url: {url!r}"]
    sources.write_text("\n".join(lines), encoding="utf-8")
    line = at + 1
    code = main(["evidence", "validate", str(root)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"sources.yaml:{line}" in err and "url" in err and "https://" in err


def test_allowed_links_and_their_hrefs():
    assert web_href("https://example.org/a?b=1&c") == "https://example.org/a?b=1&c"
    assert web_href("http://example.org") == "http://example.org"
    assert web_href("doi:10.1000/xyz") == "https://doi.org/10.1000/xyz"
    assert web_href("javascript:alert(1)") is None
    assert web_href(None) is None


def test_report_never_renders_a_script_link(tmp_path):
    from qpq.case import load_case
    from qpq.report._evidence_sections import _source_cell

    assert "href" not in _source_cell({"id": "s", "url": "javascript:alert(1)"})
    cell = _source_cell({"id": "s", "url": "doi:10.1/x"})
    assert 'href="https://doi.org/10.1/x"' in cell
    case = load_case()
    assert all(web_href(s.url) for s in case.sources if s.url)


@pytest.mark.parametrize("name", ["events.yaml", "bargaining.yaml", "attacks.yaml"])
def test_a_folder_in_a_case_files_place_is_named_as_such(tmp_path, capsys, name):
    # a folder named events.yaml was reported "missing", and one named bargaining.yaml
    # (an optional file) was taken for its absence
    root = _copy_case(tmp_path)
    (root / name).unlink()
    (root / name).mkdir()
    code = main(["evidence", "validate", str(root)])
    err = capsys.readouterr().err
    assert code == 2 and f"{name}: not a file (a folder?)" in " ".join(err.split())
