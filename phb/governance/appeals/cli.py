"""``phb appeals``: check an appeals configuration and count working days the way appeals do."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from phb.clikit import InputFile, Readiness, database, read_text

# The furthest a count of working days may reach: about 40 years, far beyond any appeal's time limit.
MAX_WORKING_DAYS = 10_000


@click.group()
def appeals() -> None:
    """Decision notices and appeals: time limits in working days."""


@database(Readiness.NONE)
@appeals.command("check")
@click.argument("file", type=InputFile())
def check(file: Path) -> None:
    """Check an appeals configuration (TOML) and print its time limits; exit 2 listing every problem."""
    from phb.governance.appeals.rules import ConfigError, parse_config  # noqa: PLC0415 - keep `phb --help` fast

    text = read_text(file)
    if not text.strip():  # every setting would silently be the default: not a configuration anyone meant
        click.echo(f"{file}: the file is empty; start from phb/governance/appeals/appeals.toml", err=True)
        sys.exit(2)
    try:
        config = parse_config(text)
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(f"{file}: {problem}", err=True)
        sys.exit(2)
    cal = config.calendar
    click.echo(f"reviewer: {config.reviewer_mode.value}; bank holidays: {cal.country} {cal.subdivision}")
    for name, value in vars(config.limits).items():
        click.echo(f"  {name} = {value}")


@database(Readiness.NONE)
@appeals.command("due")
@click.option("--from", "start", type=click.DateTime(formats=["%Y-%m-%d"]), required=True, help="Start date.")
@click.option("--days", type=click.IntRange(0, MAX_WORKING_DAYS), required=True, help="Working days to add.")
def due(start: dt.datetime, days: int) -> None:
    """Print the date ``days`` working days after ``--from`` (England and Wales bank holidays skipped)."""
    from phb.governance.appeals.services import load_config  # noqa: PLC0415

    try:
        due_on = load_config().calendar.add_working_days(start.date(), days)
    except OverflowError as exc:
        raise click.BadParameter("the date would be after 9999-12-31", param_hint="--days") from exc
    click.echo(due_on.isoformat())


COMMANDS = [appeals]
