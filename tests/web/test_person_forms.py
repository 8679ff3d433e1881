"""Every form a budget holder or their representative meets, submitted as the page renders it.

Each test opens the page, fills the form the HTML has (``submit_form`` refuses a field the page does not render)
and checks what the person then sees. The answer form on the spending page is in test_my_pages.py.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from phb.accounts.models import User
from phb.accounts.rules import Role
from phb.governance.appeals.models import Appeal
from phb.people.models import Supporter
from phb.plans.models import PlanReview
from tests.factories import PASSWORD, actor, make_person, make_user
from tests.factories_appeals import portal_user, refused_outcome
from tests.factories_governance import make_team
from tests.factories_plans import agreed_plan
from tests.factories_spending import make_account, make_finding
from tests.web.helpers import submit_form

HTMX = {"HX-Request": "true"}


def _sign_in(client: Any, username: str, password: str = PASSWORD) -> Any:
    """Sign in through the sign-in page's own form."""
    return submit_form(client, "/login", {"username": username, "password": password}, follow_redirects=False)


def _sign_out(client: Any, page_url: str) -> Any:
    """Sign out through the header's form on ``page_url``."""
    return submit_form(client, page_url, action="/logout", follow_redirects=False)


def _invitation_link(client: Any, person_id: int, supporter_id: int | None = None) -> str:
    """The care coordinator makes a link from the person's page (one button for them, one per supporter)."""
    where = {"supporter_id": str(supporter_id)} if supporter_id else None
    if where is None:
        # The person's own button is the form without a supporter_id field.
        made = submit_form(
            client, f"/people/{person_id}", action=f"/people/{person_id}/invitations", where={"supporter_id": None}
        )
    else:
        made = submit_form(client, f"/people/{person_id}", action=f"/people/{person_id}/invitations", where=where)
    assert made.status_code == 201
    link = re.search(r'<code id="invitation-link">https?://[^/]+(/invite/[\w-]+)</code>', made.text)
    assert link is not None
    return link.group(1)


# -- signing in and out ------------------------------------------------------------------------------------------


def test_the_person_signs_in_and_out_with_the_pages_forms(client: Any, db: Session) -> None:
    person = make_person(db, "Leon", "Baptiste")
    make_user(db, "leon", Role.PERSON, person_id=person.id)

    wrong = _sign_in(client, "leon", "not my password at all")
    assert wrong.status_code in {400, 401, 422}
    assert "There is a problem" in wrong.text
    signed_in = _sign_in(client, "leon")
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/my"
    home = client.get("/my")  # the person's home
    assert "Your personal health budget" in home.text
    signed_out = _sign_out(client, f"/my/{person.id}")
    assert signed_out.status_code == 303
    assert client.get(f"/my/{person.id}", follow_redirects=False).status_code in {302, 303, 401}


# -- setting up an account from an invitation ----------------------------------------------------------------------


