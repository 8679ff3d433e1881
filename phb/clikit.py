"""What every ``phb`` command shares: parameter types that refuse bad input in one line, and text-file reading.

Light on purpose (click and the standard library only): every ``phb/<area>/cli.py`` imports it, and
``phb --help`` must stay fast.

* :func:`database` marks what a command needs of the database; ``phb/cli.py`` checks it before the command runs
  (default: migrated to the latest revision), so a command never creates or half-uses a database.
* :data:`RECORD_ID` is an id the database can hold (1 to 2^63-1), so ``--account 9223372036854775808`` is a
  usage error rather than an overflow deep in the driver.
* :class:`InputFile` is an existing, readable text file in UTF-8 (with or without BOM) or UTF-16 (with BOM);
  anything else is refused naming the file and where the first undecodable byte is. :func:`read_text` and
  :func:`open_text` then read it in the encoding found.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

import click

MAX_ID = 2**63 - 1
_SNIFF = 1 << 16
_CHUNK = 1 << 20

CommandT = TypeVar("CommandT", bound=click.Command)


class Readiness(Enum):
    """What a command needs of the database before it runs."""

    NONE = "none"  # reads only files, or creates the database itself (db upgrade, db restore)
    EXISTS = "exists"  # an existing, reachable database at any revision (db backup, db downgrade)
    CURRENT = "current"  # reachable and migrated to the code's head revisions (the default)


def database(need: Readiness) -> Callable[[CommandT], CommandT]:
    """Mark what a command needs of the database (put it above ``@click.command``)."""

    def mark(command: CommandT) -> CommandT:
        command.phb_database = need  # type: ignore[attr-defined]
        return command

    return mark


def readiness(command: click.Command) -> Readiness:
    """What ``command`` was marked with (:data:`Readiness.CURRENT` when unmarked)."""
    need = getattr(command, "phb_database", Readiness.CURRENT)
    return need if isinstance(need, Readiness) else Readiness.CURRENT


RECORD_ID = click.IntRange(1, MAX_ID)


def detect_encoding(path: Path) -> str:
    """The encoding of a text file: UTF-16 when it starts with a UTF-16 byte-order mark, otherwise UTF-8.

    Raises:
        UnicodeDecodeError: the file is neither (e.g. Latin-1 or Windows-1252); its ``start`` is the byte offset.
    """
    with path.open("rb") as stream:
        head = stream.read(4)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not head.startswith(codecs.BOM_UTF32_LE):
            encoding = "utf-16"
        else:
            encoding = "utf-8-sig"
        stream.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        offset = 0
        while chunk := stream.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise UnicodeDecodeError(
                    exc.encoding, exc.object, offset + exc.start, offset + exc.end, exc.reason
                ) from exc
            offset += len(chunk)
        decoder.decode(b"", final=True)
    return encoding


def _where(path: Path, offset: int) -> str:
    with path.open("rb") as stream:
        before = stream.read(offset)
        byte = stream.read(1)
    line = before.count(b"\n") + 1
    return f"byte 0x{byte.hex()} on line {line}" if byte else f"the end of the file (line {line})"


class InputFile(click.Path):
    """An existing, readable UTF-8 or UTF-16 text file (converted to a :class:`~pathlib.Path`)."""

    name = "file"

    def __init__(self) -> None:
        super().__init__(exists=True, dir_okay=False, readable=True, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:  # noqa: ANN401
        """Check the path, then that the file decodes."""
        path = Path(str(super().convert(value, param, ctx)))
        try:
            detect_encoding(path)
        except UnicodeDecodeError as exc:
            self.fail(f"{path} is not UTF-8 or UTF-16 text ({_where(path, exc.start)}): save it as UTF-8", param, ctx)
        except OSError as exc:
            self.fail(f"{path}: {exc.strerror}", param, ctx)
        return path


def read_text(path: Path) -> str:
    """The whole file, decoded as :func:`detect_encoding` found, newlines as written."""
    return path.read_bytes().decode(detect_encoding(path))


def open_text(path: Path) -> io.TextIOWrapper:
    """The file as a text stream in the encoding :func:`detect_encoding` found (``newline=""`` for csv)."""
    return path.open(encoding=detect_encoding(path), newline="")
