"""End-to-end journeys for each user group, in Chromium against the live demo server.

Each journey runs with JavaScript (htmx swaps), without it (plain forms and redirects), and the case manager's
and the person's journeys also by keyboard alone: Tab to move, typing, Enter and Space to act, never a click.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from phb.demo import DEMO_PASSWORD
from tests.browser.conftest import ARTIFACTS, person_account, sign_in

LEON = "9990000069"
# The person's journey changes their record (a review is asked for), so each way of doing it uses its own person.
PEOPLE = {"js": ("9990000018", "margaret"), "nojs": ("9990000026", "james"), "keyboard": ("9990000050", "elsie")}


@pytest.fixture
def open_page(browser: Any, live_server: str) -> Iterator[Any]:
    """Open a signed-in page: ``open_page(username, js=True, keyboard=False)``."""
    contexts: list[Any] = []

    def opener(username: str, *, js: bool = True, keyboard: bool = False, **options: Any) -> Any:
        context = browser.new_context(java_script_enabled=js, **options)
        contexts.append(context)
        page = context.new_page()
        if keyboard:
            keyboard_sign_in(page, live_server, username)
        else:
            sign_in(page, live_server, username)
        return page

    yield opener
    for context in contexts:
        context.close()


# -- keyboard helpers ---------------------------------------------------------------------------------------------


def tab_to(page: Any, selector: str, limit: int = 400) -> None:
    """Press Tab until the element matching ``selector`` has focus, as a keyboard user moves through a page."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"Tab never reached {selector} on {page.url}")


