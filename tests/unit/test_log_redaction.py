"""Secrets and identifiers never reach a log line: one-time link tokens in paths, NHS numbers in query strings."""

import logging

from phb.observability import configure_logging, get_logger

TOKEN = "Rxwhxz0qzjPDsKbbshjiH7sCzNMGnk9Vb9-Hhte_A1c"


def test_access_lines_and_structured_logs_are_redacted(capsys):
    configure_logging(log_format="json", level="INFO")
    access = logging.getLogger("uvicorn.access")
    line = '%s - "%s %s HTTP/%s" %d'
    access.info(line, "192.0.2.1:5000", "GET", f"/invite/{TOKEN}", "1.1", 200)
    access.info(line, "192.0.2.1:5000", "POST", f"/setup/{TOKEN}?next=/", "1.1", 303)
    access.info(line, "192.0.2.1:5000", "GET", "/people?search=943+476+5919", "1.1", 200)
    access.info(line, "192.0.2.1:5000", "GET", "/api/v1/people?search=9434765919&page=2", "1.1", 200)
    get_logger("phb.web.security").warning("csrf token missing or wrong", path=f"/invite/{TOKEN}")
    err = capsys.readouterr().err
    assert TOKEN not in err
    assert "5919" not in err
    assert err.count("[redacted]") == 5
    assert "/invite/[redacted]" in err
    assert "/setup/[redacted]?next=/" in err
    assert "page=2" in err  # the rest of the line is kept
    assert "192.0.2.1:5000" in err
