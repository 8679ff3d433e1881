"""The Jinja environment behind every HTML page: our templates, the NHS.UK components and the UK formats.

Pages extend ``layout.html`` (our own skeleton, not ``nhsuk/template.jinja``, whose inline script our Content
Security Policy forbids) and use the component macros that ``nhsuk-frontend-jinja`` ships. The environment stays
synchronous with autoescape on, because jinja2-fragments renders single blocks from it for HTMX requests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

from jinja2 import ChainableUndefined, ChoiceLoader, Environment, FileSystemLoader, PackageLoader, Undefined
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template import TemplateConfig
from markupsafe import Markup
from moneyed import Money

from phb.clock import ENGLAND
from phb.money import format_gbp, to_pence

__all__ = ["TEMPLATE_DIR", "UK_TIME", "create_environment", "create_template_config", "date_uk", "datetime_uk", "money"]

TEMPLATE_DIR = Path(__file__).parent / "templates"

# People read times in England's civil time; an aware datetime (UTC from the database) is shown in it.
UK_TIME = ENGLAND

# Spelled out rather than strftime("%B"), which follows the process locale.
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def money(value: Money | None) -> str:
    """Format GBP money for people: '£1,234.56', '−£12.00' with a real minus sign, '' for ``None``.

    Refuses floats, other currencies and fractions of a penny instead of rounding them: a page must never
    show an amount that differs from the one stored.
    """
    if value is None:
        return ""
    if not isinstance(value, Money):
        raise TypeError(f"the money filter takes moneyed.Money, not {type(value).__name__}")
    to_pence(value)  # raises MoneyError on another currency or a sub-penny amount
    return format_gbp(value)


def _uk_local(value: dt.date) -> dt.date:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(UK_TIME)
    return value


def date_uk(value: dt.date | None) -> str:
    """'23 November 2026' (GOV.UK and NHS.UK date style); aware datetimes are shown in UK time."""
    if value is None:
        return ""
    local = _uk_local(value)
    return f"{local.day} {_MONTHS[local.month - 1]} {local.year}"


def datetime_uk(value: dt.datetime | None) -> str:
    """'23 November 2026 at 14:05' in UK time (naive datetimes are taken as UK time already)."""
    if value is None:
        return ""
    local = _uk_local(value)
    if not isinstance(local, dt.datetime):  # a plain date has no time to show
        return date_uk(local)
    return f"{date_uk(local)} at {local:%H:%M}"


# The NHS.UK components the templates call through ``nhsuk_component``: name -> (macro file, macro name).
NHSUK_COMPONENTS = {
    "button": ("nhsuk/components/button/macro.jinja", "button"),
    "checkboxes": ("nhsuk/components/checkboxes/macro.jinja", "checkboxes"),
    "errorSummary": ("nhsuk/components/error-summary/macro.jinja", "errorSummary"),
    "footer": ("nhsuk/components/footer/macro.jinja", "footer"),
    "header": ("nhsuk/components/header/macro.jinja", "header"),
    "input": ("nhsuk/components/input/macro.jinja", "input"),
    "pagination": ("nhsuk/components/pagination/macro.jinja", "pagination"),
    "passwordInput": ("nhsuk/components/password-input/macro.jinja", "passwordInput"),
    "radios": ("nhsuk/components/radios/macro.jinja", "radios"),
    "select": ("nhsuk/components/select/macro.jinja", "select"),
    "skipLink": ("nhsuk/components/skip-link/macro.jinja", "skipLink"),
    "textarea": ("nhsuk/components/textarea/macro.jinja", "textarea"),
}
_UNCACHEABLE = object()


def _freeze(value: Any) -> Hashable:  # noqa: ANN401 - any template value
    """A hashable key for component parameters; ``_UNCACHEABLE`` if a value cannot be one.

    Markup (already-escaped HTML) and plain text that read the same render differently, so the key keeps the type.
    """
    if isinstance(value, Markup):
        return ("markup", str(value))
    if isinstance(value, dict):
        items = tuple((key, _freeze(item)) for key, item in value.items())
        return _UNCACHEABLE if any(item is _UNCACHEABLE for _, item in items) else ("dict", items)
    if isinstance(value, list | tuple):
        frozen = tuple(_freeze(item) for item in value)
        return _UNCACHEABLE if any(item is _UNCACHEABLE for item in frozen) else ("list", frozen)
    if isinstance(value, Undefined):
        return ("undefined",)
    if value is None or isinstance(value, str | int | float | bool | dt.date):
        return (type(value).__name__, value)
    return _UNCACHEABLE


class ComponentCache:
    """NHS.UK components (form fields, and the page's skip link, header and footer) rendered once per parameters.

    Each component of nhsuk-frontend-jinja is several included templates (label, hint, error message,
    attributes...), so one form field costs a few milliseconds to render, and the budget page has twenty of them:
    profiling showed them taking 60% of the page's rendering (docs/performance.md). A component's HTML depends
    only on its parameters (it sees no page context), so it is kept and reused when the same parameters come
    again: an empty form's fields hit every time. The memory is bounded (``max_entries``, then it starts afresh),
    and HTML is only ever served for exactly the parameters it was rendered from.
    """

    def __init__(self, env: Environment, max_entries: int = 4096) -> None:
        self.env = env
        self.max_entries = max_entries
        self.html: dict[Hashable, Markup] = {}

    def __call__(self, name: str) -> Callable[..., Markup]:
        """The component ``name`` as a callable taking its ``params`` dict, like the NHS.UK macro."""
        path, macro_name = NHSUK_COMPONENTS[name]

        def render(params: dict[str, Any] | None = None) -> Markup:
            # A macro called with autoescape on returns Markup already: nothing is marked safe here.
            macro = getattr(self.env.get_template(path).module, macro_name)
            key = _freeze(params or {})
            if key is _UNCACHEABLE:
                return macro(params or {})  # type: ignore[no-any-return]
            key = (name, key)
            html = self.html.get(key)
            if html is None:
                if len(self.html) >= self.max_entries:
                    self.html.clear()
                html = self.html[key] = macro(params or {})
            return html

        return render


def create_environment() -> Environment:
    """Build the Jinja environment: our templates first, then the ``nhsuk/...`` component templates."""
    env = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(TEMPLATE_DIR),
                PackageLoader("nhsuk_frontend_jinja", "templates"),
            ]
        ),
        autoescape=True,
        # nhsuk-frontend-jinja reads optional nested parameters (params.label.text) and needs this to do so.
        undefined=ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates ship with the code: checking every included file's modification time on each render cost
        # about a tenth of the budget page's rendering. Restart the server after editing a template.
        auto_reload=False,
    )
    env.filters["money"] = money
    env.filters["date_uk"] = date_uk
    env.filters["datetime_uk"] = datetime_uk
    env.globals["nhsuk_component"] = ComponentCache(env)
    return env


def create_template_config() -> TemplateConfig[JinjaTemplateEngine]:
    """Template config for ``Litestar(template_config=...)``.

    ``JinjaTemplateEngine`` registers the ``csrf_token()``, ``url_for()`` and ``url_for_static_asset()`` globals on
    the environment; a ``csrf_token`` string passed in a page's context shadows the callable of the same name.
    """
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(create_environment()))
