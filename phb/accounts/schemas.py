"""Input and output models for accounts, shared by forms and the JSON API."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict


class InvitationCreate(BaseModel):
    """Invite the person (no ``supporter_id``) or one of their representatives or nominees."""

    model_config = ConfigDict(extra="forbid")

    supporter_id: int | None = None


class InvitationMade(BaseModel):
    """A one-time link: give it to the person it is for. It is not shown again."""

    link: str
    expires_at: dt.datetime
