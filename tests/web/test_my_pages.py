"""The person's own pages: what they see about their plan, budget, spending, risks and reviews, and what they can do."""

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from phb.accounts.rules import Role
from phb.budgets import services as budget_services
from phb.budgets.schemas import SheetLineCreate
from phb.money import gbp
from phb.people.models import Supporter
from phb.spending.models import Finding
from tests.factories import actor, make_person, make_user
from tests.factories_plans import agreed_plan
from tests.factories_risk import make_contingency_plan
from tests.factories_spending import make_account, make_finding
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
