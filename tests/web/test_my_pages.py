"""The person's own pages: what they see about their plan, budget, spending, risks and reviews, and what they can do."""

import datetime as dt
import io
import re
from typing import Any

from freezegun import freeze_time
from sqlalchemy.orm import Session

from phb.accounts.models import User
from phb.accounts.rules import Role
from phb.budgets import services as budget_services
from phb.budgets.schemas import SheetLineCreate
from phb.money import gbp
from phb.people.models import Supporter
from phb.spending.importer import import_statement
from phb.spending.models import Finding
from tests.factories import actor, make_person, make_user
from tests.factories_budgets import authorise_notional, authorised_direct_payment
from tests.factories_plans import agreed_plan
from tests.factories_risk import make_contingency_plan
from tests.factories_spending import make_account, make_finding, statement
from tests.web.helpers import login, page_forms, post_form, submit_form


def _person_with_budget(db: Session) -> tuple[Any, Any]:
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    person = make_person(db, "Leon", "Baptiste", case_manager=casey)
    staff = actor(db, casey)
    budget_services.add_line(
        db,
        staff,
        person.id,
        SheetLineCreate(
            description="Personal assistant, weekday mornings",
            category="personal_assistant_wages",
            unit_cost=gbp("15.00"),
            quantity="10",
            frequency="weekly",
            management_option="direct_payment",
        ),
    )
    make_user(db, "leon", Role.PERSON, person_id=person.id)
    return person, staff


def _queried_finding(db: Session, account: Any) -> Finding:
    today = dt.datetime.now(dt.UTC).date()
    return make_finding(
        db,
        account,
        kind="unplanned",
        category="unplanned",
        payee="Garden Centre",
        reason="Not on the budget sheet",
        amount=gbp("42.00"),
        status="queried",
        query="What did you buy at the garden centre?",
        queried_on=today,
    )


def test_the_person_sees_what_is_left_this_year_from_their_home_page(client: Any, db: Session) -> None:
    person, _staff = _person_with_budget(db)
    login(client, "leon")

    home = client.get(f"/my/{person.id}")
    assert f'href="/my/{person.id}/budget"' in home.text  # one click from home
    page = client.get(f"/my/{person.id}/budget")
    assert page.status_code == 200
    assert "Left to spend this year" in page.text
    assert "Personal assistant, weekday mornings" in page.text
    assert "£7,821.43" in page.text  # £15 x 10 hours a week for a year (365 days), planned
    assert 'style="' not in page.text  # the Content Security Policy forbids inline styles


def test_someone_else_cannot_see_the_pages(client: Any, db: Session) -> None:
    person, _staff = _person_with_budget(db)
    other = make_person(db, "Secret", "Zanzibar")
    make_user(db, "zed", Role.PERSON, person_id=other.id)
    login(client, "zed")
    for slug in ("plan", "budget", "spending", "risks", "reviews"):
        assert client.get(f"/my/{person.id}/{slug}").status_code == 404


def test_large_print_and_chosen_format_come_first(client: Any, db: Session) -> None:
    person, staff = _person_with_budget(db)
    person.accessible_format = "easy_read"
    agreed_plan(db, staff, person.id, agreed_on=dt.datetime.now(dt.UTC).date())
    login(client, "leon")

    page = client.get(f"/my/{person.id}/plan")
    assert page.status_code == 200
    downloads = page.text[page.text.index("Print or download") :]
    assert downloads.index("Easy read") < downloads.index("Standard print")
    assert "The format you asked for" in downloads
    assert "my-page--large" in client.get(f"/my/{person.id}/budget?size=large").text
    printable = client.get(f"/my/{person.id}/plan/print?style=easy-read")
    assert "All about me" in printable.text


def _answer_url(person: Any, finding: Finding) -> str:
    return f"/my/{person.id}/spending/{finding.id}/answer"


def _representative(db: Session, person: Any, username: str = "martin") -> Any:
    """A representative with their own sign-in, acting for ``person``."""
    user = make_user(db, username, Role.REPRESENTATIVE)
    db.add(
        Supporter(
            person_id=person.id,
            kind="representative",
            name="Martin Baptiste",
            legal_basis="court_appointed_deputy",
            user_id=user.id,
            started_on=dt.date(2020, 1, 1),
        )
    )
    db.flush()
    return user


# The answer form is submitted as the page renders it (submit_form refuses a field the page does not have). The
# earlier tests posted a field named "answer", which the page never sends: they passed while every real answer
# was refused as empty.


