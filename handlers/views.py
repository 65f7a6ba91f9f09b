"""Modal submissions: a member's votes, and the chair's resolution of a right.

A vote is acknowledged only after its transaction has committed; every
refusal is an error shown on the form (``response_action: errors``), never
a 5xx, so a crafted submission gets an ordinary Slack answer and stores nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from pydantic import ValidationError
from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import InvalidBallot, PanelError
from bot.models import Ballot, Finding
from bot.typed_text import PersonalDataInText
from handlers import blocks, ids
from handlers.chair_tally import chair_tally_view
from handlers.home import refresh_home
from handlers.payloads import ViewSubmission, describe_validation_error, right_block_ids
from handlers.receipt_view import vote_receipt_modal
from handlers.runtime import runtime_of

logger = logging.getLogger(__name__)

FIRST_RIGHT_BLOCK = ids.right_block(1)


def _unreadable(error: ValidationError) -> str:
    return f"This form could not be read ({describe_validation_error(error)})."


def _errors(ack: Ack, errors: dict[str, str]) -> None:
    ack(response_action="errors", errors={k: v[:150] for k, v in errors.items()})


def submit_votes(ack: Ack, body: dict, context: BoltContext) -> None:
    rt = runtime_of(context)
    rights = rt.service.settings.rights.numbers
    try:
        submission = ViewSubmission.model_validate(body)
        meta = submission.metadata()
        choices, unknown = submission.vote_choices(rights)
        if unknown:
            raise InvalidBallot(unknown)
        ballot = Ballot(
            meeting_id=meta.get("m", ""),
            case_ref=meta.get("r", ""),
            member=submission.user_id,
            # Unanswered rights are left out; record_ballot names each one on its block.
            choices={n: option for n, option in choices.items() if option is not None},
            notes=submission.notes(),
        )
        receipt = rt.service.voting.record_ballot(ballot)
    except InvalidBallot as exc:
        where = submission.right_block_ids(rights)
        _errors(ack, {where.get(n, ids.right_block(n)): msg for n, msg in exc.problems.items()})
        return
    except PersonalDataInText as exc:  # keyed by MemberNotes field, shown on its note block
        _errors(ack, {ids.note_block(field): msg for field, msg in exc.problems.items()})
        return
    except ValidationError as exc:
        _errors(ack, {_first_right(body, rights): _unreadable(exc)})
        return
    except (PanelError, ValueError) as exc:
        _errors(ack, {_first_right(body, rights): str(exc)})
        return
    ack(
        response_action="update",
        view=vote_receipt_modal(receipt, rt.service.settings.rights),
    )
    rt.progress.mark(receipt.meeting_id, receipt.case_ref)


def _first_right(body: dict, rights: list[int]) -> str:
    """The first right's block in the submitted form: where a form-wide error is shown."""
    view = body.get("view") if isinstance(body, dict) else None
    found = right_block_ids(view.get("blocks") or [], rights[:1]) if isinstance(view, dict) else {}
    return found.get(rights[0], FIRST_RIGHT_BLOCK) if rights else FIRST_RIGHT_BLOCK


