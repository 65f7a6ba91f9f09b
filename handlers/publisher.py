"""Putting a meeting into Slack: case messages, progress lines, notices and DMs.

Every Web API call the bot makes outside a request's own reply goes through
here, so the calls that cost rate-limit budget are in one place.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from slack_sdk.web import SlackResponse

from bot.errors import PanelError
from bot.message_records import MessageRecords, digest_of
from bot.models import Finding, Meeting
from bot.panel import PanelServices
from bot.report_docx import render_docx
from bot.summary import DraftSummary, render_csv, render_markdown
from bot.voting import members_without_vote
from handlers import blocks
from handlers.message_parts import numbered_parts, with_content_ids
from handlers.pacing import Pace, PostingPace

logger = logging.getLogger(__name__)

HEADER_REF = ""  # the posts-table key of a meeting's header message
CLOSED_NOTICE_REF = "#closed"  # ... of the channel's notice that voting closed
FINAL_NOTICE_REF = "#final"  # ... of the follow-up once the last undecided right is resolved


def _dicts(items: Sequence[Block | dict[str, Any]]) -> list[dict[str, Any]]:
    """Blocks as Slack gets them, each with an id that changes when its content does."""
    return with_content_ids(items)


#: Slack errors after which re-sending a message's rendering can never succeed.
_PERMANENT = frozenset({"message_not_found", "channel_not_found", "cant_update_message"})


class MeetingPublisher:
    """Posts and keeps current the messages a meeting has in the panel channel."""

    def __init__(
        self,
        service: PanelServices,
        client: WebClient,
        pace: Pace | None = None,
        records: MessageRecords | None = None,
    ) -> None:
        self.service = service
        self.client = client
        self.pace: Pace = pace or PostingPace()
        self.records = records or service.messages
        self._open_lock = threading.Lock()
        # Progress refreshes (their own thread) and the close (a request thread) both
        # render a case from the database, then chat.update it. Rendering and updating
        # under one lock means the last update is always the latest state: a slow
        # progress update can never land after the close and bring back the Vote button.
        self._refresh_lock = threading.Lock()

    @property
    def channel(self) -> str:
        return self.service.settings.panel.channel

    def _closes(self, meeting: Meeting) -> str:
        return self.service.meetings.local_time(meeting.voting_closes)

    def case_message(self, meeting: Meeting, ref: str) -> tuple[str, list[Block]]:
        case = self.service.meetings.get_case(meeting.id, ref)
        open_ = self.service.meetings.voting_is_open(meeting)
        return blocks.case_message(
            meeting,
            case,
            self.service.voting.voter_count(meeting.id, ref),
            len(self.service.settings.panel.members),
            self._closes(meeting),
            open_=open_,
            category=None if open_ else self.service.tallying.case_tally(meeting.id, ref).category,
        )

    def post_header(self, meeting: Meeting) -> bool:
        """Post the meeting's header message unless it is there; True when it was posted."""
        with self._open_lock:
            if self.service.messages.post_for(meeting.id, HEADER_REF) is not None:
                return False
            cases = len(self.service.meetings.cases(meeting.id))
            text, header = blocks.meeting_header_message(meeting, cases, self._closes(meeting))
            response = self._post(self.channel, text, header)
            self.service.messages.record_post(
                meeting.id, HEADER_REF, response["channel"], response["ts"]
            )
        return True

    def post_case(self, meeting: Meeting, ref: str) -> bool:
        """Post one case's message unless it is there; True when it was posted.

        One lock serialises posting in this process, and each post is recorded as
        soon as Slack answers, so running it again posts no duplicates.
        """
        with self._open_lock:
            if self.service.messages.post_for(meeting.id, ref) is not None:
                return False
            text, message = self.case_message(meeting, ref)
            response = self._post(self.channel, text, message)
            self.service.messages.record_post(meeting.id, ref, response["channel"], response["ts"])
        return True

    def refresh_case(self, meeting_id: str, ref: str) -> bool:
        """Bring one case message up to date (progress line, open or closed state).

        A closed state (or any update while an earlier one is still owed) is
        recorded in the database as the message's desired state before it is
        sent, and confirmed once Slack takes it; an update Slack refuses is
        recorded too. :meth:`resync` sends what is owed again, even after a
        restart. A routine progress line that Slack takes costs no write.
        """
        post = self.service.messages.post_for(meeting_id, ref)
        if post is None:
            return False
        with self._refresh_lock:
            meeting = self.service.meetings.get_meeting(meeting_id)
            text, message = self.case_message(meeting, ref)
            rendering: dict[str, Any] = {"text": text, "blocks": _dicts(message)}
            digest = None
            if not self.service.meetings.voting_is_open(meeting) or self.records.owed(
                meeting_id, ref
            ):
                digest = self.records.want(meeting_id, ref, rendering)
            try:
                self.client.chat_update(
                    channel=post[0], ts=post[1], text=text, blocks=rendering["blocks"]
                )
            except (SlackApiError, OSError):
                if digest is None:
                    self.records.want(meeting_id, ref, rendering)
                raise
            if digest is not None:
                self.records.confirmed(meeting_id, ref, digest)
        return True

    def resync(self) -> int:
        """Re-render and send every case message Slack does not yet show as it should.

        Runs periodically and at start-up; returns how many Slack took. Each is
        rendered afresh from the database under the refresh lock, so it shows the
        latest state (closed, or purged) and never overwrites a newer update.
        """
        fixed = 0
        with self._refresh_lock:
            for meeting_id, ref in self.records.pending():
                post = self.service.messages.post_for(meeting_id, ref)
                try:
                    meeting = self.service.meetings.get_meeting(meeting_id)
                    text, message = self.case_message(meeting, ref)
                except PanelError as exc:
                    logger.warning("cannot re-render case %s of %s: %s", ref, meeting_id, exc)
                    continue
                rendering: dict[str, Any] = {"text": text, "blocks": _dicts(message)}
                assert post is not None
                try:
                    self.client.chat_update(
                        channel=post[0], ts=post[1], text=text, blocks=rendering["blocks"]
                    )
                except SlackApiError as exc:
                    error = str(exc.response.get("error", ""))
                    if error not in _PERMANENT:
                        logger.warning("case %s's message is still behind: %s", ref, error)
                        continue
                    logger.warning("giving up on case %s's message: Slack says %s", ref, error)
                except OSError as exc:
                    logger.warning("case %s's message is still behind: %s", ref, exc)
                    continue
                else:
                    fixed += 1
                self.records.settled(meeting_id, ref, digest_of(rendering))
        if fixed:
            logger.info("brought %d case messages up to date", fixed)
        return fixed

    def mark_cases_closed(self, meeting_id: str) -> None:
        """Show each case's closed state; a message Slack refuses now is retried by resync."""
        for case in self.service.meetings.cases(meeting_id):
            try:
                self.refresh_case(meeting_id, case.ref)
            except SlackApiError as exc:
                logger.warning(
                    "could not mark case %s closed (will retry): %s",
                    case.ref,
                    exc.response["error"],
                )
            except OSError as exc:
                logger.warning("could not mark case %s closed (will retry): %s", case.ref, exc)

    def post_closed_notice(self, meeting_id: str) -> None:
        """Tell the channel voting closed, once; the notice is recorded so it can be edited."""
        if self.service.messages.post_for(meeting_id, HEADER_REF) is None:
            return  # never posted to Slack, so the channel has nothing to be told
        if self.service.messages.post_for(meeting_id, CLOSED_NOTICE_REF) is not None:
            self.edit_closed_notice(meeting_id)
            return
        meeting = self.service.meetings.get_meeting(meeting_id)
        text, notice = blocks.closed_notice(
            meeting, self.service.tallying.meeting_tally(meeting.id).cases
        )
        # One message (the list is sectioned, never cut), recorded so that it can be edited.
        response = self._post(self.channel, text, notice)
        self.service.messages.record_post(
            meeting_id, CLOSED_NOTICE_REF, response["channel"], response["ts"]
        )

    def edit_closed_notice(self, meeting_id: str) -> bool:
        post = self.service.messages.post_for(meeting_id, CLOSED_NOTICE_REF)
        if post is None:
            return False
        meeting = self.service.meetings.get_meeting(meeting_id)
        text, notice = blocks.closed_notice(
            meeting, self.service.tallying.meeting_tally(meeting.id).cases
        )
        self.client.chat_update(channel=post[0], ts=post[1], text=text, blocks=_dicts(notice))
        return True

    def resolution_changed(self, meeting_id: str, ref: str) -> None:
        """After a resolution on a closed meeting: the case message and the notice follow it.

        When no undecided right is left, a short follow-up gives the final
        categories (once), since an edited notice notifies nobody.
        """
        meeting = self.service.meetings.get_meeting(meeting_id)
        if meeting.is_open:
            return  # the categories are shown once voting closes
        self.refresh_case(meeting_id, ref)
        if not self.edit_closed_notice(meeting_id):
            return
        tallies = self.service.tallying.meeting_tally(meeting_id).cases
        undecided = any(r.finding is Finding.UNDECIDED for case in tallies for r in case.rights)
        if undecided or self.service.messages.post_for(meeting_id, FINAL_NOTICE_REF) is not None:
            return
        had_undecided = any(
            r.vote_finding is Finding.UNDECIDED and r.resolved
            for case in tallies
            for r in case.rights
        )
        if had_undecided:
            text, message = blocks.all_resolved_message(meeting, tallies)
            response = self._post(self.channel, text, message)
            self.service.messages.record_post(
                meeting_id, FINAL_NOTICE_REF, response["channel"], response["ts"]
            )

    def chair_dm_message(
        self, meeting_id: str, confirmation: str | None = None
    ) -> tuple[str, list[Block]]:
        """The chair's deadline DM: what needs a decision first, then who did not vote."""
        meeting = self.service.meetings.get_meeting(meeting_id)
        tallies = self.service.tallying.meeting_tally(meeting.id).cases
        non_voters = members_without_vote(self.service.voting.progress(meeting.id))
        return blocks.closing_tally_message(
            meeting,
            tallies,
            len(self.service.settings.panel.members),
            non_voters,
            consensus=self.service.settings.voting.consensus,
            quorum=self.service.settings.voting.quorum,
            confirmation=confirmation,
        )

    def refresh_chair_dm(
        self, meeting_id: str, chair: str, channel: str, ts: str, confirmation: str
    ) -> None:
        """Redraw the deadline DM a chair resolved from, with a line confirming it."""
        self.service.access.require_chair(chair, "see the tally")
        text, message = self.chair_dm_message(meeting_id, confirmation)
        self.client.chat_update(channel=channel, ts=ts, text=text, blocks=_dicts(message))

    def post(self, channel: str, text: str, message: Sequence[Block] = ()) -> None:
        """Post a message, as several in order when its blocks exceed one message's size."""
        if not message:
            self._post(channel, text, ())
            return
        for part_text, part in numbered_parts(text, message):
            self._post(channel, part_text, part)

    def dm(self, user: str, text: str, message: Sequence[Block] = ()) -> str:
        """Send a DM and return its channel id (opened with conversations.open)."""
        channel = self.client.conversations_open(users=user)["channel"]["id"]
        self.post(channel, text, message)
        return channel

    def reply_in_thread(
        self, channel: str, thread_ts: str, text: str, message: Sequence[Block] = ()
    ) -> SlackResponse:
        """A reply under a member's message (a meeting file sent to the app's DM)."""
        return self._post(channel, text, message, thread_ts=thread_ts)

    def _post(
        self,
        channel: str,
        text: str,
        message: Sequence[Block | dict[str, Any]],
        *,
        thread_ts: str | None = None,
    ) -> SlackResponse:
        """Every message the bot posts goes out here, at the channel's posting pace."""
        self.pace.wait(channel)
        return self.client.chat_postMessage(
            channel=channel,
            text=text,
            blocks=_dicts(message) or None,
            unfurl_links=False,
            thread_ts=thread_ts,
        )

    def send_file(self, user: str, text: str, filename: str, title: str, content: bytes) -> str:
        """DM a short message, then upload a file into that DM; returns the DM's channel."""
        channel = self.dm(user, text)
        try:
            self.client.files_upload_v2(
                channel=channel, file=content, filename=filename, title=title
            )
        except OSError as exc:  # the upload URL is outside the Web API's retry handlers
            logger.warning("uploading %s failed: %s", filename, exc)
            raise PanelError(
                f"{filename} could not be uploaded to Slack; please try again shortly."
            ) from exc
        return channel

    def send_summary(self, meeting_id: str | None, user: str, fmt: str = "docx") -> str:
        """DM the requester the category counts, then upload the summary files into that DM.

        ``fmt`` is the files' form: ``docx`` (default; the public report and the panel's
        annex, editable in Word), ``md`` (the same two as Markdown) or ``csv`` (the
        compliance return).
        """
        self.service.access.require_chair_or_secretariat(user, "pull the draft summary")
        summary = self.service.reports.draft_summary(meeting_id)
        text, message = blocks.summary_message(summary, fmt)
        channel = self.dm(user, text, message)
        self.upload_files(channel, summary, summary_files(summary, fmt))
        return channel

    def upload_files(
        self, channel: str, summary: DraftSummary, files: Sequence[SummaryFile]
    ) -> None:
        """Share files into a DM in one upload; a failed upload is told to the requester."""
        try:
            self.client.files_upload_v2(
                channel=channel,
                file_uploads=[
                    {"content": f.content, "filename": f.filename, "title": f.title} for f in files
                ],
            )
        except OSError as exc:
            # The bytes go to a plain upload URL, outside the Web API and its retry
            # handlers: a failure there is a urllib error, not a SlackApiError, and
            # the requester was promised the files, so tell them instead of going quiet.
            logger.warning("uploading the draft summary of %s failed: %s", summary.meeting_id, exc)
            raise PanelError(
                "The draft report could not be uploaded to Slack; please try again shortly."
            ) from exc


