"""Running ``phb`` in-process against a chosen database URL (click's CliRunner): a fixture and assertions."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import click
import pytest
from click.testing import CliRunner, Result

from phb.cli import main
from phb.config import get_settings

Run = Callable[..., Result]


def leaf_commands(
    group: click.Group = main, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command under ``phb``, with the words that invoke it (new commands are found automatically)."""
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from leaf_commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


@pytest.fixture
def run_phb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Run]:
    """``run_phb(url, *args, input=None)``: run ``phb args`` with PHB_DATABASE_URL=url; returns click's Result."""

    def run(url: str, *args: str, input: str | None = None) -> Result:  # noqa: A002 - CliRunner's own name
        monkeypatch.setenv("PHB_DATABASE_URL", url)
        monkeypatch.delenv("PHB_DEBUG", raising=False)
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(main, list(args), input=input, catch_exceptions=True)
        finally:
            get_settings.cache_clear()

    yield run
    get_settings.cache_clear()


def assert_one_line_refusal(result: Result, *expected: str) -> None:
    """A non-zero exit, no traceback, no unexpected error, and each of ``expected`` in the output."""
    output = result.output
    assert result.exit_code != 0, output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in output
    assert "unexpected error" not in output, output
    for text in expected:
        assert text in output, output
