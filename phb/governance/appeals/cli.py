"""``phb appeals``: check an appeals configuration and count working days the way appeals do."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click


@click.group()
def appeals() -> None:
    """Decision notices and appeals: time limits in working days."""


@appeals.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def check(file: Path) -> None:
    """Check an appeals configuration (TOML) and print its time limits; exit 2 listing every problem."""
    from phb.governance.appeals.rules import ConfigError, parse_config  # noqa: PLC0415 - keep `phb --help` fast

    try:
        config = parse_config(file.read_text(encoding="utf-8"))
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        sys.exit(2)
    cal = config.calendar
    click.echo(f"reviewer: {config.reviewer_mode.value}; bank holidays: {cal.country} {cal.subdivision}")
    for name, value in vars(config.limits).items():
        click.echo(f"  {name} = {value}")


@appeals.command("due")
@click.option("--from", "start", type=click.DateTime(formats=["%Y-%m-%d"]), required=True, help="Start date.")
@click.option("--days", type=click.IntRange(min=0), required=True, help="Working days to add.")
def due(start: dt.datetime, days: int) -> None:
    """Print the date ``days`` working days after ``--from`` (England and Wales bank holidays skipped)."""
    from phb.governance.appeals.services import load_config  # noqa: PLC0415

    click.echo(load_config().calendar.add_working_days(start.date(), days).isoformat())


COMMANDS = [appeals]
