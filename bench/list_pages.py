"""The long lists of a large organisation, one request each: status, size and time, in-process.

For each (user, path) below, signs in and requests the page once through Litestar's test client (no server, no
load tool: what one person waits for, first request included), and prints the page's size and time. Used to find
the pages that grow with the organisation (a list with no pagination, a statement per row) at 100,000 people.

    python bench/list_pages.py sqlite:///bench/data/phb-1000s.sqlite3 sqlite:///bench/data/phb-100000s.sqlite3
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from litestar.testing import TestClient
from static_app import _login

from phb.config import Settings
from phb.web.app import create_app

PASSWORD = "bench-password-2026"  # noqa: S105 - benchmark data only
PAGES = [
    ("bench-sam", "/decisions"),
    ("bench-sam", "/appeals"),
    ("bench-sam", "/appeals/report"),
    ("bench-sam", "/reviews"),
    ("bench-sam", "/reports/pcsp"),
    ("bench-sam", "/reports/phb-return"),
    ("bench-cm-1", "/reviews"),
    ("bench-cm-1", "/decisions"),
    ("bench-dana", "/findings"),
    ("bench-dana", "/findings?sort=amount"),
    ("bench-dana", "/findings?sort=raised"),
    ("bench-sam", "/api/v1/appeals"),
    ("bench-sam", "/api/v1/decisions"),
    ("bench-dana", "/api/v1/findings"),
    ("bench-sam", "/api/v1/people"),
]


def main(urls: list[str]) -> None:
    logging.disable(logging.INFO)
    for url in urls:
        settings = Settings(database_url=url, log_level="WARNING", freeze_heap=False)
        with TestClient(create_app(settings), base_url="https://127.0.0.1") as client:
            print(url)
            for user, path in PAGES:
                client.cookies.clear()
                _login(client, user, PASSWORD)
                start = time.perf_counter()
                response = client.get(path)
                took = (time.perf_counter() - start) * 1000
                size = len(response.content) / 1024
                print(f"  {user:<11} {path:<28} {response.status_code} {size:>9,.0f} KB {took:>9,.0f} ms")


if __name__ == "__main__":
    main(sys.argv[1:])
