"""`/vcop` and its subcommands.

Each subcommand acks fast with a reply only the invoker sees; slow work
(posting cases, building the DOCX) runs after the ack and reports back
through the response_url.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deadlines import parse_deadline
from bot.errors import PanelError
from bot.feedback_service import FeedbackService
from bot.trend_service import parse_date
from bot.workbook_writer import meeting_workbook
from handlers import blocks, secretariat_blocks
from handlers.action_listeners import open_add_from_command
from handlers.chair_tally import chair_tally_view
from handlers.feedback_delivery import send_feedback
from handlers.message_parts import numbered_parts
from handlers.mrkdwn import escape
from handlers.notifier import posted_text
from handlers.payloads import SlashCommand
from handlers.runtime import SlackRuntime, runtime_of
from handlers.trend_delivery import send_trends

logger = logging.getLogger(__name__)

Subcommand = Callable[[SlackRuntime, SlashCommand, Ack, Respond, WebClient], None]


def _meeting_arg(request: SlashCommand) -> str | None:
    return request.arguments[0] if request.arguments else None


def _reply(ack: Ack, respond: Respond, text: str) -> None:
    """Answer only the invoker: in the ack if it is still unsent, else via response_url."""
    if ack.response is None:
        ack(text=text)
    else:
        respond(text=text, response_type="ephemeral", replace_original=False)


def _reporting_failures(task: Callable[[], object], respond: Respond) -> Callable[[], None]:
    """After the ack, a failure is told to the invoker instead of vanishing into a log."""

    def run() -> None:
        try:
            task()
        except PanelError as exc:
            respond(text=str(exc), response_type="ephemeral", replace_original=False)
        except SlackApiError as exc:
            logger.warning("Slack refused a call: %s", exc.response.get("error"))
            respond(
                text="Slack refused part of that request; please try again shortly.",
                response_type="ephemeral",
                replace_original=False,
            )

    return run


def show_help(
    rt: SlackRuntime, request: SlashCommand, ack: Ack, respond: Respond, client: WebClient
) -> None:
    settings = rt.service.settings
    ack(
        text=blocks.help_text(
            settings.is_chair(request.user_id),
            settings.is_secretariat(request.user_id),
            settings.is_member(request.user_id),
        )
    )


def open_meeting(
    rt: SlackRuntime, request: SlashCommand, ack: Ack, respond: Respond, client: WebClient
) -> None:
    change = rt.states.open(_meeting_arg(request), request.user_id)
    meeting = change.meeting
    ack(text=f"Posting the cases of {escape(meeting.title)} to <#{rt.publisher.channel}>…")

    def post() -> None:
        announced = rt.states.announce(change)
        respond(
            text=f"{escape(meeting.title)}: {posted_text(announced, rt.publisher.channel)}",
            response_type="ephemeral",
        )

    rt.after_ack(_reporting_failures(post, respond))


def show_status(
    rt: SlackRuntime, request: SlashCommand, ack: Ack, respond: Respond, client: WebClient
) -> None:
    rt.service.access.require_panel(request.user_id, "see the voting status")
    meeting = rt.service.meetings.get_meeting(_meeting_arg(request))
    progress = rt.service.voting.progress(meeting.id)
    closes = rt.service.meetings.local_time(meeting.voting_closes)
    parts = numbered_parts(
        f"Voting status: {escape(meeting.title)}", blocks.status_blocks(meeting, progress, closes)
    )
    if len(parts) == 1:
        ack(text=parts[0][0], blocks=parts[0][1])
        return
    # A big panel's long agenda outgrows one message. The ack is shown only once this
    # listener returns, after anything sent to the response URL, so every part goes
    # there, in order, and the ack itself says nothing.
    ack()
    for text, part in parts:
        respond(text=text, blocks=part, response_type="ephemeral", replace_original=False)


def show_tally(
    rt: SlackRuntime, request: SlashCommand, ack: Ack, respond: Respond, client: WebClient
) -> None:
    view = chair_tally_view(rt, request.user_id, _meeting_arg(request))
    ack()
    client.views_open(trigger_id=request.trigger_id, view=view)


def close_meeting(
    rt: SlackRuntime, request: SlashCommand, ack: Ack, respond: Respond, client: WebClient
) -> None:
    """Ask first: a modal says how many members have not voted, and Close voting closes."""
    check = rt.service.voting.close_check(_meeting_arg(request), request.user_id)
    meeting = check.meeting
    if not meeting.is_open:
        ack(
            text=f"Voting on {escape(meeting.title)} was already closed. `/vcop tally "
            f"{meeting.id}` shows what still needs your decision."
        )
        return
    ack()
    closes = rt.service.meetings.local_time(meeting.voting_closes)
    client.views_open(trigger_id=request.trigger_id, view=blocks.close_confirm_modal(check, closes))


SUMMARY_FORMATS = ("md", "docx", "csv")


def summary_arguments(arguments: list[str]) -> tuple[str | None, str]:
    """``[MEETING] [md|docx|csv]`` in either order: (meeting or None, format; docx by default)."""
    fmt = "docx"
    meeting: str | None = None
    for word in arguments:
        if word.lower() in SUMMARY_FORMATS:
            fmt = word.lower()
        elif meeting is None:
            meeting = word
        else:
            raise PanelError("Usage: /vcop summary [MEETING] [md|docx|csv]")
    return meeting, fmt


def send_summary(
    rt: SlackRuntime, request: SlashCommand, ack: Ack, respond: Respond, client: WebClient
) -> None:
    rt.service.access.require_chair_or_secretariat(request.user_id, "pull the draft summary")
    meeting_id, fmt = summary_arguments(request.arguments)
    meeting = rt.service.meetings.get_meeting(meeting_id)
    ack(text=f"Preparing the draft summary of {escape(meeting.title)}; it will arrive in a DM.")
    rt.after_ack(
        _reporting_failures(
            lambda: rt.publisher.send_summary(meeting.id, request.user_id, fmt), respond
        )
    )


def confirm_purge(
    rt: SlackRuntime, request: SlashCommand, ack: Ack, respond: Respond, client: WebClient
) -> None:
    """A confirmation modal saying what a purge deletes; the purge runs on its submission."""
    rt.service.access.require_chair_or_secretariat(request.user_id, "purge a meeting")
    if len(request.arguments) != 1:
        raise PanelError("Usage: /vcop purge MEETING (`/vcop meetings` lists them)")
    meeting = rt.service.meetings.get_meeting(request.arguments[0])
    if meeting.is_open:
        raise PanelError(
            f"Voting on {escape(meeting.title)} is still open; close it (`/vcop close "
            f"{meeting.id}`) before purging it. Nothing was purged."
        )
    if meeting.purged_at is not None:
        when = rt.service.meetings.local_time(meeting.purged_at)
        raise PanelError(f"{escape(meeting.title)} was already purged on {when}; nothing to do.")
    cases = len(rt.service.meetings.cases(meeting.id))
    notes = len(rt.service.meetings.notes(meeting.id))
    ack()
    client.views_open(
        trigger_id=request.trigger_id,
        view=secretariat_blocks.purge_modal(meeting, cases, notes),
    )


def send_template(
    rt: SlackRuntime, request: SlashCommand, ack: Ack, respond: Respond, client: WebClient
) -> None:
    """The blank meeting workbook, as a DM, so the secretariat never needs the server."""
    rt.service.access.require_chair_or_secretariat(request.user_id, "get the meeting template")
    ack(text="The meeting spreadsheet template will arrive in a DM.")
    zone = rt.service.settings.voting.zone

    def send() -> None:
        rt.publisher.send_file(
            request.user_id,
            "The meeting spreadsheet: fill in the Meeting and Cases sheets (the Guidance "
            "sheet explains each column), save it, and send it back to me here.",
            "meeting-template.xlsx",
            "Meeting template",
            meeting_workbook(None, zone),
        )

    rt.after_ack(_reporting_failures(send, respond))


def send_export(
    rt: SlackRuntime, request: SlashCommand, ack: Ack, respond: Respond, client: WebClient
) -> None:
    """A stored meeting as a workbook, as a DM: to correct it and send it back (Replace)."""
    if len(request.arguments) != 1:
        raise PanelError("Usage: /vcop export MEETING (`/vcop meetings` lists them)")
    content = rt.service.meetings.export_meeting(request.arguments[0], actor=request.user_id)
    ack(text=f"{escape(content.meeting.title)} will arrive in a DM as a spreadsheet.")
    zone = rt.service.settings.voting.zone

    def send() -> None:
        rt.publisher.send_file(
            request.user_id,
            f"{escape(content.meeting.title)} as a spreadsheet. To correct it before any vote "
            "is cast, edit it and send it back to me here; I will ask before replacing.",
            f"{content.meeting.id}.xlsx",
            f"Meeting: {content.meeting.title}",
            meeting_workbook(content, zone),
        )

    rt.after_ack(_reporting_failures(send, respond))


def list_meetings(
    rt: SlackRuntime, request: SlashCommand, ack: Ack, respond: Respond, client: WebClient
) -> None:
    rt.service.access.require_chair_or_secretariat(request.user_id, "list the meetings")
    ack(text=secretariat_blocks.meetings_text(rt.service.meetings.meeting_list_lines()))


def open_panel_notes(
    rt: SlackRuntime, request: SlashCommand, ack: Ack, respond: Respond, client: WebClient
) -> None:
    meeting, notes = rt.service.panel_notes.current(request.user_id, _meeting_arg(request))
    ack()
    client.views_open(trigger_id=request.trigger_id, view=blocks.panel_notes_modal(meeting, notes))


def extend_deadline(
    rt: SlackRuntime, request: SlashCommand, ack: Ack, respond: Respond, client: WebClient
) -> None:
    rt.service.access.require_chair(request.user_id, "extend the voting deadline")
    if not request.arguments:
        raise PanelError(
            "Say when voting should close: `/vcop extend [MEETING] DATETIME`, "
            "e.g. `/vcop extend 2025-09-16T17:00` for the meeting now open."
        )
    meetings = rt.service.meetings
    meeting_id: str | None = None
    words = request.arguments
    # The meeting is optional: a first word naming a stored meeting is the meeting.
    if len(words) >= 2 and meetings.meeting_exists(words[0]):
        meeting_id, words = words[0], words[1:]
    when = " ".join(words)
    try:
        closes = parse_deadline(when, rt.service.settings.voting.zone)
    except ValueError as exc:
        raise PanelError(str(exc)) from exc
    change = rt.states.extend(meeting_id, closes, request.user_id)
    rt.states.announce(change)
    meeting = change.meeting
    ack(text=f"Voting on {escape(meeting.title)} now closes {meetings.local_time(closes)}.")


def relist_case(
    rt: SlackRuntime, request: SlashCommand, ack: Ack, respond: Respond, client: WebClient
) -> None:
    rt.service.access.require_chair_or_secretariat(request.user_id, "re-list a case")
    if len(request.arguments) != 2:
        raise PanelError(
            "Usage: `/vcop relist CASE MEETING`, e.g. `/vcop relist SH-02 2025-12-stalking`."
        )
    ref, target = request.arguments
    change = rt.states.relist(ref, target, request.user_id)
    case = change.case
    assert case is not None
    ack(text=f"{case.ref} is re-listed in {target} (from {case.relisted_from}).")
    rt.after_ack(_reporting_failures(lambda: rt.states.announce(change), respond))


def send_report(
    rt: SlackRuntime, request: SlashCommand, ack: Ack, respond: Respond, client: WebClient
) -> None:
    rt.service.access.require_trends_reader(request.user_id)
    if len(request.arguments) < 2:
        raise PanelError(
            "Usage: /vcop report FROM TO [THEME], dates as YYYY-MM-DD, e.g. "
            "/vcop report 2025-04-01 2026-03-31"
        )
    start = parse_date(request.arguments[0], "FROM")
    end = parse_date(request.arguments[1], "TO")
    theme = " ".join(request.arguments[2:]) or None
    rt.trends.check_period(start, end, theme)  # a wrong period is told now, not in the DM
    ack(
        text=f"Preparing the trends report for {start.isoformat()} to {end.isoformat()}; "
        "it will arrive in a DM."
    )
    rt.after_ack(
        _reporting_failures(
            lambda: send_trends(rt.publisher, rt.trends, request.user_id, start, end, theme),
            respond,
        )
    )


def send_feedback_packs(
    rt: SlackRuntime, request: SlashCommand, ack: Ack, respond: Respond, client: WebClient
) -> None:
    if not request.arguments:
        raise PanelError(
            "Usage: /vcop feedback MEETING [AGENCY], e.g. /vcop feedback 2025-09-stalking Police"
        )
    feedback = FeedbackService(rt.service)
    meeting = rt.service.meetings.get_meeting(request.arguments[0])
    agency = " ".join(request.arguments[1:]) or None
    rt.service.access.require_pack_reader(
        request.user_id, None if agency is None else feedback.agency(agency)
    )
    if rt.service.meetings.voting_is_open(meeting):
        raise PanelError(
            f"Voting on {escape(meeting.title)} is still open; feedback packs come after the close."
        )
    ack(text=f"Preparing the feedback packs of {escape(meeting.title)}; they will arrive in a DM.")
    rt.after_ack(
        _reporting_failures(
            lambda: send_feedback(rt.publisher, feedback, request.user_id, meeting.id, agency),
            respond,
        )
    )


SUBCOMMANDS: dict[str, Subcommand] = {
    "help": show_help,
    "open": open_meeting,
    "status": show_status,
    "tally": show_tally,
    "close": close_meeting,
    "summary": send_summary,
    "meetings": list_meetings,
    "template": send_template,
    "export": send_export,
    "purge": confirm_purge,
    "notes": open_panel_notes,
    "extend": extend_deadline,
    "relist": relist_case,
    "report": send_report,
    "feedback": send_feedback_packs,
    "action": open_add_from_command,
}


def handle_vcop(
    ack: Ack, command: dict, respond: Respond, client: WebClient, context: BoltContext
) -> None:
    request = SlashCommand.model_validate(command)
    rt = runtime_of(context)
    subcommand = SUBCOMMANDS.get(request.subcommand)
    if subcommand is None:
        ack(
            text=f"Unknown subcommand `{escape(request.subcommand[:30])}`. "
            "`/vcop help` lists the ones you can use."
        )
        return
    try:
        subcommand(rt, request, ack, respond, client)
    except PanelError as exc:
        _reply(ack, respond, str(exc))


def register(app: App) -> None:
    app.command("/vcop")(handle_vcop)
