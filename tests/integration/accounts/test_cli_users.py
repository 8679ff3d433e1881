"""`phb users create` never takes a password: it prints a one-time link with which the account's owner sets it."""

import re

from click.testing import CliRunner
from sqlalchemy import select

from phb import migrate
from phb.accounts.models import User
from phb.accounts.rules import Role
from phb.accounts.services import NO_PASSWORD
from phb.accounts.staff import complete_setup
from phb.cli import main
from phb.config import get_settings
from phb.db import create_db_engine, make_session_factory


def test_users_create_prints_a_set_up_link_and_chooses_no_password(fresh_database_url, monkeypatch):
    url = fresh_database_url("sqlite")
    migrate.upgrade(url)
    monkeypatch.setenv("PHB_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            main,
            ["users", "create", "--username", "ada", "--name", "Ada Lovelace", "--base-url", "https://phb.example"],
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "Password" not in result.output  # no prompt for one
    token = re.search(r"https://phb\.example/setup/([\w-]+)", result.output).group(1)
    engine = create_db_engine(url)
    with make_session_factory(engine)() as session:
        ada = session.scalar(select(User).where(User.username == "ada"))
        assert ada.password_hash == NO_PASSWORD
        assert ada.role_set == {Role.ADMINISTRATOR}  # the operator's bootstrap: no second administrator yet
        from phb.audit.services import AuditActor, act_as  # noqa: PLC0415

        act_as(session, AuditActor(user_id=None, label="test"))
        complete_setup(session, token, password="the analytical engine weaves")
        session.commit()
    engine.dispose()
