"""The ``qpq`` command: one entry point, one sub-command group per lens.

Exit codes are the same everywhere: 0 success, 1 the work failed, 2 bad input (a malformed
case or scenario file, an unknown id or parameter, a value out of range). Errors are printed
as plain sentences; ``--debug`` adds the traceback.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from typing import Annotated, Any

import typer
from rich.text import Text
from typer.core import TyperGroup

from qpq import __version__
from qpq.cli import _findings as findings
from qpq.cli import _params as params
from qpq.cli import _report as report
from qpq.cli import _serve as serve
from qpq.cli._common import GROUP_HELP, err_console
from qpq.errors import (
    EXIT_BAD_INPUT,
    EXIT_FAILURE,
    BadInputError,
    Interrupted,
    QpqError,
    os_error_text,
)

__all__ = ["app", "main"]

_loaded: dict[str, TyperGroup] = {}
"""Sub-command groups built so far, by name (each is built once per process)."""


def _reflow(text: str) -> str:
    """A command's help with each paragraph on one line, an example on a line of its own.

    typer prints the paragraphs after the first with their source line breaks, which a
    terminal narrower than the source's lines then wraps again: every other line ragged at
    80 columns (``qpq sim forecast --help``, found 2026-12-07). Rich wraps the joined lines
    to the terminal's width.
    """
    paragraphs = []
    for paragraph in inspect.cleandoc(text).split("\n\n"):
        lines: list[str] = []
        for line in paragraph.strip("\n").split("\n"):
            if lines and not line.startswith(("Example:", "Examples:")):
                lines[-1] = f"{lines[-1]} {line.strip()}"
            else:
                lines.append(line.strip())
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def _reflow_all(command: Any) -> None:
    if command.help:
        command.help = _reflow(command.help)
    for sub in getattr(command, "commands", {}).values():
        _reflow_all(sub)


def _group(name: str) -> TyperGroup:
    """The click group of ``qpq NAME``, built from ``qpq.cli._NAME.app`` on first use."""
    if name not in _loaded:
        module = importlib.import_module(f"qpq.cli._{name}")
        group = typer.main.get_group(module.app)
        group.name = name
        _reflow_all(group)
        _loaded[name] = group
    return _loaded[name]


class _LazyGroups(TyperGroup):
    """The root command: each lens's group is imported and built only when it is named.

    ``qpq --help`` lists the groups from stand-ins that carry only their help
    (:data:`qpq.cli._common.GROUP_HELP`); resolving a command name swaps in the real group.
    Importing the five groups and building their 40-odd commands would take about a fifth of
    the 0.3 s that ``--help`` may take (tests/cli/test_import_cost.py).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for command in self.commands.values():       # params, serve, report, findings
            _reflow_all(command)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] in GROUP_HELP:
            self.commands[args[0]] = _group(args[0])
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        # Outside standalone mode typer turns a KeyboardInterrupt into a *returned* 130,
        # indistinguishable from a command's return value; as an error of our own it reaches
        # main() like every other failure (message, exit code 130)
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise Interrupted("interrupted") from None
        except BrokenPipeError:         # `qpq ... | head`: typer's own handling
            raise
        except OSError as exc:
            # a file system's refusal (an --out under a file, a full disk, no permission) is
            # a sentence naming the path, not a traceback; --debug shows where it came from
            raise QpqError(f"{os_error_text(exc)} (--debug shows where)") from exc


app = typer.Typer(
    name="qpq",
    help="qpq — analyse the China–Taliban quid pro quo over Uyghur militants: evidence, "
    "game, bargaining, dynamics and exploration.\n\nExample: ``qpq evidence timeline --actor "
    "China --as-of 2021-08-15`` or ``qpq report --out out/``",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    cls=_LazyGroups,
)
for _name, _help in GROUP_HELP.items():
    app.add_typer(typer.Typer(help=_help, no_args_is_help=True), name=_name)
app.command("params")(params.params_command)
app.command("serve")(serve.serve_command)
app.command("report")(report.report_command)
app.command("findings")(findings.findings_command)

_state = {"debug": False}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"qpq {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="show tracebacks")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="print the version and exit")] = False,
) -> None:
    _state["debug"] = debug


def _refuse_empty(args: list[str]) -> None:
    """No argument of any command may be empty (an unset shell variable, ``--out ""``).

    An empty path is the working folder to Python (``--out ""`` wrote a run into it) and an
    empty name silently took a default; no option or argument of qpq means anything empty.
    """
    for i, arg in enumerate(args):
        before = args[i - 1] if i else ""
        if arg.startswith("--") and arg.endswith("="):
            what = arg[:-1]
        elif arg == "" and before.startswith("--"):
            what = before
        elif arg == "":
            what = f"the argument after {before!r}" if before else "the first argument"
        else:
            continue
        raise BadInputError(f"{what}: an empty value; allowed: a value (an unset shell "
                            "variable expands to nothing)")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return (and, as a script, exit with) the exit code."""
    args = sys.argv[1:] if argv is None else argv
    try:
        _refuse_empty(args)
        # a command returns None; typer returns an int only for typer.Exit (its exit code)
        code = app(args=args, prog_name="qpq", standalone_mode=False)
    except QpqError as exc:
        if _state["debug"] or "--debug" in args:
            raise
        err_console.print(Text("error: ", style="red") + Text(str(exc)), soft_wrap=True)
        return exc.exit_code
    except typer.Abort:
        err_console.print("aborted")
        return EXIT_FAILURE
    except typer.TyperException as exc:
        # Usage errors (unknown command or option, bad value) from typer's bundled click.
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            err_console.print(str(exc))
        return int(getattr(exc, "exit_code", EXIT_BAD_INPUT))
    except KeyboardInterrupt:       # Ctrl-C while typer parses the command line
        err_console.print("interrupted")
        return Interrupted.exit_code
    return code if isinstance(code, int) else 0

