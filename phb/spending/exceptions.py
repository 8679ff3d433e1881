"""Errors raised by the spending package; they carry no HTTP status (the web layer maps them)."""


class MalformedStatement(ValueError):  # noqa: N818 -- public name of the statement-check contract
    """A statement file that cannot be read, with the line number and the field at fault."""

    def __init__(self, line_number: int, message: str) -> None:
        self.line_number = line_number
        self.message = message
        super().__init__(f"line {line_number}: {message}")


def unreadable_csv(line_number: int, error: Exception) -> MalformedStatement:
    """A CSV line the ``csv`` module refuses (a field over its size limit, a NUL byte, a stray quote), named."""
    text = str(error)
    if "field larger than field limit" in text:
        text = "a field is longer than a statement line may hold (131,072 characters)"
    return MalformedStatement(line_number, f"the line cannot be read as CSV: {text}")
