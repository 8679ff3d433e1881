"""``phb statements ...``: statement commands."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from phb.clikit import RECORD_ID, InputFile, Readiness, database, open_text
from phb.spending.check import check_csv, load_default_rules
from phb.spending.exceptions import MalformedStatement


@click.group()
def statements() -> None:
    """Direct-payment statements."""


@database(Readiness.NONE)
@statements.command("check")
@click.argument("path", type=InputFile())
def check(path: Path) -> None:
    """Check each debit in PATH (CSV: date,description,amount[,mcc]) against the exclusions.

    Writes the input columns plus `exclusion` and `reason` to standard output. Exits 0 even when lines are
    flagged (a flag is for a person to look at, not an error); exits 2 naming the line for a malformed file.
    """
    with open_text(path) as in_stream:
        try:
            flagged = check_csv(in_stream, sys.stdout, load_default_rules())
        except MalformedStatement as exc:
            click.echo(f"{path}: {exc}", err=True)
            sys.exit(2)
    click.echo(f"{flagged} line(s) flagged", err=True)


@statements.command("import")
@click.option("--account", "account_id", type=RECORD_ID, required=True, help="Direct-payment account id.")
@click.option(
    "--profile",
    default="generic",
    show_default=True,
    help="Statement layout: generic, barclays, natwest, nationwide, prepaid, or ofx.",
)
@click.option("--as", "username", default=None, help="Staff username the import is recorded as (default: $USER).")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_(account_id: int, profile: str, username: str | None, path: Path) -> None:
    """Import a statement file into a direct-payment account: streamed, idempotent and all-or-nothing.

    Re-importing the same or an overlapping file adds no duplicate lines. A malformed file is refused with the
    line named, and nothing is saved.
    """
    import getpass  # noqa: PLC0415 - keep `phb --help` fast

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn  # noqa: PLC0415
    from sqlalchemy import select  # noqa: PLC0415

    from phb.access.services import begin  # noqa: PLC0415
    from phb.accounts.models import User  # noqa: PLC0415
    from phb.accounts.services import actor_for  # noqa: PLC0415
    from phb.config import get_settings  # noqa: PLC0415
    from phb.db import create_db_engine, make_session_factory  # noqa: PLC0415
    from phb.errors import DomainError  # noqa: PLC0415
    from phb.spending.importer import import_statement  # noqa: PLC0415

    factory = make_session_factory(create_db_engine(get_settings().database_url))
    name = username or getpass.getuser()
    with factory() as session:
        user = session.scalar(select(User).where(User.username == name, User.is_active.is_(True)))
        if user is None:
            click.echo(f"no active staff user '{name}': pass --as USERNAME", err=True)
            sys.exit(2)
        actor = actor_for(session, user)
        begin(session, actor)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, transient=True) as progress, path.open("rb") as source:
            task = progress.add_task(f"Importing {path.name}", total=None)

            def show(done: int, total: int) -> None:
                progress.update(task, completed=done, total=max(total, done))

            try:
                result = import_statement(
                    session, actor, account_id, source, filename=path.name, profile=profile, on_progress=show
                )
            except MalformedStatement as exc:
                session.rollback()
                click.echo(f"{path}: {exc}; nothing was imported", err=True)
                sys.exit(2)
            except DomainError as exc:
                session.rollback()
                click.echo(f"{path}: {exc}; nothing was imported", err=True)
                sys.exit(2)
        session.commit()
    if result.same_file:
        click.echo(f"{path.name}: already imported into account {account_id}; nothing added")
        return
    click.echo(
        f"{path.name}: {result.lines_read} line(s) read, {result.lines_added} added, {result.duplicates} already "
        f"there, {result.lines_flagged} flagged, {result.findings_raised} finding(s) raised"
    )
    click.echo(f"reconciliation: {result.reconciliation}")
    for note in result.notes:
        click.echo(f"  {note}")


COMMANDS = [statements]
