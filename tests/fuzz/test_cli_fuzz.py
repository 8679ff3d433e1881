"""Every ``phb`` command with malformed arguments and files: no traceback, a non-zero exit, nothing changed.

The commands are enumerated from the click group, so a new command is fuzzed without editing this file. Each
parameter gets values malformed for its type (out-of-range numbers, impossible dates, 500-character and
NUL-carrying text, files in Latin-1, binary noise, a 200 kB CSV field, folders, paths that cannot be written);
every invocation gives *every* parameter a malformed value, so each must be refused. It runs against a migrated
database on each backend, whose every table's row count and migration heads must be the same afterwards.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import click
import pytest
from sqlalchemy import inspect, text

from phb.db import create_db_engine
from tests.cli_helpers import assert_one_line_refusal, leaf_commands

BAD_TEXT = ["x" * 500, "nul\x00byte", "-", "🙂" * 50]
BAD_INTS = [str(2**63), "-1", "1e9", "abc"]
BAD_DATES = ["9999-99-99", "2026-02-30", "yesterday", "0000-01-01"]


def _bad_files(folder: Path) -> list[str]:
    files = {
        "latin1.csv": "date,description,amount\n2026-01-02,Caf\xe9,-1.00\n".encode("latin-1"),
        "noise.bin": bytes(range(256)) * 64,
        "big-field.csv": f'date,description,amount\n2026-01-02,"{"x" * 200_000}",-1.00\n'.encode(),
        "utf16-no-bom.csv": "date,description,amount\n".encode("utf-16-le"),
        "half-utf16.csv": codecs.BOM_UTF16_LE + b"d\x00a\x00\x00\xd8",  # a lone surrogate
    }
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return [*(str(folder / name) for name in files), str(folder), str(folder / "missing.csv")]


def _bad_destinations(folder: Path) -> list[str]:
    (folder / "a-file").write_text("x")
    return [str(folder), str(folder / "a-file" / "out"), "/proc/phb-cannot-write/out", str(folder)]


def _malformed(param: click.Parameter, folder: Path) -> list[str] | None:
    """Malformed values for ``param``, or None when it takes no value (a flag)."""
    kind = param.type
    if isinstance(param, click.Option) and (param.is_flag or param.count):
        return None
    if isinstance(kind, click.Path):
        return _bad_files(folder) if kind.exists else _bad_destinations(folder)
    if isinstance(kind, click.types.IntParamType):
        return BAD_INTS
    if isinstance(kind, click.DateTime):
        return BAD_DATES
    return BAD_TEXT


def _invocations(words: tuple[str, ...], command: click.Command, folder: Path) -> list[list[str]]:
    values = [(p, v) for p in command.params if (v := _malformed(p, folder)) is not None]
    if not values:
        return []
    rounds = max(len(v) for _, v in values)
    invocations = []
    for i in range(rounds):
        options, arguments = [], []
        for param, bad in values:
            value = bad[i % len(bad)]
            if isinstance(param, click.Argument):
                arguments.append(value)
            else:
                options += [param.opts[0], value]
        invocations.append([*words, *options, "--", *arguments] if arguments else [*words, *options])
    return invocations


def _state(url: str) -> tuple[dict[str, int], tuple[str, ...]]:
    engine = create_db_engine(url)
    with engine.connect() as connection:
        tables = sorted(inspect(connection).get_table_names())
        counts = {t: connection.execute(text(f'SELECT COUNT(*) FROM "{t}"')).scalar_one() for t in tables}  # noqa: S608
        heads = tuple(sorted(connection.execute(text("SELECT version_num FROM alembic_version")).scalars()))
    engine.dispose()
    return counts, heads


COMMANDS = list(leaf_commands())


@pytest.mark.parametrize(("words", "command"), COMMANDS, ids=[" ".join(w) for w, _ in COMMANDS])
def test_malformed_arguments_are_refused_in_one_line_and_change_nothing(
    words, command, run_phb, database_url, tmp_path
):
    # A command that takes no arguments is fed ones it does not take: refused in one line, nothing changed.
    invocations = _invocations(words, command, tmp_path) or [[*words, "--no-such-option"], [*words, "unexpected"]]
    before = _state(database_url)
    for args in invocations:
        result = run_phb(database_url, *args)
        assert_one_line_refusal(result)
        assert result.exit_code in {1, 2}, (args, result.output)
    assert _state(database_url) == before
