"""Errors raised by the spending package; they carry no HTTP status (the web layer maps them)."""


class MalformedStatement(ValueError):  # noqa: N818 -- public name of the statement-check contract
    """A statement file that cannot be read, with the line number and the field at fault."""

    def __init__(self, line_number: int, message: str) -> None:
        self.line_number = line_number
        self.message = message
        super().__init__(f"line {line_number}: {message}")
