"""Every ``phb`` command refuses bad input and an unusable database in one line: no traceback, nothing changed.

Issue 24, items 6 to 8. Each case was reproduced first: before, each printed a traceback, exited 0 after doing
the wrong thing, or created a database by accident.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from sqlalchemy import func, select

from phb import migrate
from phb.accounts.models import User
from phb.clikit import readiness
from phb.db import create_db_engine, make_session_factory
from phb.migrate import Readiness
from tests.cli_helpers import assert_one_line_refusal, leaf_commands
from tests.conftest import BACKENDS

FRAMEWORK = Path(__file__).resolve().parents[3] / "phb" / "governance" / "framework.toml"
APPEALS = Path(__file__).resolve().parents[3] / "phb" / "governance" / "appeals" / "appeals.toml"
STATEMENT = "date,description,amount\n2026-01-02,Café £5 (CAFÉ),-5.00\n"

# Valid-looking arguments, so that the database check is what refuses the command.
PLAIN_ARGUMENTS: dict[tuple[str, ...], list[str]] = {
    ("appeals", "check"): [str(APPEALS)],
    ("appeals", "due"): ["--from", "2026-01-01", "--days", "1"],
    ("audit", "verify"): [],
    ("db", "backup"): ["{tmp}/out.backup"],
    ("db", "check"): [],
    ("db", "downgrade"): ["base"],
    ("db", "restore"): ["{tmp}/missing.backup"],
    ("db", "upgrade"): ["--revision", "no-such-revision"],
    ("demo",): [],
    ("governance", "check"): [str(FRAMEWORK)],
    ("governance", "load"): [str(FRAMEWORK)],
    ("governance", "show"): [],
    ("report", "pcsp"): ["--quarter", "2026Q1"],
    ("report", "phb-return"): ["--quarter", "2026Q1"],
    ("serve",): [],
    ("statements", "check"): ["{tmp}/statement.csv"],
    ("statements", "import"): ["--account", "1", "{tmp}/statement.csv"],
    ("users", "create"): ["--username", "ada", "--name", "Ada", "--role", "case_manager"],
}


def test_every_command_has_plain_arguments_here():
    """A new command must be added above, so the unmigrated-database test below covers it."""
    assert {words for words, _ in leaf_commands()} == set(PLAIN_ARGUMENTS)


@pytest.mark.parametrize("words", sorted(PLAIN_ARGUMENTS), ids=" ".join)
def test_on_a_database_never_migrated_each_command_says_so_and_creates_nothing(words, run_phb, tmp_path):
    (tmp_path / "statement.csv").write_text(STATEMENT, encoding="utf-8")
    database = tmp_path / "var" / "phb.sqlite3"
    args = [a.replace("{tmp}", str(tmp_path)) for a in PLAIN_ARGUMENTS[words]]
    command = dict(leaf_commands())[words]

    result = run_phb(f"sqlite:///{database}", *words, *args)

    assert not database.exists()
    assert not database.parent.exists()
    assert not (tmp_path / "out.backup").exists()
    need = readiness(command)
    if need is Readiness.CURRENT:
        assert_one_line_refusal(result, "the database is not migrated: run `phb db upgrade`")
        assert result.exit_code == 2
    elif need is Readiness.EXISTS:
        assert_one_line_refusal(result, f"no SQLite database at {database}")
    elif result.exit_code != 0:  # file-only commands may succeed; if not, they say why in one line
        assert_one_line_refusal(result)


@pytest.mark.skipif("postgresql" not in BACKENDS, reason="PHB_TEST_POSTGRES_URL not set")
def test_an_empty_postgresql_database_is_not_migrated_and_stays_empty(run_phb, fresh_database_url):
    url = fresh_database_url("postgresql")
    assert_one_line_refusal(run_phb(url, "audit", "verify"), "the database is not migrated")
    assert_one_line_refusal(run_phb(url, "db", "check"), "the database is not migrated")
    engine = create_db_engine(url)
    with engine.connect() as connection:
        assert migrate.current_heads(connection) == frozenset()
    engine.dispose()


def test_a_database_behind_the_code_is_told_to_upgrade(run_phb, tmp_path):
    url = f"sqlite:///{tmp_path / 'phb.sqlite3'}"
    migrate.upgrade(url, "0001")
    result = run_phb(url, "audit", "verify")
    assert_one_line_refusal(result, "not at the latest migration", "run `phb db upgrade`")


def test_serve_refuses_to_start_on_an_unmigrated_or_unreachable_database(run_phb, tmp_path):
    assert_one_line_refusal(run_phb(f"sqlite:///{tmp_path / 'none.sqlite3'}", "serve"), "not migrated")
    assert_one_line_refusal(
        run_phb("postgresql://postgres@127.0.0.1:1/phb", "serve"), "cannot use the database", "127.0.0.1:1"
    )
    assert_one_line_refusal(run_phb("mysql://root@localhost/phb", "serve"), "unsupported database 'mysql'")
    result = run_phb(f"sqlite:///{tmp_path / 'none.sqlite3'}", "serve", "--port", "70000")
    assert_one_line_refusal(result, "--port", "70000")


def test_an_unknown_revision_is_refused_before_anything_is_created(run_phb, tmp_path):
    database = tmp_path / "phb.sqlite3"
    assert_one_line_refusal(run_phb(f"sqlite:///{database}", "db", "upgrade", "--revision", "9999_x"), "'9999_x'")
    assert not database.exists()
    migrate.upgrade(f"sqlite:///{database}")
    assert_one_line_refusal(run_phb(f"sqlite:///{database}", "db", "downgrade", "9999_x"), "'9999_x'")
    result = run_phb(f"sqlite:///{database}", "audit", "verify")
    assert result.exit_code == 0, result.output  # still at head: nothing was undone


def test_backup_of_a_mistyped_path_and_to_an_unwritable_place_fail_and_create_nothing(run_phb, tmp_path):
    mistyped = tmp_path / "phb.sqlit3"
    result = run_phb(f"sqlite:///{mistyped}", "db", "backup", str(tmp_path / "b.backup"))
    assert_one_line_refusal(result, str(mistyped))
    assert not mistyped.exists()
    assert not (tmp_path / "b.backup").exists()

    real = f"sqlite:///{tmp_path / 'phb.sqlite3'}"
    migrate.upgrade(real)
    (tmp_path / "a-file").write_text("x")
    unwritable = tmp_path / "a-file" / "b.backup"  # its "folder" is a file
    assert_one_line_refusal(run_phb(real, "db", "backup", str(unwritable)), "cannot write the backup", "a-file")
    assert_one_line_refusal(run_phb(real, "db", "backup", str(tmp_path)), str(tmp_path))  # a folder


def test_restoring_a_file_that_is_not_a_backup_fails_cleanly_and_creates_nothing(run_phb, tmp_path):
    target = tmp_path / "restored.sqlite3"
    for name, content in {"text.backup": b"hello", "empty.backup": b"", "noise.backup": bytes(range(256)) * 8}.items():
        (tmp_path / name).write_bytes(content)
        result = run_phb(f"sqlite:///{target}", "db", "restore", str(tmp_path / name))
        assert_one_line_refusal(result, name)
        assert result.exit_code == 2, result.output
        assert not target.exists()
    # An empty database (what a mistyped backup used to make) is refused too: it has no migration history.
    import sqlite3  # noqa: PLC0415

    sqlite3.connect(tmp_path / "blank.backup").execute("CREATE TABLE t (x)").connection.close()
    assert_one_line_refusal(
        run_phb(f"sqlite:///{target}", "db", "restore", str(tmp_path / "blank.backup")), "not a phb"
    )
    assert not target.exists()


@pytest.mark.parametrize(
    "command", [("statements", "check"), ("governance", "check"), ("appeals", "check")], ids=" ".join
)
def test_utf16_files_are_read_and_latin1_files_refused_naming_the_file(command, run_phb, tmp_path):
    source = {"statements": STATEMENT, "governance": FRAMEWORK.read_text(), "appeals": APPEALS.read_text()}[command[0]]
    utf16 = tmp_path / "utf16.txt"
    utf16.write_bytes(codecs.BOM_UTF16_LE + source.encode("utf-16-le"))
    result = run_phb("sqlite:///unused", *command, str(utf16))
    assert result.exit_code == 0, result.output
    if command[0] == "statements":
        assert "Café £5 (CAFÉ)" in result.output

    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes(("# £\n" if command[0] != "statements" else "").encode() + source.encode("latin-1", "replace"))
    if command[0] != "statements":
        latin1.write_bytes(b"# \xa3 pounds\n" + source.encode("utf-8"))
    result = run_phb("sqlite:///unused", *command, str(latin1))
    assert_one_line_refusal(result, str(latin1), "not UTF-8 or UTF-16 text", "line ")


def test_an_empty_appeals_configuration_is_refused(run_phb, tmp_path):
    empty = tmp_path / "appeals.toml"
    empty.write_text("\n")
    assert_one_line_refusal(run_phb("sqlite:///unused", "appeals", "check", str(empty)), str(empty), "empty")


def test_a_200_kb_field_names_the_line(run_phb, tmp_path, database_url):
    big = tmp_path / "big.csv"
    big.write_text(f'date,description,amount\n2026-01-02,SHOP,-1.00\n2026-01-03,"{"x" * 200_000}",-5.00\n')
    assert_one_line_refusal(
        run_phb("sqlite:///unused", "statements", "check", str(big)),
        "line 3",
        "a field is longer than a statement line may hold",
    )


def test_out_of_range_numbers_and_dates_are_usage_errors(run_phb, tmp_path):
    url = f"sqlite:///{tmp_path / 'never.sqlite3'}"
    (tmp_path / "s.csv").write_text(STATEMENT)
    result = run_phb(url, "statements", "import", "--account", str(2**63), str(tmp_path / "s.csv"))
    assert_one_line_refusal(result, "--account", str(2**63))
    assert_one_line_refusal(run_phb(url, "appeals", "due", "--from", "2026-01-01", "--days", "1000000000"), "--days")
    assert_one_line_refusal(run_phb(url, "appeals", "due", "--from", "9999-12-01", "--days", "10000"), "9999-12-31")
    assert_one_line_refusal(run_phb(url, "report", "pcsp", "--quarter", "9999Q4"), "9999Q4")
    assert_one_line_refusal(run_phb(url, "report", "phb-return", "--quarter", "0001Q1"), "0001Q1")
    assert not (tmp_path / "never.sqlite3").exists()


def _users(url: str) -> int:
    engine = create_db_engine(url)
    with make_session_factory(engine)() as session:
        count = session.scalar(select(func.count()).select_from(User)) or 0
    engine.dispose()
    return count


@pytest.mark.parametrize("username", ["u" * 500, "nul\x00name"], ids=["500 characters", "NUL"])
def test_a_username_the_schema_cannot_hold_is_refused_the_same_on_both_databases(username, run_phb, database_url):
    before = _users(database_url)
    result = run_phb(database_url, "users", "create", "--username", username, "--name", "Ada")
    assert_one_line_refusal(result, "username")  # "--username: must not contain a NUL", or the length
    assert result.exit_code == 2
    assert _users(database_url) == before


def test_a_nul_character_in_a_statement_line_is_refused_naming_the_line():
    import io  # noqa: PLC0415

    from phb.spending.batches import read_batches  # noqa: PLC0415
    from phb.spending.exceptions import MalformedStatement  # noqa: PLC0415
    from phb.spending.statements import StatementSummary  # noqa: PLC0415

    source = io.BytesIO(b"date,description,amount\n2026-10-01,SHOP,-1.00\n2026-10-02,SH\x00OP,-1.00\n")
    with pytest.raises(MalformedStatement, match="line 3: description contains a NUL character"):
        list(read_batches(source, "generic", StatementSummary(), 100))


def test_a_framework_s_problems_name_the_line_as_well_as_the_key(run_phb, tmp_path, database_url):
    """Issue 24, item 9: the problems named the key but not the line."""
    text = FRAMEWORK.read_text().replace("title = ", "titel = ", 1).replace("quorum = ", "quorum = -", 1)
    bad = tmp_path / "framework.toml"
    bad.write_text(text)
    lines = text.splitlines()
    titel = next(n for n, line in enumerate(lines, start=1) if line.startswith("titel"))
    quorum = next(n for n, line in enumerate(lines, start=1) if line.startswith("quorum"))
    for command in ("check", "load"):
        result = run_phb(database_url, "governance", command, str(bad))
        assert_one_line_refusal(result, f"{bad}:{titel}: level 1: unknown setting 'titel'")
        assert f"{bad}:{quorum}: [panel] quorum: must be a whole number of at least 1, not -" in result.output


@pytest.mark.parametrize("words", sorted(PLAIN_ARGUMENTS), ids=" ".join)
def test_an_unsupported_database_url_is_one_line_for_every_command_that_uses_the_database(words, run_phb, tmp_path):
    (tmp_path / "statement.csv").write_text(STATEMENT, encoding="utf-8")
    args = [a.replace("{tmp}", str(tmp_path)) for a in PLAIN_ARGUMENTS[words]]
    if words == ("db", "upgrade"):
        args = []  # a known revision: the URL is what must be refused
    if words == ("db", "restore"):
        args = [str(tmp_path / "statement.csv")]  # an existing file: the URL is checked before its content
    result = run_phb("mysql://root@localhost/phb", *words, *args)
    if readiness(dict(leaf_commands())[words]) is not Readiness.NONE or words in {("db", "upgrade"), ("db", "restore")}:
        assert_one_line_refusal(result, "unsupported database 'mysql'")
    elif result.exit_code != 0:
        assert_one_line_refusal(result)


@pytest.mark.skipif("postgresql" not in BACKENDS, reason="PHB_TEST_POSTGRES_URL not set")
def test_postgresql_backup_to_an_unwritable_place_and_restore_of_a_bad_file_fail_cleanly(
    run_phb, fresh_database_url, tmp_path
):
    source = fresh_database_url("postgresql")
    migrate.upgrade(source)
    (tmp_path / "a-file").write_text("x")
    result = run_phb(source, "db", "backup", str(tmp_path / "a-file" / "phb.backup"))
    assert_one_line_refusal(result, "cannot write the backup", "a-file")

    target = fresh_database_url("postgresql")
    (tmp_path / "text.backup").write_text("not a dump")
    result = run_phb(target, "db", "restore", str(tmp_path / "text.backup"))
    assert_one_line_refusal(result, "pg_restore failed")
    assert result.exit_code == 2
    engine = create_db_engine(target)
    with engine.connect() as connection:
        assert migrate.current_heads(connection) == frozenset()  # nothing restored, nothing created
    engine.dispose()
