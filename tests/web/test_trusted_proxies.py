"""X-Forwarded-For is believed only from the proxies in PHB_TRUSTED_PROXIES (none by default): by `phb serve`
and by the sign-in throttle, so nobody chooses the address their guesses are counted against."""

import pytest
from click.testing import CliRunner
from freezegun import freeze_time
from litestar import Request

from phb import cli
from phb.config import Settings, get_settings
from phb.web.security import client_address
from tests.web.helpers import login


def _request(peer, forwarded=None):
    headers = [(b"x-forwarded-for", value.encode()) for value in ([forwarded] if forwarded else [])]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers, "client": (peer, 5000)})


@pytest.mark.parametrize(
    ("trusted", "peer", "forwarded", "counted"),
    [
        ("", "127.0.0.1", "198.51.100.7", "127.0.0.1"),  # none by default, not even localhost
        ("", "203.0.113.5", "198.51.100.7", "203.0.113.5"),
        ("10.0.0.0/8", "203.0.113.5", "198.51.100.7", "203.0.113.5"),  # not from a trusted proxy
        ("10.0.0.0/8", "10.1.2.3", "198.51.100.7", "198.51.100.7"),
        ("10.0.0.0/8", "10.1.2.3", "1.2.3.4, 198.51.100.7, 10.9.9.9", "198.51.100.7"),  # the client wrote 1.2.3.4
        ("10.0.0.0/8, 192.0.2.1", "192.0.2.1", "198.51.100.7", "198.51.100.7"),
        ("10.0.0.0/8", "10.1.2.3", None, "10.1.2.3"),
    ],
)
def test_the_address_counted(trusted, peer, forwarded, counted):
    settings = Settings(secret_key="x", trusted_proxies=trusted)
    assert client_address(_request(peer, forwarded), settings) == counted


def test_a_typo_in_the_trusted_proxies_stops_start_up():
    with pytest.raises(ValueError, match=r"10\.0\.0\.300"):
        Settings(secret_key="x", trusted_proxies="10.0.0.300")


@pytest.mark.parametrize(
    ("trusted", "proxy_headers", "allowed"), [("", False, None), ("10.0.0.1, 10.0.0.2", True, "10.0.0.1,10.0.0.2")]
)
def test_phb_serve_believes_proxy_headers_only_from_trusted_proxies(
    monkeypatch, tmp_path, trusted, proxy_headers, allowed
):
    from phb import migrate  # noqa: PLC0415

    url = f"sqlite:///{tmp_path / 'phb.sqlite3'}"
    migrate.upgrade(url)  # phb serve starts only on a migrated database
    monkeypatch.setenv("PHB_DATABASE_URL", url)
    calls = []
    monkeypatch.setattr("uvicorn.run", lambda *_args, **kwargs: calls.append(kwargs))
    monkeypatch.setenv("PHB_TRUSTED_PROXIES", trusted)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli.main, ["serve"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert calls[0]["proxy_headers"] is proxy_headers
    assert calls[0].get("forwarded_allow_ips") == allowed


def test_a_forged_forwarded_for_does_not_escape_the_address_throttle(client, db):
    with freeze_time("2026-12-01 09:00"):
        for n in range(20):
            login_with = {"X-Forwarded-For": f"198.51.100.{n}"}
            client.headers.update(login_with)
            login(client, f"user{n}", "a wrong password")
        client.headers.update({"X-Forwarded-For": "198.51.100.99"})
        assert login(client, "someone", "a wrong password").status_code == 429
