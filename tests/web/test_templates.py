"""Templates rendered straight from the Jinja environment, without the app.

They check what the Content Security Policy and WCAG need from every page (no inline script or style, error
summary links that land on their fields), that user text is escaped, and the UK formats of money and dates.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from jinja2 import Environment
from jinja2_fragments import render_block
from moneyed import Money

from phb.money import MoneyError
from phb.web.templating import UK_TIME, create_environment, date_uk, datetime_uk, money

XSS = "<script>alert(1)</script>"


@dataclass
class FakeUser:
    display_name: str
    roles: list[str] = field(default_factory=lambda: ["case_coordinator"])
    is_staff: bool = True


class PageParser(HTMLParser):
    """Collects what the tests look at: element ids, links, script tags and inline styles or handlers."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.scripts: list[dict[str, str | None]] = []
        self.inline_handlers: list[tuple[str, str]] = []
        self.style_elements = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(str(attributes["id"]))
        if tag == "a" and attributes.get("href"):
            self.hrefs.append(str(attributes["href"]))
        if tag == "script":
            self.scripts.append(attributes)
        if tag == "style":
            self.style_elements += 1
        self.inline_handlers += [(tag, name) for name in attributes if name == "style" or name.startswith("on")]


def parse(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def env() -> Environment:
    return create_environment()


FORM_PAGE = """
{% extends "layout.html" %}
{% block title %}Form{% endblock %}
{% block content %}
  {% from "_macros/forms.html" import error_summary, text_field, textarea_field, date_field, select_field,
     radios_field, checkbox_field, submit_button, csrf_input %}
  {{ error_summary(errors) }}
  <form method="post" novalidate>
    {{ csrf_input(csrf_token) }}
    {{ text_field("title", "Title", value, errors) }}
    {{ textarea_field("notes", "Notes", value, errors) }}
    {{ date_field("start_date", "Start date", none, errors) }}
    {{ select_field("kind", "Kind", [("a", "Alpha"), ("b", value)], "b", errors) }}
    {{ radios_field("decision", "Decision", [("yes", "Yes"), ("no", "No")], "no", errors) }}
    {{ checkbox_field("agree", "I agree", false, errors) }}
    {{ submit_button("Save") }}
  </form>
{% endblock %}
"""

FORM_ERRORS = {
    "title": "Enter a title",
    "notes": "Notes must be 500 characters or fewer",
    "start_date": "Enter a start date",
    "kind": "Select a kind",
    "decision": "Select yes or no",
    "agree": "Confirm you agree",
}


def render_form_page(env: Environment, errors: dict[str, str], value: str = "") -> str:
    return env.from_string(FORM_PAGE).render(errors=errors, value=value, csrf_token="token-123")


def all_pages(env: Environment) -> dict[str, str]:
    pages = {
        "login": env.get_template("auth/login.html").render(
            form={"username": "ann"}, errors={"password": "Enter your password"}, csrf_token="t", next_url="/people"
        ),
        "form": render_form_page(env, FORM_ERRORS, value="x"),
        "signed in staff": env.get_template("errors/error.html").render(
            status_code=404, title="", message="", csrf_token="t", current_user=FakeUser("Ann Example")
        ),
    }
    for status in (400, 403, 404, 422, 500):
        pages[f"error {status}"] = env.get_template("errors/error.html").render(
            status_code=status, title="", message="Something happened.", csrf_token="t"
        )
    return pages


def test_error_summary_links_each_message_to_its_field(env: Environment) -> None:
    page = parse(render_form_page(env, FORM_ERRORS))

    for name in FORM_ERRORS:
        assert f"#{name}" in page.hrefs
        assert name in page.ids, f"no element with id {name!r} for the error summary link"


def test_error_summary_is_titled_there_is_a_problem(env: Environment) -> None:
    html = render_form_page(env, {"title": "Enter a title"})

    assert "There is a problem" in html
    assert html.count('class="nhsuk-error-summary"') == 1
    assert 'aria-describedby="title-error"' in html


def test_no_error_summary_without_errors(env: Environment) -> None:
    html = render_form_page(env, {})

    assert "nhsuk-error-summary" not in html
    assert "nhsuk-form-group--error" not in html


def test_login_page_posts_credentials_with_csrf_token_and_next(env: Environment) -> None:
    html = env.get_template("auth/login.html").render(
        form={"username": "ann"}, errors={}, csrf_token="tok-1", next_url="/people/7"
    )

    assert '<form method="post" action="/login"' in html
    assert '<input type="hidden" name="_csrf_token" value="tok-1">' in html
    assert '<input type="hidden" name="next" value="/people/7">' in html
    assert 'type="password"' in html
    assert 'autocomplete="current-password"' in html
    assert 'value="ann"' in html


@pytest.mark.parametrize(
    ("status", "heading"),
    [
        (400, "There is a problem with what you sent"),
        (403, "You do not have permission to see this page"),
        (404, "Page not found"),
        (422, "There is a problem with what you sent"),
        (500, "Sorry, there is a problem with the service"),
    ],
)
def test_error_page_renders_without_user_or_token(env: Environment, status: int, heading: str) -> None:
    html = env.get_template("errors/error.html").render(status_code=status, title="", message="")

    assert f"<h1>{heading}</h1>" in html
    assert f"<title>{heading} – Personal health budgets – NHS</title>" in html
    assert "Sign out" not in html


def test_signed_in_staff_see_navigation_and_a_sign_out_form(env: Environment) -> None:
    html = env.get_template("errors/error.html").render(
        status_code=404,
        title="",
        message="",
        csrf_token="tok-9",
        current_user=FakeUser("Ann Example"),
        nav_links=[("Caseload", "/"), ("Decisions", "/decisions")],
    )

    assert 'href="/decisions"' in html
    assert "Caseload" in html
    assert 'href="/account"' in html
    assert '<form class="nhsuk-header__account-form" method="post" action="/logout"' in html
    assert '<input type="hidden" name="_csrf_token" value="tok-9">' in html


def test_body_sends_csrf_token_to_htmx_as_json(env: Environment) -> None:
    html = env.get_template("errors/error.html").render(status_code=404, title="", message="", csrf_token="a'b\"<c>")

    # The token lands inside a single-quoted attribute: quotes and angle brackets must not break out of it.
    assert """hx-headers='{"X-CSRF-Token": "a\\u0027b\\"\\u003cc\\u003e"}'""" in html
    assert 'hx-history="false"' in html


@pytest.mark.parametrize("name", ["login", "form", "signed in staff", "error 404", "error 500"])
def test_pages_have_no_inline_scripts_or_styles(env: Environment, name: str) -> None:
    page = parse(all_pages(env)[name])

    assert page.scripts, "the layout loads its scripts"
    assert all(script.get("src") for script in page.scripts), "a <script> without src is blocked by the CSP"
    assert page.style_elements == 0
    assert page.inline_handlers == []


def test_user_text_is_escaped_in_field_values(env: Environment) -> None:
    html = render_form_page(env, FORM_ERRORS, value=XSS)

    assert XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_user_text_is_escaped_on_the_login_page(env: Environment) -> None:
    html = env.get_template("auth/login.html").render(
        form={"username": XSS}, errors={"username": XSS}, csrf_token="t", next_url=XSS
    )

    assert XSS not in html


def test_content_block_renders_alone_for_htmx(env: Environment) -> None:
    html = render_block(
        env, "auth/login.html", "content", form={}, errors={"username": "Enter your username"}, csrf_token="t"
    )

    assert "<html" not in html
    assert 'href="#username"' in html
    assert 'id="username"' in html


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("1234.56", "£1,234.56"),
        ("0.01", "£0.01"),
        ("0.10", "£0.10"),
        ("0", "£0.00"),
        ("-12", "−£12.00"),
        ("-0.05", "−£0.05"),
        ("1234567.89", "£1,234,567.89"),
    ],
)
def test_money_filter_formats_exact_pounds_and_pence(env: Environment, amount: str, expected: str) -> None:
    value = Money(Decimal(amount), "GBP")

    assert money(value) == expected
    assert env.from_string("{{ value|money }}").render(value=value) == expected


