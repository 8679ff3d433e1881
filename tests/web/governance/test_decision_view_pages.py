"""The decider sees the case: a final budget's request page (and JSON) shows the budget in full, and earlier
decisions of the same kind beside the local principles."""

import re
from decimal import Decimal

from sqlalchemy import event

from phb.budgets import services as budgets
from phb.budgets.rules import Frequency, ManagementOption
from phb.budgets.schemas import FinalBudgetCreate, SheetLineCreate
from phb.governance import services
from phb.money import format_gbp, gbp
from tests.factories_budgets import authorise_final, propose_final
from tests.factories_governance import make_team
from tests.web.helpers import login


def _propose_again(db, team, final):
    """A second final budget for the person on the same terms (the first is authorised by now)."""
    return budgets.propose_final_budget(
        db,
        team["casey"],
        team.person.id,
        FinalBudgetCreate(
            annual_amount=budgets.current_sheet(db, team["casey"], team.person.id).annual_total,
            effective_from=final.effective_from,
            effective_to=final.effective_to,
            management_options=final.management_options,
            variance_explanation="Adds insurance; the same terms for the new year",
            dp_frequency=final.dp_frequency,
            dp_first_payment_on=final.dp_first_payment_on,
            dp_recipient=final.dp_recipient,
            dp_notice_days=final.dp_notice_days,
        ),
    )


def _text(html: str) -> str:
    """The page's words with tags and runs of white space collapsed, as a reader meets them."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_decider_sees_the_final_budget_in_full_and_earlier_decisions(client, db):
    team = make_team(db)
    person_id = team.person.id
    first = propose_final(db, team["casey"], person_id, [team["sam"]])
    first_request = services.request_for(db, "final_budget", first.id)

    login(client, "sam")
    page = client.get(f"/decisions/{first_request.id}")
    assert page.status_code == 200
    words = _text(page.text)
    sheet = budgets.current_sheet(db, team["casey"], person_id)
    assert "What is being decided: final budget 1" in words
    assert f'href="/people/{person_id}/budget"' in page.text  # the link to the budget page
    for total in sheet.by_category:  # the budget sheet, totalled by category, in a table with headers
        assert f'<th scope="row" class="nhsuk-table__header">{total.label}</th>' in page.text
        assert format_gbp(total.amount) in words
    assert "Personal assistant wages" in words
    assert "Insurance" in words
    assert '<th scope="col" class="nhsuk-table__header nhsuk-table__header--numeric">A year</th>' in page.text
    assert f"Amount {format_gbp(first.dp_amount_per_period)} a month" in words  # the direct payment
    assert "How often Monthly" in words
    assert "First payment 1 April 2026" in words
    assert "Paid to The person" in words
    assert "Notice before a reduction 28 days" in words
    assert "Why they differ Adds insurance" in words  # the variance explanation
    assert "State Not complete: 0 of 18 items recorded, 18 not yet" in words  # the checklist
    assert f'href="/people/{person_id}/decisions/checklist"' in page.text
    assert "Other decisions of this kind" not in words  # nothing decided before

    authorise_final(db, team["casey"], [team["sam"], team["sally"]], person_id, first.id)
    second = _propose_again(db, team, first)
    second_request = services.request_for(db, "final_budget", second.id)

    page = client.get(f"/decisions/{second_request.id}")
    words = _text(page.text)
    assert "What is being decided: final budget 2" in words
    assert "State Complete: all 18 items recorded" in words
    assert "Why they differ Adds insurance; the same terms for the new year" in words
    # The first budget's decision is no principle, yet it is shown as a precedent, linked, with its outcome.
    assert "Other decisions of this kind" in words
    assert f'<a class="nhsuk-link" href="/decisions/{first_request.id}">Your personal health budget of' in page.text
    assert "(this person)" in words
    assert "Approved Level 2" in words

    api = client.get(f"/api/v1/decisions/{second_request.id}").json()
    subject = api["subject"]
    assert (subject["title"], subject["url"]) == ("Final budget 2", f"/people/{person_id}/budget")
    sections = {section["heading"]: section for section in subject["sections"]}
    assert dict(sections["Direct payment"]["rows"])["Amount"] == f"{format_gbp(second.dp_amount_per_period)} a month"
    assert dict(sections["Variance"]["rows"])["Why they differ"] == "Adds insurance; the same terms for the new year"
    assert dict(sections["Sign-off checklist"]["rows"])["State"] == "Complete: all 18 items recorded"
    by_category = sections["Budget sheet version 2 by category"]
    assert by_category["columns"] == ["Category", "A year", "Share"]
    assert [row[0] for row in by_category["rows"]] == [t.label for t in sheet.by_category] + ["Total"]
    assert [(e["request_id"], e["outcome"], e["where"], e["same_person"]) for e in api["earlier"]] == [
        (first_request.id, "approved", "level 2", True)
    ]
    assert api["precedents"] == []


def test_a_request_about_no_record_shows_no_subject(client, db):
    team = make_team(db)
    request = services.raise_request(
        db, team["casey"], person_id=team.person.id, decision_type="care_plan_review", summary="Six-month review"
    )
    login(client, "nina")
    page = client.get(f"/decisions/{request.id}")
    assert page.status_code == 200
    assert "What is being decided" not in page.text
    assert client.get(f"/api/v1/decisions/{request.id}").json()["subject"] is None


# The final budget's request page: 30 statements on 4 December 2026 (the subject's view reads the budget, its sheet
# version, the checklist, the framework, the risks and what would block approval: 14 of them) plus two.
REQUEST_PAGE_BOUND = 32


def _statements(client, connection, path: str) -> int:
    sent: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        sent.append(statement)

    event.listen(connection, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(connection, "before_cursor_execute", count)
    return len(sent)


def test_the_request_page_reads_a_fixed_number_of_statements_whatever_the_budget_and_history(client, db, connection):
    team = make_team(db)
    person_id = team.person.id
    first = propose_final(db, team["casey"], person_id, [team["sam"]])
    first_request = services.request_for(db, "final_budget", first.id)
    login(client, "sam")
    client.get(f"/decisions/{first_request.id}")  # the session's first request refreshes it: not counted
    small = _statements(client, connection, f"/decisions/{first_request.id}")

    authorise_final(db, team["casey"], [team["sam"], team["sally"]], person_id, first.id)
    for n in range(5):  # five more sheet lines, and the first decision is now an earlier one
        budgets.add_line(
            db,
            team["casey"],
            person_id,
            SheetLineCreate(
                description=f"Therapy session {n}",
                category="therapy",
                unit_cost=gbp("40.00"),
                quantity=Decimal(1),
                frequency=Frequency.WEEKLY,
                management_option=ManagementOption.DIRECT_PAYMENT,
            ),
        )
    second = _propose_again(db, team, first)
    large = _statements(client, connection, f"/decisions/{services.request_for(db, 'final_budget', second.id).id}")

    assert large == small, f"{small} statements for the first budget, {large} with more lines and an earlier decision"
    assert large <= REQUEST_PAGE_BOUND