def test_the_person_answers_the_teams_question(client: Any, db: Session) -> None:
    person, _staff = _person_with_budget(db)
    finding = _queried_finding(db, make_account(db, person.id))
    login(client, "leon")
    page_url = f"/my/{person.id}/spending"

    assert "What did you buy at the garden centre?" in client.get(page_url).text
    field = f"answer-{finding.id}"
    empty = submit_form(client, page_url, {field: " "}, action=_answer_url(person, finding))
    assert empty.status_code == 422
    assert "Write your answer" in empty.text
    assert f'href="#{field}"' in empty.text  # the error summary links to the box
    sent = submit_form(client, page_url, {field: "Plants for my sensory garden"}, action=_answer_url(person, finding))
    assert sent.status_code == 200  # followed the redirect back to the page
    assert "Plants for my sensory garden" in sent.text
    assert "The team is looking at the answer." in sent.text
    db.refresh(finding)
    assert finding.status == "explained"
    assert finding.explanation == "Plants for my sensory garden"


def test_an_answer_too_long_is_kept_for_the_person_to_shorten(client: Any, db: Session) -> None:
    person, _staff = _person_with_budget(db)
    finding = _queried_finding(db, make_account(db, person.id))
    login(client, "leon")

    long_text = "Plants " * 700  # over the 4,000 characters an answer may have
    refused = submit_form(
        client, f"/my/{person.id}/spending", {f"answer-{finding.id}": long_text}, action=_answer_url(person, finding)
    )
    assert refused.status_code == 422
    assert "4000 characters or fewer" in refused.text
    assert "Plants Plants Plants" in refused.text  # the text is not lost
    db.refresh(finding)
    assert finding.status == "queried"


def test_the_person_answers_with_javascript_and_the_block_is_swapped(client: Any, db: Session) -> None:
    person, _staff = _person_with_budget(db)
    finding = _queried_finding(db, make_account(db, person.id))
    login(client, "leon")

    htmx = {"HX-Request": "true", "HX-Target": "my-queries"}
    sent = submit_form(
        client,
        f"/my/{person.id}/spending",
        {f"answer-{finding.id}": "Plants for my sensory garden"},
        action=_answer_url(person, finding),
        headers=htmx,
    )
    assert sent.status_code == 200
    assert "phb:announce" in sent.headers["HX-Trigger"]
    assert "<html" not in sent.text  # only the questions block
    assert "Plants for my sensory garden" in sent.text
    db.refresh(finding)
    assert finding.status == "explained"


def test_each_question_on_the_page_is_answered_on_its_own(client: Any, db: Session) -> None:
    person, _staff = _person_with_budget(db)
    account = make_account(db, person.id)
    garden = _queried_finding(db, account)
    taxi = make_finding(
        db,
        account,
        kind="unplanned",
        category="unplanned",
        payee="Town Taxis",
        reason="Not on the budget sheet",
        amount=gbp("18.50"),
        status="queried",
        query="Where did the taxi take you?",
        queried_on=dt.datetime.now(dt.UTC).date(),
    )
    login(client, "leon")

    sent = submit_form(
        client, f"/my/{person.id}/spending", {f"answer-{taxi.id}": "To my physio"}, action=_answer_url(person, taxi)
    )
    assert sent.status_code == 200
    db.refresh(taxi)
    db.refresh(garden)
    assert (taxi.status, taxi.explanation) == ("explained", "To my physio")
    assert garden.status == "queried"  # the other question still waits, with its own form
    assert f'action="{_answer_url(person, garden)}"' in sent.text


def test_a_representative_answers_for_the_person(client: Any, db: Session) -> None:
    person, _staff = _person_with_budget(db)
    finding = _queried_finding(db, make_account(db, person.id))
    _representative(db, person)
    login(client, "martin")

    for headers in ({}, {"HX-Request": "true", "HX-Target": "my-queries"}):
        refused = submit_form(
            client, f"/my/{person.id}/spending", {}, action=_answer_url(person, finding), headers=headers
        )
        assert refused.status_code == 422  # nothing written
        assert "Write your answer" in refused.text
    sent = submit_form(
        client,
        f"/my/{person.id}/spending",
        {f"answer-{finding.id}": "Seeds and compost for Leon's garden"},
        action=_answer_url(person, finding),
    )
    assert sent.status_code == 200
    assert "Seeds and compost for Leon" in sent.text
    db.refresh(finding)
    assert finding.status == "explained"


