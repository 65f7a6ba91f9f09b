"""One route for every change of a meeting's state: open, close, extend, re-list, purge.

Whoever asks (a slash command, an App Home button, the command line, the deadline
job), a change goes the same way:

1. the core decides it and stores it, audited, in one unit of work, or refuses it
   in plain words (``MeetingStates.open``, ``close``, ``extend``, ``relist``,
   ``purge``);
2. the notifier names what the change owes people ("case-messages", "chair:U1",
   "case:SH-01"); each is sent once and recorded under the change's key, so a
   retry, a restart or a second trigger (the chair closing a minute before the
   deadline job runs) sends nothing twice (``announce``);
3. the scheduler is re-armed from the same change: reminders and the close
   planned, moved or cancelled.

The deliveries come before the re-arm: a meeting's close schedule stays pending,
and so runs again at start-up, until everything its close owed has gone. The
transport chooses only *when* ``announce`` runs (after Slack's acknowledgement,
since posting fifty case messages takes longer than Slack waits).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Callable
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from bot.actions import Action
from bot.deadline_service import DeadlineService
from bot.meetings import PurgeReport, delivery_key
from bot.models import Case, Meeting
from bot.panel import PanelServices

logger = logging.getLogger(__name__)

#: One message a change owes someone. It returns False when there was nothing to
#: send after all (the message was already there), anything else once it is sent.
Delivery = Callable[[], bool | None]


class Change(StrEnum):
    OPEN = "open"
    CLOSE = "close"
    EXTEND = "extend"
    RELIST = "relist"
    PURGE = "purge"


class MeetingChange(BaseModel):
    """One decided change of a meeting's state: what the notifier and the scheduler act on."""

    model_config = ConfigDict(frozen=True)

    change: Change
    #: The meeting as it stands after the change.
    meeting: Meeting
    actor: str
    #: False when the meeting already was in that state (closed, purged): nothing changed.
    changed: bool = True
    #: The case a re-listing carried into ``meeting``.
    case: Case | None = None
    #: What a purge deleted.
    purge: PurgeReport | None = None

    @property
    def key(self) -> str:
        """The change's name in the deliveries table: the same change always has the same key.

        A close is named by when it happened and an extension by its new deadline, so
        a meeting replaced and closed again, or extended twice, owes its messages again.
        """
        meeting = self.meeting
        if self.change is Change.CLOSE and meeting.closed_at is not None:
            return delivery_key(meeting.id, "close", _stamp(meeting.closed_at))
        if self.change is Change.EXTEND:
            return delivery_key(meeting.id, "extend", _stamp(meeting.voting_closes))
        if self.change is Change.RELIST and self.case is not None:
            return delivery_key(meeting.id, "relist", self.case.ref)
        return delivery_key(meeting.id, self.change.value)


def _moment(recorded: str | None) -> dt.datetime | None:
    """A moment as the audit log records it (JSON text of its ISO form)."""
    value = json.loads(recorded) if recorded else None
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else None


def _stamp(moment: dt.datetime) -> str:
    return f"{moment.astimezone(dt.UTC):%Y%m%dT%H%M%S%fZ}"


class Announced(BaseModel):
    """What ``announce`` sent for a change, and what had been sent before."""

    model_config = ConfigDict(frozen=True)

    sent: tuple[str, ...] = ()
    already: tuple[str, ...] = ()

    def cases_sent(self) -> int:
        return sum(1 for name in self.sent if name.startswith(CASE_PREFIX))

    def cases_already(self) -> int:
        return sum(1 for name in self.already if name.startswith(CASE_PREFIX))


#: Deliveries named ``case:REF`` post one case's message.
CASE_PREFIX = "case:"


class MeetingNotifier(Protocol):
    """Everything the bot tells people; implemented once, by the Slack transport."""

    def deliveries(self, change: MeetingChange) -> dict[str, Delivery]:
        """The messages ``change`` owes, by a name unique within the change."""
        ...

    def remind(self, meeting: Meeting, member: str, refs: list[str]) -> None:
        """Remind a member of the cases they have not voted on yet."""
        ...

    def remind_action(self, action: Action, contact: str) -> None:
        """Tell an agency's named contact that its action falls due soon."""
        ...


