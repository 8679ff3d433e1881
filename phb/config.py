"""Settings read from environment variables prefixed ``PHB_``.

Every knob an operator may turn lives here, with the safe value as the default: secure cookies on, short
sessions, throttled logins. ``get_settings()`` is cached; tests build their own ``Settings`` instead.
"""

from __future__ import annotations

import ipaddress
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _default_database_url() -> str:
    """A SQLite file under ./var in a checkout: a newcomer needs nothing else installed."""
    return f"sqlite:///{PROJECT_ROOT / 'var' / 'phb.sqlite3'}"


class Settings(BaseSettings):
    """Runtime configuration. Field names map to ``PHB_<NAME>`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="PHB_", extra="ignore")

    database_url: str = Field(default_factory=_default_database_url)
    # Sessions are stored server-side; the secret only signs nothing sensitive, but CSRF tokens are
    # derived from it, so an operator running several processes must set the same value in each.
    secret_key: str = Field(default_factory=lambda: secrets.token_urlsafe(32))
    debug: bool = False
    log_format: str = "console"  # "json" in production
    log_level: str = "INFO"

    # ASVS 4.0.3 V3.3.2 / NIST 800-63B AAL2: 30 minutes idle, 12 hours absolute.
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    # Browsers accept Secure cookies on http://127.0.0.1 and localhost, so this stays on by default.
    cookie_secure: bool = True

    # Progressive sign-in delays (phb.accounts.services.login_wait), never a hard lock: after this many failures
    # at one account the wait doubles from 1 second with each further failure ...
    login_max_failures: int = 5
    login_lockout_minutes: int = 15  # ... up to this long from the address that failed ...
    login_account_max_delay_seconds: int = 30  # ... and up to this long from anywhere else
    login_failure_window_minutes: int = 60  # failures older than this are forgotten
    login_ip_max_failures: int = 20  # failures from one address, whatever the account, before its waits start
    login_ip_window_minutes: int = 15

    # Addresses (or networks, CIDR) of reverse proxies whose X-Forwarded-For may be believed, comma-separated.
    # None by default: otherwise anyone could choose the address their sign-in attempts are counted against.
    trusted_proxies: str = ""

    assets_dir: Path = PROJECT_ROOT / "node_modules"
    # Move everything built at startup (modules, templates, SQLAlchemy's metadata) out of the garbage collector's
    # sight once the server starts: its full collections then scan only what requests make. At one connection this
    # cut the budget page's p99 from 160 ms to 27 ms (docs/performance.md). Tests, which build hundreds of apps
    # in one process, turn it off.
    freeze_heap: bool = True

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: str) -> str:
        for item in _split(value):
            ipaddress.ip_network(item, strict=False)  # a ValueError names the bad entry at start-up
        return value

    @property
    def trusted_proxy_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        """``trusted_proxies`` parsed."""
        return tuple(ipaddress.ip_network(item, strict=False) for item in _split(self.trusted_proxies))

    @property
    def session_cookie(self) -> str:
        """``__Host-`` cookies must be Secure, host-only and path=/; plain names when Secure is off."""
        return "__Host-phb_session" if self.cookie_secure else "phb_session"

    @property
    def csrf_cookie(self) -> str:
        """Cookie carrying the CSRF secret (double-submit, compared in constant time)."""
        return "__Host-phb_csrf" if self.cookie_secure else "phb_csrf"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
