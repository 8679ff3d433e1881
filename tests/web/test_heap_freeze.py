"""A served app freezes its startup heap, so full garbage collections skip the objects that live as long as it.

Without it a request that happens to trigger a full collection waits for a walk of the whole app (the budget
page's p99 was 6 times its median at one connection; docs/performance.md).
"""

import gc

from litestar.testing import TestClient

from phb.web.app import create_app


def test_a_served_app_freezes_what_startup_built_and_tests_can_opt_out(settings, session_factory):
    gc.unfreeze()
    try:
        with TestClient(create_app(settings, session_factory)):
            assert gc.get_freeze_count() == 0  # the tests' own settings leave the heap alone
        frozen = settings.model_copy(update={"freeze_heap": True})
        with TestClient(create_app(frozen, session_factory), base_url="https://testserver.local") as client:
            assert gc.get_freeze_count() > 10_000  # modules, templates, metadata: the app itself
            assert client.get("/healthz").status_code == 200
    finally:
        gc.unfreeze()
