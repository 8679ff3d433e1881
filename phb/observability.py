"""Structured logging with a request id on every line.

The request id lives in a context variable set by the web middleware (or by a CLI command); structlog's
contextvars processor copies it into every log line, and the audit trail stores it with every event, so a
log line, an audit event and a user's complaint about one request can be matched up.
"""

from __future__ import annotations

import logging
import re
import sys
from contextvars import ContextVar

import structlog

request_id_var: ContextVar[str | None] = ContextVar("phb_request_id", default=None)


def _add_request_id(
    _logger: object, _method: str, event_dict: structlog.typing.EventDict
) -> structlog.typing.EventDict:
    event_dict.setdefault("request_id", request_id_var.get())
    return event_dict


# One-time links carry their credential in the path (/invite/<token>, /setup/<token>), and a search may carry an
# NHS number in the query string: neither may reach a log line, where far more people can read it than the
# database (ASVS 5.0 V16.2.5).
_LINK_TOKEN = re.compile(r"/(invite|setup)/[^/?#\s\"]+")
_NHS_NUMBER = re.compile(r"(?<!\d)\d{3}(?:\s|%20|\+|-)?\d{3}(?:\s|%20|\+|-)?\d{4}(?!\d)")
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """``text`` with link tokens and NHS-number-like digit runs replaced by ``[redacted]``."""
    return _NHS_NUMBER.sub(REDACTED, _LINK_TOKEN.sub(rf"/\1/{REDACTED}", text))


def _redact_event(_logger: object, _method: str, event_dict: structlog.typing.EventDict) -> structlog.typing.EventDict:
    for key in ("path", "url", "query_string", "event"):
        value = event_dict.get(key)
        if isinstance(value, str):
            event_dict[key] = redact(value)
    return event_dict


class _RedactingFilter(logging.Filter):
    """Redacts the standard library's records too: uvicorn's access lines put the path and query in ``args``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def configure_logging(*, log_format: str = "console", level: str = "INFO") -> None:
    """Route structlog and the standard library's logging (uvicorn, SQLAlchemy) through one formatter."""
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        _add_request_id,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact_event,
    ]
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if log_format == "json" else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_RedactingFilter())
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """A structured logger for a module."""
    return structlog.stdlib.get_logger(name)
