"""Meeting files sent to the app's Messages tab, and the buttons on the replies.

A secretariat member drops the filled-in workbook (or YAML/JSON) into their DM
with the app. The event is acknowledged at once; who sent it and how big it
is are checked from the event alone, so a refused file is never downloaded.
The download and the import (the same validation, screen and all-or-nothing
store as `vcop meeting import`) run after the ack, and the answer goes into
the DM as a reply in the file's thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from pydantic import ValidationError
from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import MeetingExists, PanelError
from bot.meeting_file import MeetingFileError
from bot.meeting_sources import check_sendable
from bot.workbook_layout import MAX_WORKBOOK_BYTES
from handlers import blocks, ids, secretariat_blocks
from handlers.file_download import download_file
from handlers.mrkdwn import escape
from handlers.notifier import posted_text
from handlers.payloads import ButtonClick, MessageEvent, SharedFile
from handlers.runtime import SlackRuntime, runtime_of

logger = logging.getLogger(__name__)

NOT_SECRETARIAT = (
    "Only the panel secretariat can import a meeting by sending a file. The file was "
    "not opened. If you are the secretariat, ask whoever runs the bot to add your "
    "Slack member ID to panel.secretariat."
)


FILES_ONLY = (
    "I read meeting files, not messages. To import a meeting, send its spreadsheet "
    "(.xlsx, from `/vcop template`) here; `/vcop help` lists what else I can do."
)


def _looks_personal(problems: list[str]) -> bool:
    return any("personal data" in line for line in problems)


class _Thread:
    """Replies in one DM thread (the one under the member's file)."""

    def __init__(self, rt: SlackRuntime, channel: str, ts: str) -> None:
        self.rt = rt
        self.channel = channel
        self.ts = ts

    def say(self, reply: tuple[str, list]) -> None:
        text, built = reply
        self.rt.publisher.reply_in_thread(self.channel, self.ts, text, built)


def _import(
    rt: SlackRuntime,
    client: WebClient,
    thread: _Thread,
    shared: SharedFile,
    user: str,
    *,
    replace: bool,
) -> None:
    """Download the file, import it, and answer in the thread; every outcome is told."""
    service = rt.service
    try:
        if not shared.url_private_download:
            shared = _file_info(client, shared.id)
        check_sendable(shared.name or "file", shared.size)
        token = client.token or ""
        data = download_file(
            shared.url_private_download, token, client.base_url, MAX_WORKBOOK_BYTES
        )
        report = service.meetings.import_bytes(shared.name, data, replace=replace, actor=user)
    except MeetingExists as exc:
        if exc.has_votes:
            thread.say(secretariat_blocks.voted_meeting_reply(exc.existing))
        else:
            thread.say(secretariat_blocks.replace_prompt(exc.existing, shared.id))
        return
    except MeetingFileError as exc:
        logger.info("a meeting file sent in Slack was refused: %d problems", len(exc.problems))
        thread.say(
            secretariat_blocks.problems_reply(
                exc.problems, personal_data=_looks_personal(exc.problems)
            )
        )
        return
    except PanelError as exc:
        thread.say(secretariat_blocks.refusal_reply(str(exc)))
        return
    closes = service.meetings.local_time(report.meeting.voting_closes)
    voting_open = service.meetings.voting_is_open(service.meetings.get_meeting(report.meeting.id))
    thread.say(secretariat_blocks.import_reply(report, closes, voting_open=voting_open))


def _file_info(client: WebClient, file_id: str) -> SharedFile:
    """The whole file object, when an event carried only its id (``check_file_info``)."""
    try:
        return SharedFile.model_validate(client.files_info(file=file_id)["file"])
    except (SlackApiError, ValidationError, KeyError, TypeError) as exc:
        raise PanelError("The file can no longer be fetched from Slack; send it again.") from exc


def _after_ack(rt: SlackRuntime, task: Callable[[], None]) -> None:
    """Run after the ack; a Slack refusal there is logged (there is no one else to tell)."""

    def run() -> None:
        try:
            task()
        except SlackApiError as exc:
            logger.warning("Slack refused a reply to a meeting file: %s", exc.response.get("error"))

    rt.after_ack(run)


def receive_file(event: dict, client: WebClient, context: BoltContext) -> None:
    """A ``message`` event; only a member's file share in the app's DM is acted on."""
    try:
        message = MessageEvent.model_validate(event)
    except ValidationError:
        logger.info("ignored a message event the bot cannot read")
        return
    rt = runtime_of(context)
    if message.is_text_in_dm:
        thread = _Thread(rt, message.channel, message.thread_ts or message.ts)
        _after_ack(rt, partial(thread.say, secretariat_blocks.refusal_reply(FILES_ONLY)))
        return
    if not message.is_file_share_in_dm:
        return
    thread = _Thread(rt, message.channel, message.thread_ts or message.ts)
    if not rt.service.access.may_send_meeting_files(message.user):
        logger.info("refused a file from someone not in panel.secretariat")
        _after_ack(rt, lambda: thread.say(secretariat_blocks.refusal_reply(NOT_SECRETARIAT)))
        return
    for shared in message.files:
        try:
            if shared.url_private_download:  # else files.info first, after the ack
                check_sendable(shared.name or "file", shared.size)
        except MeetingFileError as exc:
            refusal = secretariat_blocks.problems_reply(exc.problems, personal_data=False)
            _after_ack(rt, partial(thread.say, refusal))
            continue
        _after_ack(rt, partial(_import, rt, client, thread, shared, message.user, replace=False))


def _refuse(client: WebClient, click: ButtonClick, title: str, reason: str) -> None:
    client.views_open(trigger_id=click.trigger_id, view=blocks.notice_modal(title, reason))


def replace_meeting(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """Replace: fetch the same file again from Slack and import it over the stored meeting."""
    ack()
    click = ButtonClick.model_validate(body)
    rt = runtime_of(context)
    where = click.thread()
    if not rt.service.access.may_send_meeting_files(click.user_id) or where is None:
        _refuse(client, click, "Cannot replace", NOT_SECRETARIAT)
        return
    thread = _Thread(rt, *where)

    def run() -> None:
        try:
            shared = _file_info(client, click.value)
        except PanelError as exc:
            thread.say(secretariat_blocks.refusal_reply(str(exc)))
            return
        if shared.user and not rt.service.access.may_send_meeting_files(shared.user):
            thread.say(secretariat_blocks.refusal_reply(NOT_SECRETARIAT))
            return
        _import(rt, client, thread, shared, click.user_id, replace=True)

    _after_ack(rt, run)


def open_voting(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """Open voting: what `/vcop open MEETING` does, for the chair and the secretariat."""
    ack()
    click = ButtonClick.model_validate(body)
    rt = runtime_of(context)
    try:
        change = rt.states.open(click.value, click.user_id)
    except PanelError as exc:
        _refuse(client, click, "Cannot open voting", str(exc))
        return
    meeting = change.meeting
    where = click.thread()

    def run() -> None:
        try:
            announced = rt.states.announce(change)
        except PanelError as exc:
            text = str(exc)
        else:
            posted = posted_text(announced, rt.publisher.channel)
            text = f"Voting is open on {escape(meeting.title)}: {posted}"
        if where is not None:
            rt.publisher.reply_in_thread(where[0], where[1], text, [])
        else:
            rt.publisher.dm(click.user_id, text)

    _after_ack(rt, run)


Listener = Callable[[Ack, dict, WebClient, BoltContext], None]


def _guarded(listener: Listener) -> Listener:
    """Ack a malformed click instead of failing with a 500; log Slack refusals."""

    def run(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
        try:
            listener(ack, body, client, context)
        except ValidationError:
            if ack.response is None:
                ack()
        except SlackApiError as exc:
            logger.warning("Slack refused a reply to a click: %s", exc.response.get("error"))

    run.__name__ = listener.__name__
    return run


def register(app: App) -> None:
    app.event("message")(receive_file)
    app.action(ids.REPLACE_MEETING)(_guarded(replace_meeting))
    app.action(ids.OPEN_VOTING)(_guarded(open_voting))
