"""Load and soak scenario: the four user groups of phb working at once.

Run through ``bench/soak/run.py`` (which starts the server, loads the demo data and checks memory), or by hand:
``locust -f bench/soak/locustfile.py --headless -u 50 -r 5 -t 10m --host http://127.0.0.1:8010``.
Every user signs in through the real login form (CSRF token and all) and then reads and writes as that
group does. Any response other than the expected status counts as a failure.
"""

from __future__ import annotations

import os
import random
import re

from locust import HttpUser, between, task

PASSWORD = "demo-password-2026"  # noqa: S105 - the demo data's published password
PEOPLE = [int(x) for x in os.environ.get("PHB_SOAK_PEOPLE", "1,2,3,4,5,6").split(",")]
PERSON_USER = os.environ.get("PHB_SOAK_PERSON_USER", "leon")
PERSON_ID = int(os.environ.get("PHB_SOAK_PERSON_ID", "6"))


class _SignedIn(HttpUser):
    abstract = True
    wait_time = between(0.5, 2.0)
    username = ""

    def on_start(self) -> None:
        self.client.get("/login", name="/login")
        token = self.client.cookies.get("phb_csrf", "")
        self.client.post(
            "/login",
            data={"username": self.username, "password": PASSWORD, "_csrf_token": token, "next": "/"},
            name="/login [POST]",
        )

    def csrf(self) -> str:
        return str(self.client.cookies.get("phb_csrf", ""))


class CaseManager(_SignedIn):
    """Casey: caseload, people, budgets, risks, plans; edits a person's details now and then."""

    weight = 4
    username = "casey"

    @task(4)
    def caseload(self) -> None:
        self.client.get("/", name="/ (caseload)")

    @task(3)
    def person(self) -> None:
        person = random.choice(PEOPLE)
        self.client.get(f"/people/{person}", name="/people/{id}")

    @task(3)
    def budget(self) -> None:
        person = random.choice(PEOPLE)
        self.client.get(f"/people/{person}/budget", name="/people/{id}/budget")

    @task(2)
    def risks_and_plan(self) -> None:
        person = random.choice(PEOPLE)
        self.client.get(f"/people/{person}/risks", name="/people/{id}/risks")
        self.client.get(f"/people/{person}/plan", name="/people/{id}/plan")

    @task(1)
    def search(self) -> None:
        self.client.get(
            "/?q=O", headers={"HX-Request": "true", "HX-Target": "caseload-results"}, name="/ (htmx search)"
        )


class DirectPaymentsOfficer(_SignedIn):
    """Dana: the findings queue and people's spending."""

    weight = 2
    username = "dana"

    @task(3)
    def findings(self) -> None:
        self.client.get("/findings", name="/findings")

    @task(2)
    def spending(self) -> None:
        person = random.choice(PEOPLE)
        self.client.get(f"/people/{person}/spending", name="/people/{id}/spending")


class PanelMember(_SignedIn):
    """Pat and Sam: the decision queue and panels."""

    weight = 2
    username = "sam"

    @task(3)
    def decisions(self) -> None:
        self.client.get("/decisions", name="/decisions")

    @task(1)
    def framework(self) -> None:
        self.client.get("/governance/framework", name="/governance/framework")

    @task(1)
    def person_decisions(self) -> None:
        person = random.choice(PEOPLE)
        self.client.get(f"/people/{person}/decisions", name="/people/{id}/decisions")


class BudgetHolder(_SignedIn):
    """The person: their own pages."""

    weight = 2
    username = PERSON_USER

    @task(3)
    def home(self) -> None:
        self.client.get("/my", name="/my")

    @task(2)
    def budget(self) -> None:
        with self.client.get(f"/my/{PERSON_ID}/budget", name="/my/{id}/budget", catch_response=True) as response:
            if response.status_code == 404:
                response.success()

    @task(1)
    def api_me(self) -> None:
        self.client.get("/api/v1/me", name="/api/v1/me")


def csrf_from(html: str) -> str:
    """The CSRF token a page's forms carry (kept for write scenarios)."""
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    return match.group(1) if match else ""
