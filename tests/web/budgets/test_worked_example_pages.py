"""The worked example (docs/budgets.md) end to end through the pages, as the staff involved would do it."""

import csv
import io
import re

from openpyxl import load_workbook
from sqlalchemy import select

from phb.accounts.rules import Role
from phb.budgets.models import Assessment, BudgetSheetLine
from phb.governance.rules import CHECKLIST
from tests.factories import make_person, make_user
from tests.factories_budgets import INSURANCE_LINE, MONTHLY_PAYMENT, NEEDS, RATE_CARD_FORM
from tests.web.helpers import csrf, login, post_form, submit_form

HTMX = {"HX-Request": "true", "HX-Target": "budget-sheet"}


def sign_in_as(client, username):
    client.post("/logout", data={"_csrf_token": csrf(client)})
    client.cookies.clear()
    assert login(client, username).status_code in {302, 303}


def text_of(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def line_id(db, person_id, description):
    return db.scalar(
        select(BudgetSheetLine.id).where(
            BudgetSheetLine.person_id == person_id,
            BudgetSheetLine.description == description,
            BudgetSheetLine.removed_in.is_(None),
        )
    )


def test_worked_example_from_rate_card_to_payment_schedule(client, db):  # noqa: PLR0915 - one journey, told in order
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    make_user(db, "sam", Role.CHC_SERVICE_MANAGER)
    make_user(db, "lee", Role.CHC_SERVICE_MANAGER)
    make_user(db, "admin", Role.ADMINISTRATOR)
    person = make_person(db, "James", "Whitfield", case_manager=casey)
    budget = f"/people/{person.id}/budget"

    # The administrator keeps the rate card.
    sign_in_as(client, "admin")
    assert post_form(client, "/rate-cards", RATE_CARD_FORM, follow_redirects=False).status_code == 303
    assert "£13.50" in client.get("/rate-cards").text

    # The case manager records the assessment of need and works out the indicative budget.
    sign_in_as(client, "casey")
    assert "Budget and budget sheet" in client.get(f"/people/{person.id}").text  # linked from the person page
    response = post_form(client, f"{budget}/assessments", {"assessed_on": "2026-11-02", "summary": "C5 injury"})
    assert response.status_code == 200  # followed the redirect back to the budget page
    assessment_id = db.scalar(select(Assessment.id).where(Assessment.person_id == person.id))
    for need in NEEDS:
        fields = {f"need_{k}": v for k, v in need.items()}
        assert post_form(client, f"{budget}/assessments/{assessment_id}/items", fields).status_code == 200
    page = post_form(
        client, f"{budget}/indicative", {"ind_assessment_id": assessment_id, "ind_priced_on": "2026-11-02"}
    )
    words = text_of(page.text)
    assert "14 h/week personal assistant at £13.50 = £189.00 a week, £9,855.00 a year" in words
    assert "6 h/week personal assistant (weekend) at £15.00 = £90.00 a week, £4,692.86 a year" in words
    assert "2 nights/week agency waking night at £210.00 = £420.00 a week, £21,900.00 a year" in words
    assert "Profiling bed: 1 x £1,450.00 = £1,450.00 once" in words
    assert "Employer on-costs at 12.5% of personal assistant wages of £14,547.86 = £1,818.48 a year" in words
    assert "Payroll service at £15.00 a month = £180.00 a year" in words
    assert "Total: £39,896.34 a year" in words
    assert "rate card version 1" in words

    # The service manager authorises it.
    sign_in_as(client, "sam")
    decision = {"inddec_outcome": "authorised", "inddec_reasons": "Matches the assessed needs"}
    page = post_form(client, f"{budget}/indicative/{_indicative_id(db, person.id)}/decision", decision)
    assert "Authorised by Sam" in text_of(page.text)

    # The case manager plans the budget sheet with the person: start from the indicative budget...
    sign_in_as(client, "casey")
    page = post_form(
        client, f"{budget}/sheet/start", {"start_management_option": "direct_payment", "sheet_version": "0"}
    )
    assert "£39,896.34" in page.text
    # ...and the agency waking nights go to a third-party budget, edited in place with htmx.
    nights = line_id(db, person.id, "Agency waking night")
    form = client.get(f"{budget}/sheet/lines/{nights}/edit", headers=HTMX)
    assert form.status_code == 200
    assert "<html" not in form.text
    assert 'value="210.00"' in form.text
    fragment = post_form(
        client,
        f"{budget}/sheet/lines/{nights}",
        {
            "description": "Agency waking night",
            "outcomes": "Sleep safely with repositioning at night",
            "category": "agency_care",
            "unit_cost": "210.00",
            "quantity": "2",
            "frequency": "weekly",
            "management_option": "third_party",
            "reason": "Agency invoices the provider directly",
            "sheet_version": "1",
        },
        headers=HTMX,
    )
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    words = text_of(fragment.text)
    assert "Third-party budget £21,900.00" in words
    assert "Direct payment £17,996.34" in words
    assert "Version 2" in words

    # A final budget without employer's liability insurance is refused when it is proposed, with the reason: it
    # could never be authorised, so it never reaches a decider's queue (issue 19), and nothing is saved.
    final = {
        "final_annual_amount": "39896.34",
        "final_effective_from": "2026-04-01",
        "final_effective_to": "2027-03-31",
        "final_management_options": ["direct_payment", "third_party"],
        "final_dp_frequency": "monthly",
        "final_dp_first_payment_on": "2026-04-01",
        "final_dp_recipient": "person",
        "final_dp_notice_days": "28",
    }
    refused = submit_form(client, budget, final, action=f"{budget}/final")
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("text/html")  # a browser without JavaScript shows the page
    assert "no insurance line" in text_of(refused.text)
    assert _final_id(db, person.id) is None

    # The case manager adds the insurance (without JavaScript), explains the difference and proposes again.
    added = submit_form(client, budget, INSURANCE_LINE, action=f"{budget}/sheet/lines", follow_redirects=False)
    assert added.status_code == 303
    page = submit_form(
        client,
        budget,
        {"var_explanation": "Employer's liability insurance is not on the rate card"},
        action=f"{budget}/sheet/variance",
    )
    assert "£40,046.34" in text_of(page.text)
    final.update({"final_annual_amount": "40046.34"})
    assert submit_form(client, budget, final, action=f"{budget}/final").status_code == 200

    # The decider cannot authorise it while the sign-off checklist has gaps, and is told which.
    sign_in_as(client, "sam")
    final_id = _final_id(db, person.id)
    decide_at = f"{budget}/final/{final_id}/decision"
    refused = submit_form(client, budget, {"findec_outcome": "authorised", "findec_reasons": "OK"}, action=decide_at)
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("text/html")
    words = text_of(refused.text)
    assert "This final budget cannot be authorised" in words
    assert "until the sign-off checklist is complete. 18 items are missing" in words
    assert f'href="/people/{person.id}/decisions/checklist"' in refused.text

    # The case manager completes the sign-off checklist; she cannot authorise the budget herself.
    sign_in_as(client, "casey")
    checklist = {item.key: "met" for item in CHECKLIST}
    checklist_page = f"/people/{person.id}/decisions/checklist"
    done = submit_form(client, checklist_page, checklist, action=checklist_page, follow_redirects=False)
    assert done.status_code == 303
    assert (
        post_form(
            client,
            f"{budget}/final/{_final_id(db, person.id)}/decision",
            {"findec_outcome": "authorised", "findec_reasons": "x"},
        ).status_code
        == 403
    )  # a case manager cannot authorise (the page offers her no decision form: this is a forged post)

    # Final budgets need two people at level 2: Sam approves first, then Lee confirms.
    decision = {"findec_outcome": "authorised", "findec_reasons": "Meets assessed needs; full cost covered"}
    sign_in_as(client, "sam")
    page = submit_form(client, budget, decision, action=decide_at)
    assert page.status_code == 200
    words = text_of(page.text)
    assert "Awaiting second approval" in words
    assert "First approval given by Sam: a second decision-maker at this level must confirm it." in words
    assert 'name="findec_outcome"' not in page.text  # Sam cannot give the second approval too
    sign_in_as(client, "lee")
    page = submit_form(client, budget, decision, action=decide_at)
    assert page.status_code == 200
    words = text_of(page.text)
    assert "Final budget authorised" in words
    assert "12 payments (monthly), £18,146.34 in all" in words  # exactly the direct-payment lines
    assert words.count("£1,512.19") == 6  # the last six payments; the first six are £1,512.20
    assert MONTHLY_PAYMENT == "1512.20"

    # The person's printable budget sheet, the chart with its table, and the downloads.
    sheet = client.get(f"{budget}/sheet")
    assert sheet.status_code == 200
    words = text_of(sheet.text)
    assert "Planned spending £40,046.34 a year" in words
    assert "Your budget £40,046.34 a year" in words
    assert "<svg" in sheet.text
    assert 'id="chart-table"' in sheet.text
    assert "style=" not in sheet.text
    rows = list(csv.reader(io.StringIO(client.get(f"{budget}/sheet/download.csv").text)))
    assert rows[0][0] == "What it buys"
    assert ["Annual total", "", "", "", "", "", "40046.34"] in rows
    book = load_workbook(io.BytesIO(client.get(f"{budget}/sheet/download.xlsx").content))
    values = [c for row in book.active.iter_rows(values_only=True) for c in row if c is not None]
    assert "Employer's liability insurance" in values
    pdf = client.get(f"{budget}/sheet/download.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")

    # Every change made a version; two can be compared side by side.
    versions = client.get(f"{budget}/versions?before=1&after=3")
    words = text_of(versions.text)
    assert "Version 1 and version 3 side by side" in words
    assert "Changed: outcomes, management option" in words
    assert "Added" in words


def _indicative_id(db, person_id):
    from phb.budgets.models import IndicativeBudget  # noqa: PLC0415

    return db.scalar(select(IndicativeBudget.id).where(IndicativeBudget.person_id == person_id))


def _final_id(db, person_id):
    from phb.budgets.models import FinalBudget  # noqa: PLC0415

    return db.scalar(
        select(FinalBudget.id).where(FinalBudget.person_id == person_id).order_by(FinalBudget.number.desc()).limit(1)
    )
