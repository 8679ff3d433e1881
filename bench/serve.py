"""Serve a benchmark app with exactly the uvicorn settings of ``phb serve`` (``python bench/serve.py hello 8101``).

``hello`` is :mod:`hello_app`, ``static`` is :mod:`static_app`, ``phb`` is the real application (the same as
``phb serve``, which calls ``uvicorn.run`` with these arguments).
"""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn

TARGETS = {"hello": "hello_app:create_app", "static": "static_app:create_app", "phb": "phb.web.app:create_app"}


def main() -> None:
    name, port = sys.argv[1], int(sys.argv[2])
    uvicorn.run(
        TARGETS[name],
        factory=True,
        host="127.0.0.1",
        port=port,
        workers=1,
        proxy_headers=True,
        server_header=False,
        log_config=None,
        app_dir=str(Path(__file__).parent),
    )


if __name__ == "__main__":
    main()