def type_into(page: Any, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def choose(page: Any, selector: str, value: str) -> None:
    """Pick an option of a focused <select> with the arrow keys until its value is ``value``."""
    tab_to(page, selector)
    for _ in range(30):
        if page.evaluate("s => document.querySelector(s).value", selector) == value:
            return
        page.keyboard.press("ArrowDown")
    pytest.fail(f"{selector} has no option {value}")


def keyboard_sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    type_into(page, "input[name=username]", username)
    type_into(page, "input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state()


def follow_link(page: Any, text: str) -> None:
    """Tab to a link by its words and press Enter."""
    for _ in range(400):
        page.keyboard.press("Tab")
        if page.evaluate(
            "t => document.activeElement?.tagName === 'A' && document.activeElement.innerText.trim() === t", text
        ):
            break
    else:
        pytest.fail(f"Tab never reached the link {text!r} on {page.url}")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def focus_in_error_summary(page: Any) -> bool:
    return bool(page.evaluate("() => !!document.activeElement?.closest('.nhsuk-error-summary')"))


# -- (a) case manager agrees a budget ----------------------------------------------------------------------------


def _leon_budget(live_server: str) -> str:
    return f"{live_server}/people/{person_account_id(LEON)}/budget"


def person_account_id(nhs_number: str) -> int:
    import os  # noqa: PLC0415

    from sqlalchemy import create_engine, select  # noqa: PLC0415

    from phb.people.models import Person  # noqa: PLC0415

    engine = create_engine(os.environ["PHB_BROWSER_DB"])
    with engine.connect() as conn:
        found = conn.execute(select(Person.id).where(Person.nhs_number == nhs_number)).scalar_one()
    engine.dispose()
    return int(found)


def _total(page: Any) -> str:
    return str(page.locator("#sheet-annual-total").inner_text()).strip()


@pytest.mark.parametrize("js", [True, False], ids=["with-js", "without-js"])
def test_case_manager_adds_a_budget_sheet_line_and_the_totals_update(open_page: Any, live_server: Any, js: Any) -> None:
    page = open_page("casey", js=js)
    page.goto(_leon_budget(live_server))
    before = _total(page)
    description = f"Swimming sessions ({'htmx' if js else 'form'})"
    form = page.locator("form[action$='/sheet/lines']")
    form.get_by_label("What it buys").fill(description)
    form.get_by_label("Category").select_option("therapy")
    form.get_by_label("Unit cost in pounds").fill("12.50")
    form.get_by_label("Quantity (hours, nights, items)").fill("2")
    form.get_by_label("How often").select_option("weekly")
    form.get_by_label("How it is managed").select_option("direct_payment")
    form.get_by_role("button", name="Add the line").click()
    page.wait_for_load_state()
    page.locator("#budget-sheet").get_by_text(description).first.wait_for()
    assert _total(page) != before, "the annual total did not change after adding a line"


def test_case_manager_adds_a_line_by_keyboard_alone(open_page: Any, live_server: Any) -> None:
    page = open_page("casey", keyboard=True)
    page.goto(_leon_budget(live_server))
    before = _total(page)
    type_into(page, "form[action$='/sheet/lines'] [name=description]", "Hydrotherapy by keyboard")
    choose(page, "form[action$='/sheet/lines'] [name=category]", "therapy")
    type_into(page, "form[action$='/sheet/lines'] [name=unit_cost]", "30")
    type_into(page, "form[action$='/sheet/lines'] [name=quantity]", "1")
    choose(page, "form[action$='/sheet/lines'] [name=frequency]", "monthly")
    choose(page, "form[action$='/sheet/lines'] [name=management_option]", "direct_payment")
    tab_to(page, "form[action$='/sheet/lines'] button[type=submit]")
    page.keyboard.press("Enter")
    page.locator("#budget-sheet").get_by_text("Hydrotherapy by keyboard").first.wait_for()
    assert _total(page) != before


def test_a_failed_budget_line_moves_focus_to_the_error_summary(open_page: Any, live_server: Any) -> None:
    page = open_page("casey")
    page.goto(_leon_budget(live_server))
    form = page.locator("form[action$='/sheet/lines']")
    form.get_by_role("button", name="Add the line").click()
    page.locator("#budget-sheet .nhsuk-error-summary").wait_for()
    page.wait_for_function("() => !!document.activeElement?.closest('.nhsuk-error-summary')")
    assert focus_in_error_summary(page)


# -- (b) direct payments officer works a finding ------------------------------------------------------------------


@pytest.mark.parametrize(("js", "finding"), [(True, 4), (False, 5)], ids=["with-js", "without-js"])
def test_direct_payments_officer_works_a_finding_to_a_resolution(
    open_page: Any, live_server: Any, js: Any, finding: Any
) -> None:
    page = open_page("dana", js=js)
    page.goto(f"{live_server}/findings")
    page.locator(f"a[href='/findings/{finding}']").click()
    page.wait_for_url(re.compile(rf"/findings/{finding}$"))
    page.get_by_label("What you asked them").fill("What was this payment for?")
    page.get_by_role("button", name="Record the question").click()
    page.wait_for_load_state()
    page.get_by_label("What they told you").fill("A replacement wheelchair cushion, agreed by phone")
    page.get_by_role("button", name="Record the explanation").click()
    page.wait_for_load_state()
    page.get_by_label("Accepted", exact=True).check()
    page.get_by_label("Reasons").fill("Meets the mobility outcome in the plan")
    page.get_by_role("button", name="Resolve finding").click()
    page.wait_for_load_state()
    main = page.locator("main")
    main.get_by_text("Meets the mobility outcome in the plan").first.wait_for()
    assert main.get_by_role("button", name="Resolve finding").count() == 0  # nothing left to do


# -- (c) panel chair records a decision --------------------------------------------------------------------------


def test_panel_chair_records_a_panel_decision_without_and_with_javascript(open_page: Any, live_server: Any) -> None:
    # Without JavaScript: a third member's attendance, recorded by the chair with the reason, makes the meeting
    # quorate (pat and pete confirmed their own in the demo; sam referred the case, so does not count to it).
    plain = open_page("pat", js=False)
    plain.goto(f"{live_server}/panels")
    plain.locator("main a[href^='/panels/']").first.click()
    plain.wait_for_load_state()
    meeting = plain.url
    plain.get_by_label("Member", exact=True).select_option(label="Cora Lindqvist, chc commissioner")
    plain.get_by_label("Attended (you record it for them, with the reason)").check()
    plain.get_by_label("Why you are recording their attendance for them").fill("Joined by phone")
    plain.get_by_role("button", name="Record attendance").click()
    plain.wait_for_load_state()
    assert plain.locator("main").get_by_text("Attended (recorded by Pat Adeyemi: Joined by phone)").count() >= 1

    # With JavaScript: a decision without its reasons is refused with the error summary focused, then recorded.
    page = open_page("pat")
    page.goto(meeting)
    decision = page.locator("form[action*='/decision']").first
    decision.get_by_role("button", name="Record the panel's decision").click()
    page.locator(".nhsuk-error-summary").first.wait_for()
    page.wait_for_function("() => !!document.activeElement?.closest('.nhsuk-error-summary')")
    assert focus_in_error_summary(page)
    decision = page.locator("form[action*='/decision']").first
    decision.get_by_label("Approved with conditions").check()
    decision.get_by_label("Information considered").fill("Risk discussion; lifeguard rota; Leon's statement")
    decision.get_by_label("Reasons").fill("Leon understands the risk and lifeguards are on duty")
    decision.get_by_label("Conditions", exact=True).fill("Swim only when a lifeguard is on duty")
    decision.get_by_label("Review date").fill("2027-05-01")
    decision.get_by_label("Who tells the person").select_option(label="Casey Morgan")
    decision.get_by_role("button", name="Record the panel's decision").click()
    page.wait_for_load_state()
    page.locator("main").get_by_text("Swim only when a lifeguard is on duty").first.wait_for()


# -- (d) the person reads their budget sheet and asks for a review ------------------------------------------------


def _home_to_budget_by_clicks(page: Any, live_server: str) -> None:
    """From signing in, at most three clicks find what is left this year: sign in -> /my (home) -> budget."""
    assert re.search(r"/my/\d+$", page.url), f"signing in should land on the person's home page, not {page.url}"
    page.get_by_role("link", name="Budget and budget sheet").click()
    page.wait_for_load_state()
    del live_server


@pytest.mark.parametrize("js", [True, False], ids=["with-js", "without-js"])
def test_the_person_reads_their_budget_and_asks_for_a_review(open_page: Any, live_server: Any, js: Any) -> None:
    nhs_number, username = PEOPLE["js" if js else "nojs"]
    person_id = person_account(nhs_number, username)
    page = open_page(username, js=js)
    _home_to_budget_by_clicks(page, live_server)
    left = page.locator("#left-this-year")
    assert "Left to spend this year" in left.inner_text()
    assert re.search(r"£[\d,]+\.\d\d", left.inner_text())
    assert page.locator("#by-line tbody tr").count() >= 1

    page.get_by_role("link", name="Ask for a review").click()
    page.wait_for_url(f"{live_server}/my/{person_id}/reviews")
    page.get_by_role("button", name="Ask for a review").click()
    page.locator(".nhsuk-error-summary").wait_for()
    assert "Tell us why you want a review" in page.locator(".nhsuk-error-summary").inner_text()
    if js:
        page.wait_for_function("() => !!document.activeElement?.closest('.nhsuk-error-summary')")
    page.get_by_label("Why do you want a review?").fill("My carer is leaving next month")
    page.get_by_role("button", name="Ask for a review").click()
    page.locator("#review-asked").wait_for()
    assert "My carer is leaving next month" in page.locator("#review-asked").inner_text()
    if js:
        # The htmx swap says what happened in the polite live region, for screen reader users.
        page.wait_for_function("() => document.getElementById('phb-live').textContent.includes('asked for a review')")
        assert page.locator("#phb-live").get_attribute("aria-live") == "polite"


def test_the_person_journey_by_keyboard_alone(open_page: Any, live_server: Any) -> None:
    nhs_number, username = PEOPLE["keyboard"]
    person_account(nhs_number, username)
    page = open_page(username, keyboard=True)
    assert re.search(r"/my/\d+$", page.url)
    follow_link(page, "Budget and budget sheet")
    assert "Left to spend this year" in page.locator("#left-this-year").inner_text()
    follow_link(page, "Ask for a review")
    tab_to(page, "#my-review-request button[type=submit]")
    page.keyboard.press("Space")  # a failed form: focus goes to the error summary
    page.locator(".nhsuk-error-summary").wait_for()
    page.wait_for_function("() => !!document.activeElement?.closest('.nhsuk-error-summary')")
    type_into(page, "textarea[name=request_reason]", "I have moved house")
    tab_to(page, "#my-review-request button[type=submit]")
    page.keyboard.press("Enter")
    page.locator("#review-asked").wait_for()
    page.wait_for_function("() => document.getElementById('phb-live').textContent.includes('asked for a review')")


def test_screenshots_of_the_persons_budget_page(open_page: Any, live_server: Any) -> None:
    nhs_number, username = PEOPLE["js"]
    person_id = person_account(nhs_number, username)
    ARTIFACTS.mkdir(exist_ok=True)
    for name, size in {"desktop": (1280, 900), "mobile": (390, 844)}.items():
        page = open_page(username, viewport={"width": size[0], "height": size[1]})
        page.goto(f"{live_server}/my/{person_id}/budget")
        path = ARTIFACTS / f"my-budget-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.exists()
        assert path.stat().st_size > 0


# -- (e) a service manager authorises a budget through the governance framework --------------------------------------

ELSIE = "9990000050"


def test_service_manager_authorises_an_indicative_budget_by_keyboard_alone(open_page: Any, live_server: Any) -> None:
    page = open_page("sam", keyboard=True)
    page.goto(f"{live_server}/people/{person_account_id(ELSIE)}/budget")
    assert "Awaiting a decision at level 2." in page.locator("#inddec_request").inner_text()
    form = "form[action$='/decision']"
    tab_to(page, f"{form} input[name=inddec_outcome][value=authorised]")
    page.keyboard.press("Space")
    tab_to(page, f"{form} button[type=submit]")
    page.keyboard.press("Enter")  # no reasons: the error summary takes focus and names the field
    page.locator(".nhsuk-error-summary").wait_for()
    page.wait_for_function("() => !!document.activeElement?.closest('.nhsuk-error-summary')")
    assert "reasons" in page.locator(".nhsuk-error-summary").inner_text().lower()
    type_into(page, f"{form} textarea[name=inddec_reasons]", "Matches the assessed needs")
    tab_to(page, f"{form} button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Authorised by Sam Okoro" in page.locator("#indicative").locator("xpath=..").inner_text()
