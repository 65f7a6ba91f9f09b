"""Actions: what an agency is to do after a meeting, and the record of what it did.

The chair or the secretariat records an action at or after a meeting; the
agency's named contact is reminded before it falls due and posts updates;
each update (who, when, what, any change of status) is kept, so a later
meeting can see what each agency still owes and what it said.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from bot.models import CaseRef, MeetingId

ACTION_TEXT_MAX = 1000
UPDATE_TEXT_MAX = 2000


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


class NewAction(BaseModel):
    """An action as the chair or secretariat typed it, before it is checked against the panel."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    meeting_id: MeetingId
    agency: str = Field(min_length=1, max_length=100)
    description: str = Field(min_length=1, max_length=ACTION_TEXT_MAX)
    due: dt.date
    case_ref: CaseRef | None = None
    right: int | None = Field(default=None, ge=1, le=99)


class Action(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    meeting_id: str
    agency: str
    description: str
    due: dt.date
    case_ref: str | None = None
    right: int | None = None
    status: ActionStatus = ActionStatus.OPEN
    created_by: str
    created_at: dt.datetime

    def overdue(self, today: dt.date) -> bool:
        """Still open after its due date."""
        return self.status is ActionStatus.OPEN and today > self.due

    @property
    def source(self) -> str:
        """Where it came from, for people: ``BG-02, right 6``."""
        parts = [self.case_ref or "", f"right {self.right}" if self.right else ""]
        return ", ".join(p for p in parts if p)


class ActionUpdate(BaseModel):
    """One entry of an action's history: who, when, what they said, any new status."""

    model_config = ConfigDict(frozen=True)

    action_id: int
    at: dt.datetime
    actor: str
    text: str
    status: ActionStatus | None = None