def submit_resolution(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    rt = runtime_of(context)
    service = rt.service
    try:
        submission = ViewSubmission.model_validate(body)
        meta = submission.metadata()
        right = submission.selected(ids.RESOLVE_RIGHT) or ""
        finding = submission.selected(ids.RESOLVE_FINDING)
        if finding is None:
            _errors(ack, {ids.RESOLVE_FINDING: "Choose the panel's finding."})
            return
        resolution = service.resolutions.resolve_right(
            meta.get("m", ""),
            meta.get("r", ""),
            int(right),
            Finding(finding),
            submission.text(ids.RESOLVE_REASON),
            submission.user_id,
        )
    except ValidationError as exc:
        _errors(
            ack,
            {ids.RESOLVE_REASON: _unreadable(exc)},
        )
        return
    except PersonalDataInText as exc:
        _errors(ack, {ids.RESOLVE_REASON: exc.problems["reason"]})
        return
    except (PanelError, ValueError) as exc:
        _errors(ack, {ids.RESOLVE_REASON: str(exc)})
        return
    ack()
    confirmation = (
        f"Resolved {resolution.case_ref} Right {resolution.right} as {resolution.finding.value}."
    )
    user = submission.user_id
    origin = meta.get("s", "")
    try:
        if origin == "home":
            refresh_home(client, context, user, confirmation)
        elif origin == "dm" and meta.get("c") and meta.get("t"):
            rt.publisher.refresh_chair_dm(
                resolution.meeting_id, user, meta["c"], meta["t"], confirmation
            )
        else:
            root = submission.view.root_view_id
            if root and root != submission.view.id:
                view = chair_tally_view(rt, user, resolution.meeting_id, confirmation)
                client.views_update(view_id=root, view=view)
    except SlackApiError as exc:
        logger.info("the chair's surface not refreshed: %s", exc.response["error"])
    rt.after_ack(
        _logged(lambda: rt.publisher.resolution_changed(resolution.meeting_id, resolution.case_ref))
    )


def confirm_close(ack: Ack, body: dict, context: BoltContext) -> None:
    """The chair confirmed closing voting early; tell the channel after the ack."""
    rt = runtime_of(context)
    try:
        submission = ViewSubmission.model_validate(body)
        meeting = rt.service.meetings.get_meeting(submission.metadata().get("m", ""))
        change = rt.states.close(meeting.id, submission.user_id)
    except (PanelError, ValueError, ValidationError) as exc:
        ack(
            response_action="update",
            view=blocks.notice_modal("Cannot close", str(exc)),
        )
        return
    text = (
        f"Voting on {meeting.title} is closed. Later votes will be refused; the case "
        "messages now show each case's category."
        if change.changed
        else f"Voting on {meeting.title} was already closed."
    )
    ack(response_action="update", view=blocks.notice_modal("Voting closed", text))
    if change.changed:
        rt.after_ack(_logged(lambda: rt.states.announce(change)))


def _logged(task: Callable[[], object]) -> Callable[[], None]:
    """After the ack nobody is waiting for an answer: a Slack refusal is logged, not raised."""

    def run() -> None:
        try:
            task()
        except SlackApiError as exc:
            logger.warning("Slack refused an update after the ack: %s", exc.response.get("error"))

    return run


def submit_purge(ack: Ack, body: dict, context: BoltContext) -> None:
    """The purge confirmed: the service refuses it if voting reopened meanwhile."""
    rt = runtime_of(context)
    try:
        submission = ViewSubmission.model_validate(body)
        change = rt.states.purge(submission.metadata().get("m", ""), submission.user_id)
    except ValidationError as exc:
        ack(response_action="update", view=blocks.notice_modal("Not purged", _unreadable(exc)))
        return
    except (PanelError, ValueError) as exc:
        ack(response_action="update", view=blocks.notice_modal("Not purged", str(exc)))
        return
    report = change.purge
    assert report is not None
    meeting = report.meeting
    if report.already_purged:
        text = f"{meeting.title} was already purged; nothing changed."
    else:
        text = (
            f"Purged {meeting.title}: the narratives of {report.cases} cases and "
            f"{report.notes} sets of members' notes are deleted; categories, findings, "
            "resolutions and vote counts are kept."
        )
    ack(response_action="update", view=blocks.notice_modal("Meeting purged", text))
    rt.after_ack(_logged(lambda: rt.states.announce(change)))


def register(app: App) -> None:
    app.view(ids.VOTE_SUBMIT)(submit_votes)
    app.view(ids.RESOLVE_SUBMIT)(submit_resolution)
    app.view(ids.PURGE_SUBMIT)(submit_purge)
    app.view(ids.CLOSE_CONFIRM)(confirm_close)
