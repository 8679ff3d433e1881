"""The ``phb`` command: migrations, the server, demo data, users, audit verification."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from phb.config import get_settings


@click.group()
def main() -> None:
    """phb: personal health budgets for NHS Continuing Healthcare teams."""


@main.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    from phb import migrate  # noqa: PLC0415 - keep `phb --help` fast

    migrate.upgrade(get_settings().database_url, revision)
    click.echo(f"database at {revision}")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Undo migrations down to REVISION ('base' removes everything)."""
    from phb import migrate  # noqa: PLC0415

    migrate.downgrade(get_settings().database_url, revision)
    click.echo(f"database at {revision}")


@db.command("check")
def db_check() -> None:
    """Fail if the models and the migrations differ (autogenerate drift)."""
    from phb import migrate  # noqa: PLC0415

    migrate.check(get_settings().database_url)
    click.echo("no drift between models and migrations")


@db.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
def db_backup(destination: Path) -> None:
    """Write a consistent backup of the database to DESTINATION."""
    from phb.backup import backup  # noqa: PLC0415

    backup(get_settings().database_url, destination)
    click.echo(f"backup written to {destination}")


@db.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def db_restore(source: Path) -> None:
    """Restore SOURCE into the (empty) database named by PHB_DATABASE_URL, then verify the audit trail."""
    from phb.audit.services import verify_chain  # noqa: PLC0415
    from phb.backup import BackupError, restore  # noqa: PLC0415
    from phb.db import create_db_engine, make_session_factory  # noqa: PLC0415

    url = get_settings().database_url
    try:
        restore(source, url)
    except BackupError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    with make_session_factory(create_db_engine(url))() as session:
        report = verify_chain(session)
    click.echo(
        f"restored {source}; audit trail {'intact' if report.ok else 'BROKEN: ' + str(report.problem)} "
        f"({report.checked} events)"
    )
    sys.exit(0 if report.ok else 1)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the app with uvicorn (a production-grade ASGI server).

    Proxy headers (``X-Forwarded-For``, ``X-Forwarded-Proto``) are believed only from the addresses in
    ``PHB_TRUSTED_PROXIES``; with none set (the default) they are ignored, whoever sends them.
    """
    import uvicorn  # noqa: PLC0415

    proxies = get_settings().trusted_proxies.replace(" ", "")
    uvicorn.run(
        "phb.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or None,
        server_header=False,
        log_config=None,
    )


@main.command()
def demo() -> None:
    """Load the demo data set (idempotent) and print the demo logins."""
    from phb.demo import DEMO_PASSWORD, load_demo  # noqa: PLC0415

    logins = load_demo(get_settings().database_url)
    click.echo(
        f"Demo data loaded. Sign in at http://127.0.0.1:8000 with any of these (password for all: {DEMO_PASSWORD}):"
    )
    for username, description in logins:
        click.echo(f"  {username:<14} {description}")


@main.group()
def users() -> None:
    """Staff accounts."""


@users.command("create")
@click.option("--username", prompt=True)
@click.option("--name", "display_name", prompt="Full name")
@click.option(
    "--role", "roles", multiple=True, default=["administrator"], show_default=True, help="Repeat for several roles."
)
@click.option("--email", default=None)
@click.option(
    "--base-url", default="http://127.0.0.1:8000", show_default=True, help="Where the service is reached, for the link."
)
def users_create(username: str, display_name: str, roles: tuple[str, ...], email: str | None, base_url: str) -> None:
    """Create an account (the first administrator, typically) and print the one-time link to set its password.

    Nobody but the account's owner chooses its password: give them the link.
    """
    from phb.accounts.rules import Role  # noqa: PLC0415
    from phb.accounts.staff import SETUP_DAYS, bootstrap_staff  # noqa: PLC0415
    from phb.audit.services import AuditActor, act_as  # noqa: PLC0415
    from phb.db import create_db_engine, make_session_factory  # noqa: PLC0415
    from phb.errors import ValidationFailedError  # noqa: PLC0415

    try:
        role_values = [Role(r) for r in roles]
    except ValueError as exc:
        raise click.BadParameter(f"{exc}; choose from {', '.join(r.value for r in Role)}", param_hint="--role") from exc
    factory = make_session_factory(create_db_engine(get_settings().database_url))
    with factory() as session:
        act_as(session, AuditActor(user_id=None, label="cli:phb users create"))
        try:
            user, token = bootstrap_staff(
                session, username=username, display_name=display_name, roles=role_values, email=email
            )
        except ValidationFailedError as exc:
            for field, message in exc.errors.items():
                click.echo(f"{field}: {message}", err=True)
            sys.exit(2)
        session.commit()
        click.echo(f"created user {user.username} with roles {', '.join(r.value for r in role_values)}")
        click.echo(f"They set their password here (one use, {SETUP_DAYS} days): {base_url.rstrip('/')}/setup/{token}")


@main.group()
def audit() -> None:
    """The audit trail."""


@audit.command("verify")
def audit_verify() -> None:
    """Check the audit trail's hash chain; name the first broken link."""
    from phb.audit.services import verify_chain  # noqa: PLC0415
    from phb.db import create_db_engine, make_session_factory  # noqa: PLC0415

    factory = make_session_factory(create_db_engine(get_settings().database_url))
    with factory() as session:
        report = verify_chain(session)
    if report.ok:
        click.echo(f"audit trail intact: {report.checked} events verified")
        return
    click.echo(f"AUDIT TRAIL BROKEN: {report.problem} ({report.checked} events verified before it)", err=True)
    sys.exit(1)


def _register_domain_commands() -> None:
    """Each ``phb/<area>/cli.py`` may export ``COMMANDS``: click commands or groups added to ``phb``."""
    from phb.discovery import domain_modules  # noqa: PLC0415

    for module in domain_modules("cli"):
        for command in getattr(module, "COMMANDS", []):
            main.add_command(command)


_register_domain_commands()


if __name__ == "__main__":
    main()
