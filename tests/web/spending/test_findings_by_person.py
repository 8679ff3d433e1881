"""One person's findings: the queue filtered by person (and by account), reached from their spending page, paged
with the filter kept, refreshed in place by HTMX, and in the API; someone the reader may not see is not found."""

from __future__ import annotations

import re

from phb.accounts.rules import Role
from phb.money import gbp
from tests.factories import make_person, make_user
from tests.factories_spending import make_account, make_finding
from tests.web.helpers import login


def _finding_ids(text: str) -> set[int]:
    return {int(n) for n in re.findall(r'href="/findings/(\d+)"', text)}


def _team(db):
    make_user(db, "dana", Role.DIRECT_PAYMENTS_OFFICER)
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    margaret = make_person(db, "Margaret", "Okafor")
    james = make_person(db, "James", "Whitfield", case_manager=casey)
    card = make_account(db, margaret.id, kind="prepaid_card", name="Margaret's prepaid card")
    bank = make_account(db, margaret.id, name="Margaret's bank account")
    theirs = make_account(db, james.id, name="James's account")
    mine = {
        make_finding(db, card, amount=gbp("15.00")).id,
        make_finding(db, card, amount=gbp("12.00")).id,
        make_finding(db, bank, kind="unplanned", category="unplanned", payee="GARDEN CENTRE").id,
    }
    resolved = make_finding(db, bank, status="resolved", resolution="accepted").id
    others = {make_finding(db, theirs, amount=gbp("25.00")).id for _ in range(2)}
    return margaret, james, (card, bank, theirs), mine, resolved, others


def test_an_officer_opens_one_persons_findings_from_their_spending_page(client, db):
    margaret, _james, (card, _bank, _theirs), mine, resolved, others = _team(db)
    login(client, "dana")

    spending = client.get(f"/people/{margaret.id}/spending").text
    link = re.search(r'<a class="nhsuk-link" href="([^"]+)" id="person-findings">', spending)
    assert link is not None
    page = client.get(link[1].replace("&amp;", "&"))
    assert page.status_code == 200
    assert "Findings about Margaret Okafor" in page.text
    assert "3 findings" in page.text
    assert _finding_ids(page.text) == mine  # nobody else's, and not the resolved one
    assert f'<input type="hidden" name="person" value="{margaret.id}">' in page.text  # the filter form keeps it

    everything = client.get(f"/findings?status=all&person={margaret.id}")
    assert _finding_ids(everything.text) == {*mine, resolved}
    one_account = re.search(
        r'href="(/findings\?status=open&amp;person=\d+&amp;account=' + str(card.id) + ')"', spending
    )
    assert one_account is not None
    on_card = client.get(one_account[1].replace("&amp;", "&"))
    assert "2 findings" in on_card.text
    assert _finding_ids(on_card.text) == mine - {max(mine)}  # the two on the card, not the bank account's
    assert _finding_ids(client.get("/findings").text) == mine | others  # the whole queue is still everyone's


def test_the_filter_is_kept_across_pages_and_by_the_htmx_refresh(client, db):
    make_user(db, "dana", Role.DIRECT_PAYMENTS_OFFICER)
    margaret = make_person(db, "Margaret", "Okafor")
    james = make_person(db, "James", "Whitfield")
    card = make_account(db, margaret.id)
    for n in range(1, 56):  # 55 of Margaret's: two pages of 50
        make_finding(db, card, amount=gbp(f"{n}.00"))
    make_finding(db, make_account(db, james.id), amount=gbp("999.00"))
    login(client, "dana")

    first = client.get(f"/findings?person={margaret.id}&sort=amount")
    assert "55 findings" in first.text
    assert "£999.00" not in first.text
    second_link = re.search(r'href="(/findings\?[^"]*page=2)"', first.text)
    assert second_link is not None
    assert f"person={margaret.id}" in second_link[1]
    second = client.get(second_link[1].replace("&amp;", "&"))
    assert "£5.00" in second.text
    assert "£999.00" not in second.text

    block = client.get(
        f"/findings?person={margaret.id}&category=gambling&sort=amount",
        headers={"HX-Request": "true", "HX-Target": "findings-results"},
    )
    assert block.status_code == 200
    assert "<html" not in block.text
    assert "55 findings" in block.text
    assert "£999.00" not in block.text


def test_someone_the_reader_may_not_see_is_not_found_and_the_api_filters_too(client, db):
    margaret, james, (card, _bank, theirs), mine, _resolved, others = _team(db)
    login(client, "casey")  # James is on Casey's caseload; Margaret is not
    assert client.get(f"/findings?person={margaret.id}").status_code == 404
    assert client.get(f"/findings?person={james.id}").status_code == 200
    assert client.get(f"/findings?person={james.id}&account={card.id}").status_code == 404  # not his account

    login(client, "dana")
    api = client.get(f"/api/v1/findings?person_id={margaret.id}").json()
    assert api["total"] == 3
    assert {row["id"] for row in api["items"]} == mine
    assert {row["person_id"] for row in api["items"]} == {margaret.id}
    by_account = client.get(f"/api/v1/findings?person_id={james.id}&account_id={theirs.id}").json()
    assert {row["id"] for row in by_account["items"]} == others