@dataclass(frozen=True)
class SummaryFile:
    content: bytes
    filename: str
    title: str


def summary_files(summary: DraftSummary, fmt: str = "docx") -> list[SummaryFile]:
    """The files a summary DM carries: the public report, then the panel's annex, as Word
    files (``docx``) or Markdown (``md``); or the compliance return alone (``csv``)."""
    stem, title = summary.meeting_id, summary.title
    if fmt == "csv":
        return [
            SummaryFile(
                render_csv(summary).encode("utf-8"),
                f"{stem}-draft-summary.csv",
                f"Compliance return: {title}",
            )
        ]
    if fmt == "md":
        return [
            SummaryFile(
                render_markdown(summary).encode("utf-8"),
                f"{stem}-draft-summary.md",
                f"Draft public report: {title}",
            ),
            SummaryFile(
                render_markdown(summary, annex_only=True).encode("utf-8"),
                f"{stem}-annex.md",
                f"Annex for the panel (not for publication): {title}",
            ),
        ]
    return [
        SummaryFile(
            render_docx(summary),
            f"{summary.meeting_id}-draft-summary.docx",
            f"Draft public report: {summary.title}",
        ),
        SummaryFile(
            render_docx(summary, annex_only=True),
            f"{summary.meeting_id}-annex.docx",
            f"Annex for the panel (not for publication): {summary.title}",
        ),
    ]