def test_staff_see_the_page_but_cannot_answer_for_the_person(client: Any, db: Session) -> None:
    person, _staff = _person_with_budget(db)
    finding = _queried_finding(db, make_account(db, person.id))
    login(client, "casey")
    page = client.get(f"/my/{person.id}/spending").text
    assert "Send my answer" not in page
    assert not [f for f in page_forms(page) if f["action"] == _answer_url(person, finding)]  # no form to submit
    refused = post_form(client, _answer_url(person, finding), {f"answer-{finding.id}": "I answer"})
    assert refused.status_code == 403


def test_the_person_asks_for_a_review_with_a_reason(client: Any, db: Session) -> None:
    person, staff = _person_with_budget(db)
    agreed_plan(db, staff, person.id, agreed_on=dt.datetime.now(dt.UTC).date())
    make_contingency_plan(db, person.id)
    login(client, "leon")

    assert "If something goes wrong" in client.get(f"/my/{person.id}/risks").text
    page = client.get(f"/my/{person.id}/reviews")
    assert "Your next review" in page.text
    missing = post_form(client, f"/my/{person.id}/reviews", {"request_reason": ""})
    assert missing.status_code == 422
    assert "Tell us why you want a review" in missing.text
    htmx = post_form(
        client,
        f"/my/{person.id}/reviews",
        {"request_reason": "My carer is leaving"},
        headers={"HX-Request": "true", "HX-Target": "my-review-request"},
    )
    assert htmx.status_code == 200
    assert "phb:announce" in htmx.headers["HX-Trigger"]
    assert "You asked for a review" in htmx.text
    assert "<html" not in htmx.text  # only the block


# -- the budget page's money -------------------------------------------------------------------------------------

QUARTER = statement(
    "2026-03-15,CARD PAYMENT TO BOOTS,-20.00",
    "2026-04-01,LEEDS ICB PHB DIRECT PAYMENT,651.79",
    "2026-04-07,PAYROLL PA WAGES SARAH JONES,-600.00",
    "2026-05-07,PAYROLL PA WAGES SARAH JONES,-600.00",
    "2026-05-12,LEEDS ICB PHB DIRECT PAYMENT,651.79",
    "2026-05-20,ARGOS REFUND,25.00",
    "2026-06-07,PAYROLL PA WAGES SARAH JONES,-600.00",
    "2026-06-14,BET365 WINNINGS,50.00",
    "2026-07-01,LEEDS ICB PHB DIRECT PAYMENT,651.79",
    "2026-07-07,PAYROLL PA WAGES SARAH JONES,-650.00",
    header="date,description,amount",
)


def _section(html: str, element_id: str, closing: str) -> str:
    """The text of the element with ``element_id``, up to its first ``closing`` tag, as a reader sees it.

    Tags are removed, and so are the responsive tables' hidden column headings (read out on narrow screens).
    """
    start = html.index(f'id="{element_id}"')
    part = re.sub(
        r'<span class="nhsuk-table-responsive__heading"[^>]*>[^<]*</span>', "", html[start : html.index(closing, start)]
    )
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", part))


def _line(description: str, unit_cost: str, quantity: str, frequency: str, option: str) -> SheetLineCreate:
    return SheetLineCreate(
        description=description,
        category="personal_assistant_wages" if option == "direct_payment" else "agency_care",
        unit_cost=gbp(unit_cost),
        quantity=quantity,
        frequency=frequency,
        management_option=option,
    )


