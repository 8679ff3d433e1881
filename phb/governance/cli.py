"""``phb governance``: load, check and show the governance framework."""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import click

from phb.clikit import InputFile, Readiness, database, read_text
from phb.config import get_settings
from phb.governance.rules import FrameworkError

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?")
_PROBLEM_AT = (
    (re.compile(r"^decision '([^']+)': (?:(\w+) must|unknown check)"), "decisions.{0}"),
    (re.compile(r"^decision '([^']+)'"), "decisions.{0}"),
    (re.compile(r"^level (\d+): unknown setting '(\w+)'"), "levels.{0}"),
    (re.compile(r"^level (\d+)"), "levels.{0}"),
    (re.compile(r"^\[([^\]]+)\] (\w+)"), "{0}"),
    (re.compile(r"^\[([^\]]+)\]"), "{0}"),
)


def line_of(text: str, problem: str) -> int | None:
    """The line of ``text`` a framework problem is about: its key's line, else its table's header, else None.

    ``parse_framework`` names the table and key ("level 1: unknown setting 'titel'", "[panel] quorum: ...");
    TOML parsers keep no positions, so the line is found in the text, the way a person would look for it.
    """
    section, key = None, None
    for pattern, template in _PROBLEM_AT:
        if match := pattern.match(problem):
            section = template.format(*match.groups())
            key = match.group(2) if (match.lastindex or 0) > 1 else None
            break
    else:
        if top := re.match(r"^(\w+):", problem):
            key = top.group(1)
    current, header_line = None, None
    for number, line in enumerate(text.splitlines(), start=1):
        if header := _HEADER.match(line):
            current = header.group(1)
            if current == section:
                header_line = number
            continue
        if current == section and key and re.match(rf"^\s*{re.escape(key)}\s*=", line):
            return number
    return header_line


def _report(file: Path, text: str, exc: FrameworkError) -> None:
    """Each problem on its own line, prefixed with the file and, when it can be found, the line."""
    click.echo(f"{file}: the governance framework was not loaded", err=True)
    for problem in exc.problems:
        number = line_of(text, problem)
        click.echo(f"{file}:{number}: {problem}" if number else f"{file}: {problem}", err=True)


def _matrix_lines(on: dt.date | None) -> list[str]:
    from phb.db import create_db_engine, make_session_factory  # noqa: PLC0415 - keep `phb --help` fast
    from phb.governance.rules import matrix_text  # noqa: PLC0415
    from phb.governance.services import framework_in_force  # noqa: PLC0415

    factory = make_session_factory(create_db_engine(get_settings().database_url))
    with factory() as session:
        framework, version = framework_in_force(session, on)
        source = f"loaded {version.loaded_at:%Y-%m-%d} by {version.loaded_by_label}" if version else "shipped default"
        return [
            f"{framework.name} (effective from {framework.effective_from:%Y-%m-%d}; {source})",
            *matrix_text(framework),
        ]


@click.group()
def governance() -> None:
    """The governance framework: who decides what at which level."""


@governance.command("show")
@click.option("--date", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Date (default today).")
def show(on: dt.datetime | None) -> None:
    """Print the framework in force on a date as a matrix."""
    for line in _matrix_lines(on.date() if on else None):
        click.echo(line)


@database(Readiness.NONE)
@governance.command("check")
@click.argument("file", type=InputFile())
def check(file: Path) -> None:
    """Check a framework file without loading it."""
    from phb.governance.rules import parse_framework  # noqa: PLC0415

    text = read_text(file)
    try:
        framework = parse_framework(text)
    except FrameworkError as exc:
        _report(file, text, exc)
        sys.exit(2)
    click.echo(f"{file}: valid ({framework.name}, effective from {framework.effective_from:%Y-%m-%d})")


@governance.command("load")
@click.argument("file", type=InputFile())
@click.option(
    "--effective-from", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Override the file's date."
)
def load(file: Path, effective_from: dt.datetime | None) -> None:
    """Load a framework file as a new version; a file with any problem is refused as a whole."""
    from phb.audit.services import AuditActor, act_as  # noqa: PLC0415
    from phb.db import create_db_engine, make_session_factory  # noqa: PLC0415
    from phb.governance.services import store_framework  # noqa: PLC0415

    text = read_text(file)
    factory = make_session_factory(create_db_engine(get_settings().database_url))
    with factory() as session:
        act_as(session, AuditActor(user_id=None, label="cli:phb governance load"))
        try:
            version = store_framework(
                session,
                text,
                loaded_by_label=f"phb governance load {file.name}",
                effective_from=effective_from.date() if effective_from else None,
            )
        except FrameworkError as exc:
            _report(file, text, exc)
            sys.exit(2)
        session.commit()
        click.echo(f"loaded '{version.name}' as version {version.id}, in force from {version.effective_from:%Y-%m-%d}")


COMMANDS = [governance]
