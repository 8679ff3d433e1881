"""Spending pages and API as the direct payments team uses them: import, flags with reasons, findings, report."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from sqlalchemy import func, select

from phb.accounts.rules import Role
from phb.spending.models import Finding, StatementTransaction
from tests.factories import make_person, make_user
from tests.factories_spending import SAMPLES, make_account, statement
from tests.web.helpers import csrf, login, post_form, submit_form

QUARTER = statement(
    "2026-10-01,LEEDS ICB PHB,2150.00,,3150.00",
    "2026-10-02,CARING HANDS HOMECARE LTD,-684.00,8099,2466.00",
    "2026-10-05,CARD PAYMENT TO WILLIAM HILL ONLINE,-20.00,7995,2446.00",
    "2026-10-09,NHS PRESCRIPTION PREPAYMENT CERTIFICATE,-32.05,,2413.95",
    "2026-11-02,CARING HANDS HOMECARE LTD,-684.00,8099,1729.95",
    "2026-12-02,CARING HANDS HOMECARE LTD,-684.00,8099,1045.95",
)


def _upload(client, url, data: bytes, filename="statement.csv", profile="generic", **kwargs):
    return client.post(
        url,
        data={"profile": profile, "_csrf_token": csrf(client)},
        files={"file": (filename, io.BytesIO(data), "text/csv")},
        **kwargs,
    )


def _finding_ids(text: str) -> list[int]:
    return sorted({int(n) for n in re.findall(r'href="/findings/(\d+)"', text)})


def test_an_officer_imports_a_quarter_works_every_finding_and_downloads_the_report(client, db):
    make_user(db, "dana", Role.DIRECT_PAYMENTS_OFFICER)
    person = make_person(db, "James", "Whitfield")
    account = make_account(db, person.id)
    login(client, "dana")

    page = client.get(f"/people/{person.id}")
    assert f"/people/{person.id}/spending" in page.text  # linked from the person page
    overview = client.get(f"/people/{person.id}/spending")
    assert "Direct payment account" in overview.text

    url = f"/people/{person.id}/spending/accounts/{account.id}/imports"
    result = _upload(client, url, QUARTER)
    assert result.status_code == 200, result.text
    assert "Statement imported" in result.text
    assert "6 read, 6 added" in result.text
    assert "Reconciled" in result.text

    flagged = client.get(f"/people/{person.id}/spending/accounts/{account.id}?show=flagged")
    assert "MCC 7995" in flagged.text  # the reason, in words
    assert "gambling" in flagged.text.lower()
    assert "NHS PRESCRIPTION" in flagged.text
    assert "Rule mcc-7995-betting" in flagged.text

    queue = client.get("/findings")
    ids = _finding_ids(queue.text)
    assert len(ids) == 3  # two flags, and Caring Hands as unplanned spending (no budget sheet)
    fragment = client.get(
        "/findings?category=gambling", headers={"HX-Request": "true", "HX-Target": "findings-results"}
    )
    assert "<html" not in fragment.text
    assert len(_finding_ids(fragment.text)) == 1

    resolutions = {
        "WILLIAM HILL": {"resolution": "accepted", "note": "Refund requested from the bookmaker; card stopped"},
        "NHS PRESCRIPTION": {
            "resolution": "recovery_required",
            "note": "Prescription charges are paid by the NHS, not from the direct payment",
            "recovery_amount": "32.05",
            "recovery_ground": "d",
            "repay_within_days": "14",
            "repay_by": "James Whitfield",
        },
        "CARING HANDS": {
            "resolution": "accepted_plan_amendment",
            "note": "Agency nights to be added to the budget sheet",
        },
    }
    for finding_id in ids:
        detail = client.get(f"/findings/{finding_id}")
        resolution = next(r for payee, r in resolutions.items() if payee in detail.text)
        version = re.search(r'name="version" value="(\d+)"', detail.text).group(1)
        asked = post_form(
            client,
            f"/findings/{finding_id}/query",
            {"query": "Can you tell us what this was?", "version": version},
            follow_redirects=False,
        )
        assert asked.status_code == 303
        post_form(
            client,
            f"/findings/{finding_id}/explanation",
            {"explanation": "It was a mistake with the wrong card", "version": str(int(version) + 1)},
        )
        done = post_form(
            client,
            f"/findings/{finding_id}/resolve",
            {**resolution, "version": str(int(version) + 2)},
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
        shown = client.get(f"/findings/{finding_id}")
        assert "Resolved" in shown.text
        assert "Queried with the budget holder" in shown.text or "changed" in shown.text  # history in words
    assert client.get("/findings").text.count('href="/findings/') == 0
    recovery = db.scalar(select(Finding).where(Finding.resolution == "recovery_required"))
    notice = client.get(f"/findings/{recovery.id}/notice")
    assert "£32.05" in notice.text
    assert "regulation 15(d)" in notice.text
    assert "14 days" in notice.text
    assert "James Whitfield" in notice.text

    _download_the_report(client, person.id)


def _download_the_report(client, person_id: int) -> None:
    base = f"/people/{person_id}/spending/report?start=2026-10-01&end=2026-12-31"
    html = client.get(base)
    assert "Direct payment audit report" in html.text
    csv_file = client.get(base + "&format=csv")
    assert csv_file.headers["content-type"].startswith("text/csv")
    assert "recovery_required" not in csv_file.text  # words, not codes
    assert "Recovery required" in csv_file.text
    assert "32.05" in csv_file.text
    xlsx = client.get(base + "&format=xlsx")
    book = load_workbook(io.BytesIO(xlsx.content))
    assert "Findings" in book.sheetnames
    pdf = client.get(base + "&format=pdf")
    assert pdf.content.startswith(b"%PDF")


def test_a_malformed_upload_names_the_line_and_saves_nothing(client, db):
    make_user(db, "dana", Role.DIRECT_PAYMENTS_OFFICER)
    person = make_person(db)
    account = make_account(db, person.id)
    login(client, "dana")
    url = f"/people/{person.id}/spending/accounts/{account.id}/imports"
    bad = statement("2026-10-01,SHOP,-1.00,,", "2026-10-32,SHOP,-2.00,,")
    response = _upload(client, url, bad)
    assert response.status_code == 422
    assert "line 3: date &#39;2026-10-32&#39; is not a date" in response.text
    assert "Nothing was saved" in response.text
    assert db.scalar(select(func.count()).select_from(StatementTransaction)) == 0
    wrong_type = _upload(client, url, b"%PDF-1.4", filename="statement.pdf")
    assert wrong_type.status_code == 422
    assert "must be a CSV or OFX statement" in wrong_type.text
    wrong_layout = _upload(client, url, (SAMPLES / "statement.ofx").read_bytes(), filename="s.ofx")
    assert "Choose &#39;OFX file&#39;" in wrong_layout.text


def test_a_case_manager_cannot_import_and_outside_the_caseload_sees_nothing(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    nina = make_user(db, "nina", Role.CASE_MANAGER)
    mine = make_person(db, "Mine", "Okafor", case_manager=casey)
    theirs = make_person(db, "Secret", "Zanzibar", case_manager=nina)
    my_account = make_account(db, mine.id)
    their_account = make_account(db, theirs.id)
    login(client, "casey")
    assert client.get(f"/people/{mine.id}/spending").status_code == 200
    refused = _upload(client, f"/people/{mine.id}/spending/accounts/{my_account.id}/imports", QUARTER)
    assert refused.status_code == 403
    hidden = _upload(client, f"/people/{theirs.id}/spending/accounts/{their_account.id}/imports", QUARTER)
    assert hidden.status_code == 404
    assert "Zanzibar" not in hidden.text
    assert client.get(f"/people/{theirs.id}/spending").status_code == 404
    api = client.get(f"/api/v1/people/{theirs.id}/spending")
    assert api.status_code == 404
    assert db.scalar(select(func.count()).select_from(StatementTransaction)) == 0


def test_api_imports_and_lists_findings(client, db):
    make_user(db, "dana", Role.DIRECT_PAYMENTS_OFFICER)
    person = make_person(db)
    login(client, "dana")
    created = client.post(
        f"/api/v1/people/{person.id}/spending/accounts",
        json={
            "kind": "prepaid_card",
            "name": "Card",
            "provider": "Allpay",
            "opened_on": "2026-09-30",
            "opening_balance": "1000.00",
            "weekly_payment": "100.00",
        },
        headers={"X-CSRF-Token": csrf(client)},
    )
    assert created.status_code == 201, created.text
    account_id = created.json()["id"]
    imported = client.post(
        f"/api/v1/people/{person.id}/spending/accounts/{account_id}/imports",
        data={"profile": "prepaid"},
        files={"file": ("prepaid.csv", (SAMPLES / "prepaid.csv").read_bytes(), "text/csv")},
        headers={"X-CSRF-Token": csrf(client)},
    )
    assert imported.status_code == 201, imported.text
    assert imported.json()["lines_added"] == 5
    accounts = client.get(f"/api/v1/people/{person.id}/spending").json()
    # 2372.54 available against 8 weeks of £100: a surplus of £1,572.54, flagged and never recovered automatically
    assert accounts[0]["surplus"]["flagged"] is True
    assert accounts[0]["surplus"]["above"] == "1572.54"
    queue = client.get("/api/v1/findings?category=surplus").json()
    assert queue["total"] == 1
    assert queue["items"][0]["amount"] == "1572.54"


def test_an_oversized_field_is_a_422_naming_the_line_not_a_500(client, db):
    make_user(db, "dana", Role.DIRECT_PAYMENTS_OFFICER)
    person = make_person(db)
    account = make_account(db, person.id)
    login(client, "dana")
    url = f"/people/{person.id}/spending/accounts/{account.id}/imports"
    huge = statement("2026-10-01,SHOP,-1.00,,", "2026-10-02," + "A" * 2_000_000 + ",-2.00,,")
    response = submit_form(
        client,
        f"/people/{person.id}/spending/accounts/{account.id}",
        {"profile": "generic"},
        action=url,
        files={"file": ("statement.csv", io.BytesIO(huge), "text/csv")},
    )
    assert response.status_code == 422
    assert "line 3: the line cannot be read as CSV: a field is longer than a statement line may hold" in response.text
    assert db.scalar(select(func.count()).select_from(StatementTransaction)) == 0