def test_money_filter_shows_nothing_for_none(env: Environment) -> None:
    assert env.from_string("{{ value|money }}").render(value=None) == ""


def test_money_filter_refuses_what_it_would_have_to_round() -> None:
    with pytest.raises(TypeError):
        money(12.5)  # type: ignore[arg-type]
    with pytest.raises(MoneyError):
        money(Money(Decimal("1.005"), "GBP"))
    with pytest.raises(MoneyError):
        money(Money(Decimal("1.00"), "EUR"))


def test_dates_in_uk_style(env: Environment) -> None:
    assert date_uk(dt.date(2026, 11, 23)) == "23 November 2026"
    assert date_uk(dt.date(2026, 1, 5)) == "5 January 2026"
    assert datetime_uk(dt.datetime(2026, 11, 23, 14, 5, tzinfo=UK_TIME)) == "23 November 2026 at 14:05"
    assert date_uk(None) == ""
    assert datetime_uk(None) == ""
    assert env.from_string("{{ d|date_uk }}").render(d=dt.date(2026, 11, 23)) == "23 November 2026"


def test_aware_datetimes_are_shown_in_uk_time() -> None:
    summer = dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.UTC)

    assert datetime_uk(summer) == "2 July 2026 at 00:30"
    assert date_uk(summer) == "2 July 2026"


def test_htmx_config_is_valid_json_and_csp_safe(env: Environment) -> None:
    html = env.get_template("errors/error.html").render(status_code=404, title="", message="", csrf_token="t")
    content = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", html)

    assert content is not None
    config = json.loads(content.group(1))
    assert config["includeIndicatorStyles"] is False
    assert config["allowEval"] is False
    assert config["historyCacheSize"] == 0
    assert {"code": "409|422", "swap": True} in config["responseHandling"]


def test_fields_with_no_value_start_empty_not_with_the_word_none(env: Environment) -> None:
    html = env.from_string(FORM_PAGE).render(errors={}, value=None, csrf_token="token-123")
    assert re.search(r'<textarea[^>]*name="notes"[^>]*></textarea>', html)
    assert 'value="None"' not in html
    assert ">None</textarea>" not in html