def test_the_person_sets_up_their_account_with_the_invitation_form(client: Any, db: Session) -> None:
    nina = make_user(db, "nina", Role.CARE_COORDINATOR)
    person = make_person(db, "Margaret", "Okafor", case_manager=nina)
    _sign_in(client, "nina")
    link = _invitation_link(client, person.id)
    _sign_out(client, f"/people/{person.id}")

    mismatch = submit_form(
        client,
        link,
        {"username": "margaret", "password": "my garden has roses", "confirm_password": "my garden has tulips"},
    )
    assert mismatch.status_code == 422
    assert "The two passwords are not the same" in mismatch.text
    assert 'value="margaret"' in mismatch.text  # the username is kept
    done = submit_form(
        client,
        link,
        {"username": "margaret", "password": "my garden has roses", "confirm_password": "my garden has roses"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"].startswith("/login")
    assert _sign_in(client, "margaret", "my garden has roses").headers["location"] == "/my"
    assert "Your personal health budget" in client.get("/my").text


def test_a_representative_sets_up_their_account_from_their_own_link(client: Any, db: Session) -> None:
    nina = make_user(db, "nina", Role.CARE_COORDINATOR)
    person = make_person(db, "Elsie", "Grant", case_manager=nina)
    supporter = Supporter(
        person_id=person.id,
        kind="representative",
        name="Martin Grant",
        legal_basis="court_appointed_deputy",
        started_on=dt.date(2026, 1, 1),
    )
    db.add(supporter)
    db.flush()
    _sign_in(client, "nina")
    link = _invitation_link(client, person.id, supporter.id)
    _sign_out(client, f"/people/{person.id}")

    submit_form(
        client,
        link,
        {"username": "martin", "password": "deputy for my mother", "confirm_password": "deputy for my mother"},
    )
    user = db.scalar(select(User).where(User.username == "martin"))
    assert user is not None
    assert user.role_set == {Role.REPRESENTATIVE}
    _sign_in(client, "martin", "deputy for my mother")
    assert "Elsie Grant’s personal health budget" in client.get("/my").text


# -- asking for a review ---------------------------------------------------------------------------------------------


def _reviewable(db: Session) -> Any:
    """Leon, whose plan was agreed today: reviews can be asked for."""
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    person = make_person(db, "Leon", "Baptiste", case_manager=casey)
    agreed_plan(db, actor(db, casey), person.id, agreed_on=dt.datetime.now(dt.UTC).date())
    return person


def _review_requests(db: Session, person_id: int) -> list[PlanReview]:
    asked = select(PlanReview).where(PlanReview.person_id == person_id, PlanReview.status == "requested")
    return list(db.scalars(asked))


def test_the_person_asks_for_a_review_with_the_form_without_javascript(client: Any, db: Session) -> None:
    person = _reviewable(db)
    make_user(db, "leon", Role.PERSON, person_id=person.id)
    _sign_in(client, "leon")
    page_url = f"/my/{person.id}/reviews"

    missing = submit_form(client, page_url, {"request_reason": "  "}, action=f"/my/{person.id}/reviews")
    assert missing.status_code == 422
    assert "Tell us why you want a review" in missing.text
    asked = submit_form(client, page_url, {"request_reason": "My carer is leaving"}, action=f"/my/{person.id}/reviews")
    assert asked.status_code == 200  # back on the page
    assert "You asked for a review on" in asked.text
    assert "My carer is leaving" in asked.text
    assert len(_review_requests(db, person.id)) == 1


def test_a_representative_asks_for_a_review_with_javascript(client: Any, db: Session) -> None:
    person = _reviewable(db)
    martin = make_user(db, "martin", Role.REPRESENTATIVE)
    db.add(
        Supporter(
            person_id=person.id,
            kind="representative",
            name="Martin Baptiste",
            legal_basis="court_appointed_deputy",
            user_id=martin.id,
            started_on=dt.date(2020, 1, 1),
        )
    )
    db.flush()
    _sign_in(client, "martin")

    asked = submit_form(
        client,
        f"/my/{person.id}/reviews",
        {"request_reason": "His breathing is worse"},
        action=f"/my/{person.id}/reviews",
        headers={**HTMX, "HX-Target": "my-review-request"},
    )
    assert asked.status_code == 200
    assert "phb:announce" in asked.headers["HX-Trigger"]
    assert "<html" not in asked.text
    assert "His breathing is worse" in asked.text
    assert len(_review_requests(db, person.id)) == 1


# -- appealing against a decision ------------------------------------------------------------------------------------


def test_the_person_appeals_with_the_form_and_sees_it_received(client: Any, db: Session) -> None:
    team = make_team(db)
    outcome = refused_outcome(db, team)
    portal_user(db, team)
    pid = team.person.id
    _sign_in(client, "leon")
    page_url = f"/my/{pid}/decisions/{outcome.id}/appeal"
    action = f"/my/{pid}/decisions/{outcome.id}/appeal"

    empty = submit_form(client, page_url, {"grounds": " "}, action=action)
    assert empty.status_code == 422
    assert "Tell us why you disagree with the decision" in empty.text
    sent = submit_form(
        client,
        page_url,
        {"grounds": "The gym keeps me walking", "new_information": "A letter from my physio"},
        action=action,
    )
    assert sent.status_code == 200  # followed back to the decisions page
    assert "Received, not yet acknowledged" in sent.text
    appeal = db.scalar(select(Appeal).where(Appeal.outcome_id == outcome.id))
    assert appeal is not None
    assert appeal.grounds == "The gym keeps me walking"


# -- the person's own account ------------------------------------------------------------------------------------


def test_the_person_changes_their_password_with_the_account_form(client: Any, db: Session) -> None:
    person = make_person(db, "Leon", "Baptiste")
    make_user(db, "leon", Role.PERSON, person_id=person.id)
    _sign_in(client, "leon")

    wrong = submit_form(
        client,
        "/account",
        {"current_password": "not my password", "new_password": "a longer new passphrase"},
        action="/account/password",
    )
    assert wrong.status_code == 422
    changed = submit_form(
        client,
        "/account",
        {"current_password": PASSWORD, "new_password": "a longer new passphrase"},
        action="/account/password",
    )
    assert changed.status_code == 200
    assert "Your password has been changed." in changed.text
    _sign_out(client, "/account")
    assert _sign_in(client, "leon", "a longer new passphrase").headers["location"] == "/my"


# -- the team's question and the person's answer, end to end ----------------------------------------------------------


def test_the_team_asks_and_the_person_answers_through_the_pages(client: Any, db: Session) -> None:
    person = make_person(db, "Leon", "Baptiste")
    make_user(db, "dana", Role.DIRECT_PAYMENTS_OFFICER)
    make_user(db, "leon", Role.PERSON, person_id=person.id)
    finding = make_finding(
        db, make_account(db, person.id), kind="unplanned", category="unplanned", payee="GARDEN CENTRE"
    )
    _sign_in(client, "dana")
    asked = submit_form(
        client,
        f"/findings/{finding.id}",
        {"query": "What did you buy at the garden centre?"},
        action=f"/findings/{finding.id}/query",
    )
    assert asked.status_code == 200
    _sign_out(client, f"/findings/{finding.id}")

    _sign_in(client, "leon")
    answered = submit_form(
        client,
        f"/my/{person.id}/spending",
        {f"answer-{finding.id}": "Plants for my sensory garden"},
        action=f"/my/{person.id}/spending/{finding.id}/answer",
    )
    assert answered.status_code == 200
    assert "Plants for my sensory garden" in answered.text
    _sign_out(client, f"/my/{person.id}/spending")

    _sign_in(client, "dana")
    seen = client.get(f"/findings/{finding.id}")
    assert "Plants for my sensory garden" in seen.text  # the team reads the answer on the finding


def test_the_person_makes_and_revokes_an_api_token_with_the_account_forms(client: Any, db: Session) -> None:
    person = make_person(db, "Leon", "Baptiste")
    make_user(db, "leon", Role.PERSON, person_id=person.id)
    _sign_in(client, "leon")

    unnamed = submit_form(client, "/account", {"name": " "}, action="/account/tokens")
    assert unnamed.status_code == 422
    assert "Enter a name for the token" in unnamed.text
    made = submit_form(client, "/account", {"name": "My budget spreadsheet"}, action="/account/tokens")
    assert made.status_code == 201
    assert 'id="new-token"' in made.text
    token_id = re.search(r'action="/account/tokens/(\d+)/revoke"', made.text)
    assert token_id is not None
    revoked = submit_form(client, "/account", action=f"/account/tokens/{token_id[1]}/revoke")
    assert revoked.status_code == 200
    assert "Revoked" in revoked.text