class MeetingStates:
    """The one way to open, close, extend, re-list and purge, for every trigger."""

    def __init__(
        self,
        panel: PanelServices,
        deadlines: DeadlineService,
        notifier: MeetingNotifier | None = None,
    ) -> None:
        """``notifier`` is None on the command line, where no Slack workspace is connected."""
        self.panel = panel
        self.deadlines = deadlines
        self.notifier = notifier
        self._rearm: Callable[[], None] = _nothing
        self._locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()

    def rearm_with(self, sync: Callable[[], None]) -> None:
        """What makes the scheduler's wake-ups match the pending schedules (a running bot's)."""
        self._rearm = sync

    # Deciding ------------------------------------------------------------------

    def open(self, meeting_id: str | None, actor: str) -> MeetingChange:
        """Open voting in Slack: the case messages go to the channel, the deadlines are armed."""
        self.panel.access.require_chair_or_secretariat(actor, "open a meeting")
        meeting = self.panel.meetings.get_meeting(meeting_id)
        return MeetingChange(change=Change.OPEN, meeting=meeting, actor=actor)

    def close(self, meeting_id: str, actor: str) -> MeetingChange:
        """End voting now (the chair early, or the deadline job at the deadline)."""
        changed = self.panel.meetings.close_voting(meeting_id, actor)
        meeting = self.panel.meetings.get_meeting(meeting_id)
        return MeetingChange(change=Change.CLOSE, meeting=meeting, actor=actor, changed=changed)

    def extend(self, meeting_id: str | None, closes: dt.datetime, actor: str) -> MeetingChange:
        """Move the voting deadline of an open meeting."""
        meeting = self.deadlines.extend(meeting_id, closes, actor)
        return MeetingChange(change=Change.EXTEND, meeting=meeting, actor=actor)

    def relist(self, ref: str, target_id: str, actor: str) -> MeetingChange:
        """Carry an undecided case of a closed meeting into an open one."""
        case = self.deadlines.relist(ref, target_id, actor)
        meeting = self.panel.meetings.get_meeting(case.meeting_id)
        return MeetingChange(change=Change.RELIST, meeting=meeting, actor=actor, case=case)

    def purge(self, meeting_id: str, actor: str) -> MeetingChange:
        """Delete a closed meeting's narratives and notes for retention."""
        report = self.panel.meetings.purge_meeting(meeting_id, actor)
        return MeetingChange(
            change=Change.PURGE,
            meeting=report.meeting,
            actor=actor,
            changed=not report.already_purged,
            purge=report,
        )

    # Telling and re-arming -------------------------------------------------------

    def announce(self, change: MeetingChange) -> Announced:
        """Send what ``change`` owes that has not been sent, recording each; then re-arm.

        A delivery that fails stops here, unrecorded, and the schedules stay as they
        were; the next attempt (a retry, the deadline job, start-up) sends the rest.
        """
        owed = self.notifier.deliveries(change) if self.notifier is not None else {}
        sent: list[str] = []
        already: list[str] = []
        with self._lock(change.key):
            done = self.deadlines.delivered(change.key)
            for name, send in owed.items():
                if name in done:
                    already.append(name)
                    continue
                (already if send() is False else sent).append(name)
                self.deadlines.record_delivery(change.key, name)
        announced = Announced(sent=tuple(sent), already=tuple(already))
        if change.change is Change.OPEN:
            self.panel.meetings.audit_open(change.meeting.id, change.actor, announced.cases_sent())
        self._rearm_after(change)
        if sent:
            logger.info("%s of %s: sent %s", change.change.value, change.meeting.id, sent)
        return announced

    def catch_up(self) -> int:
        """Announce the extensions made where no Slack is connected; returns how many.

        `vcop meeting extend` decides and plans an extension in the database, but the
        case messages still owe their redraw and a running bot's wake-ups must follow
        it. The audit log holds every extension, so the bot announces, every minute,
        each open meeting's current extension that has told nobody yet.
        """
        told = 0
        for meeting in self.panel.meetings.list_meetings():
            if not meeting.is_open:
                continue
            latest = self.panel.repo.latest_audit(meeting.id, "meeting.extend")
            if latest is None or _moment(latest.new) != meeting.voting_closes:
                continue
            change = MeetingChange(change=Change.EXTEND, meeting=meeting, actor=latest.actor)
            if not self.deadlines.delivered(change.key):
                self.announce(change)
                told += 1
        return told

    def _rearm_after(self, change: MeetingChange) -> None:
        if change.change in (Change.OPEN, Change.EXTEND):
            self.deadlines.plan(change.meeting.id)
        elif change.change is Change.CLOSE:
            self.deadlines.cancel(change.meeting.id)
        else:
            return  # a re-listing or a purge moves no deadline
        self._rearm()

    def _lock(self, key: str) -> threading.Lock:
        """One lock per change: two triggers of the same change never send a message twice."""
        with self._locks_lock:
            return self._locks.setdefault(key, threading.Lock())


def _nothing() -> None:
    """No scheduler to re-arm here (the command line): a running bot re-arms from the
    database, at start-up and, for an extension, within a minute (``catch_up``)."""