def test_the_budget_page_figures_add_up_and_come_from_the_payment_schedule(client: Any, db: Session) -> None:
    with freeze_time("2026-07-10 10:00:00"):
        person, staff = _person_with_budget(db)  # a PA, weekday mornings: £7,821.43 a year by direct payment
        budget_services.add_line(db, staff, person.id, _line("Community nursing", "2000.00", "1", "annual", "notional"))
        budget_services.add_line(
            db, staff, person.id, _line("Agency waking nights", "5000.00", "1", "annual", "third_party")
        )
        # The direct payment is £651.79 a month (rounded up to the penny): £7,821.48 over the year.
        authorised_direct_payment(
            db,
            person.id,
            annual="14821.48",
            per_period="651.79",
            first_payment_on=dt.date(2026, 4, 1),
            options=("direct_payment", "notional", "third_party"),
        )
        account = make_account(db, person.id, opened_on=dt.date(2026, 3, 1), opening_balance=gbp("1000.00"))
        officer = actor(db, make_user(db, "dana", Role.DIRECT_PAYMENTS_OFFICER))
        import_statement(db, officer, account.id, io.BytesIO(QUARTER), filename="q.csv", profile="generic")
        login(client, "leon")
        page = client.get(f"/my/{person.id}/budget").text

    left = _section(page, "left-this-year", "</div>\n</div>")
    assert "£5,371.48" in left  # £7,821.48 due this year less £2,450.00 spent
    assert "Your direct payment this year is £7,821.48: £2,607.16 due so far and £5,214.32 still to come." in left
    assert "£2,450.00 has been spent from your account" in left
    assert "2 payments from the NHS were late or did not arrive" in left
    assert "£12,371.48" not in page  # the whole budget less spending, as the page used to say

    money = _section(page, "money-in-out", "</dl>")
    for label, amount in [
        ("In your account on 1 April 2026", "£980.00"),
        ("Paid in by the NHS", "£1,955.37"),
        ("Other money in", "£75.00"),
        ("Spent", "£2,450.00"),
        ("In your account now", "£560.37"),
    ]:
        assert f"{label} {amount}" in money, (label, money)
    assert "£980.00 + £1,955.37 + £75.00 − £2,450.00" in money

    payments = _section(page, "direct-payments", "</table>")
    assert "1 May 2026 £651.79 Received 11 days late on 12 May 2026" in payments
    assert "1 June 2026 £651.79 Not received" in payments
    assert "1 August 2026 £651.79 To come" in payments
    assert "Total for the year £7,821.48" in payments

    assert "Your budget this year is £14,821.48" in _section(page, "budget-this-year", "</p>")
    paid_by = _section(page, "paid-by", "</table>")
    assert paid_by.count("The NHS pays this directly") == 2  # the notional and the third-party parts
    assert "Total £14,821.48" in paid_by
    by_category = _section(page, "by-category", "</table>")
    assert "Difference between your budget this year and the plan for a whole year £0.05" in by_category
    assert "Total: your budget this year £14,821.48" in by_category  # the headline and the table agree
    by_line = _section(page, "by-line", "</table>")
    assert "Community nursing Agency care £2,000.00 The NHS pays this directly" in by_line
    assert 'style="' not in page


def test_the_budget_page_before_spending_is_recorded_and_without_a_direct_payment(client: Any, db: Session) -> None:
    with freeze_time("2026-07-10 10:00:00"):
        person, staff = _person_with_budget(db)
        authorised_direct_payment(
            db, person.id, annual="7821.48", per_period="651.79", first_payment_on=dt.date(2026, 4, 1)
        )
        nora = make_person(db, "Nora", "Notional", case_manager=db.get(User, staff.user_id))
        budget_services.add_line(db, staff, nora.id, _line("Agency care", "9000.00", "1", "annual", "notional"))
        authorise_notional(db, nora.id, "9000.00")
        make_user(db, "nora", Role.PERSON, person_id=nora.id)
        login(client, "leon")
        leon_page = client.get(f"/my/{person.id}/budget").text
        login(client, "nora")
        nora_page = client.get(f"/my/{nora.id}/budget").text

    left = _section(leon_page, "left-this-year", "</div>\n</div>")
    assert "£7,821.48" in left
    assert "Spending from your account is not recorded yet" in left
    assert "Spending not recorded yet" in leon_page

    left = _section(nora_page, "left-this-year", "</div>\n</div>")
    assert "Nothing to spend from an account" in left
    assert "The NHS pays directly for all of your care" in left
    paid_by = _section(nora_page, "paid-by", "</table>")
    assert "Direct payment, paid into your account £0.00" in paid_by
    assert "Total £9,000.00" in paid_by


def test_the_team_sees_the_same_direct_payments_and_which_were_late_or_missing(client: Any, db: Session) -> None:
    with freeze_time("2026-07-10 10:00:00"):
        person, _staff = _person_with_budget(db)
        authorised_direct_payment(
            db, person.id, annual="7821.48", per_period="651.79", first_payment_on=dt.date(2026, 4, 1)
        )
        account = make_account(db, person.id, opened_on=dt.date(2026, 3, 1), opening_balance=gbp("1000.00"))
        officer = actor(db, make_user(db, "dana", Role.DIRECT_PAYMENTS_OFFICER))
        import_statement(db, officer, account.id, io.BytesIO(QUARTER), filename="q.csv", profile="generic")
        login(client, "dana")
        page = client.get(f"/people/{person.id}/spending").text

    payments = _section(page, "direct-payments", "</table>")
    assert "Leon’s direct payments this year" in payments
    assert "1 June 2026 £651.79 Not received" in payments
    assert "2 late or not received" in page
    assert "Left to spend this year £5,371.48" in page
