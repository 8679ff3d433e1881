"""Long lists page with the NHS.UK numbered pagination: a few links whatever the number of pages, filters kept."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from jinja2 import Environment

from phb.accounts.rules import Role
from phb.money import gbp
from phb.web.templating import create_environment
from tests.factories import make_person, make_user
from tests.factories_spending import make_account, make_finding
from tests.web.helpers import login

PAGER = '{% from "_macros/pagination.html" import pager %}{{ pager(result, "/things?sort=due&page=", "Pages") }}'


@pytest.fixture(scope="module")
def env() -> Environment:
    return create_environment()


def _pager(env: Environment, page: int, pages: int) -> str:
    return env.from_string(PAGER).render(result=SimpleNamespace(page=page, pages=pages))


def _shown(html: str) -> list[str]:
    """The page list as a reader meets it: numbers, with '…' where pages are left out; the current one in []."""
    shown = []
    for item in re.findall(r'<li class="nhsuk-pagination__item[^"]*">(.*?)</li>', html, re.DOTALL):
        number = re.search(r">\s*(\d+)\s*</a>", item)
        if number is None:
            shown.append("…")
        else:
            shown.append(f"[{number[1]}]" if 'aria-current="page"' in item else number[1])
    return shown


@pytest.mark.parametrize(
    ("page", "pages", "shown"),
    [
        (1, 2, ["[1]", "2"]),
        (1, 896, ["[1]", "2", "…", "896"]),
        (3, 896, ["1", "2", "[3]", "4", "…", "896"]),  # a gap of one page shows the page, not "…"
        (7, 896, ["1", "…", "6", "[7]", "8", "…", "896"]),
        (896, 896, ["1", "…", "895", "[896]"]),
        (4, 5, ["1", "2", "3", "[4]", "5"]),
    ],
)
def test_the_page_list_stays_a_handful_of_links_however_many_pages(env, page, pages, shown):
    html = _pager(env, page, pages)
    assert _shown(html) == shown
    assert ('rel="prev"' in html) == (page > 1)
    assert ('rel="next"' in html) == (page < pages)
    if page > 1:
        assert f'href="/things?sort=due&amp;page={page - 1}" class="nhsuk-pagination__previous"' in html


def test_one_page_needs_no_pagination(env):
    assert "nhsuk-pagination" not in _pager(env, 1, 1)


def test_findings_queue_pages_keep_the_filters_and_sort(client, db):
    dana = make_user(db, "dana", Role.DIRECT_PAYMENTS_OFFICER)
    person = make_person(db, "Margaret", "Okafor")
    account = make_account(db, person.id)
    for n in range(1, 121):  # 120 findings: three pages of 50
        make_finding(db, account, amount=gbp(f"{n}.00"))
    login(client, dana.username)

    first = client.get("/findings?sort=amount&category=gambling")
    assert "120 findings" in first.text
    assert "£120.00" in first.text  # largest first
    assert _shown(first.text) == ["[1]", "2", "3"]
    assert "sort=amount&amp;page=2" in first.text
    assert "category=gambling" in re.search(r'href="([^"]*page=2)"', first.text)[1]

    last = client.get("/findings?status=open&category=gambling&owner=&overdue=&sort=amount&page=3")
    assert _shown(last.text) == ["1", "2", "[3]"]
    assert "£20.00" in last.text
    assert "£1.00" in last.text
    assert "£21.00" not in last.text
    assert 'rel="next"' not in last.text


def test_caseload_pages_keep_the_search(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    for n in range(30):
        make_person(db, "Grace", f"Nowak{n:02d}", case_manager=casey)
    make_person(db, "Tom", "Price", case_manager=casey)
    login(client, casey.username)

    page = client.get("/?q=Nowak")
    assert "30 people" in page.text
    assert _shown(page.text) == ["[1]", "2"]
    assert 'href="/?q=Nowak&amp;page=2"' in page.text
    second = client.get("/?q=Nowak&page=2")
    assert "Nowak29" in second.text
    assert "Nowak00" not in second.text
    assert "Price" not in second.text


def test_the_whole_organisation_pages_for_those_who_may_see_everyone(client, db):
    # The count once lost its table for organisation-wide readers (no WHERE): "1 person" and no second page.
    make_user(db, "dana", Role.DIRECT_PAYMENTS_OFFICER)
    for n in range(27):
        make_person(db, "Grace", f"Nowak{n:02d}")
    login(client, "dana")

    page = client.get("/")
    assert "27 people" in page.text
    assert _shown(page.text) == ["[1]", "2"]
    second = client.get("/?q=&page=2")
    assert "Nowak25" in second.text
    assert "Nowak26" in second.text
    assert "Nowak00" not in second.text
    assert "Nowak" in client.get("/?q=Nowak").text
    assert "27 people matching" in client.get("/?q=Nowak").text


def test_the_people_api_counts_everyone_for_those_who_may_see_everyone(client, db):
    make_user(db, "dana", Role.DIRECT_PAYMENTS_OFFICER)
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    for n in range(27):
        make_person(db, "Grace", f"Nowak{n:02d}", case_manager=casey if n < 3 else None)
    login(client, "dana")
    first = client.get("/api/v1/people")
    assert first.status_code == 200
    assert (first.json()["total"], len(first.json()["items"])) == (27, 25)
    second = client.get("/api/v1/people?page=2").json()
    assert (second["total"], len(second["items"])) == (27, 2)

    login(client, "casey")  # a caseload is still counted as itself
    mine = client.get("/api/v1/people").json()
    assert (mine["total"], len(mine["items"])) == (3, 3)
