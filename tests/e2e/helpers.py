"""What a panel member does in Slack, and what they can read there, for the e2e tests.

Everything here goes through :class:`SimulatedSlack` (signed HTTP requests to
the bot) or reads the simulated workspace; nothing calls the bot's own code.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml

from bot.clock import ManualClock
from bot.config import Settings
from bot.models import VoteOption
from handlers import ids
from handlers.local_workspace import LocalWorkspace
from handlers.runtime import SlackRuntime
from handlers.slack_sim import (
    Message,
    SimulatedSlack,
    SlashCommandResult,
    SubmissionResult,
    Surface,
    ViewRecord,
)

RIGHTS = range(1, 13)
ROOT = Path(__file__).resolve().parents[2]
#: The meeting file shipped with the bot, which the demo and most e2e tests import.
SAMPLE = ROOT / "bot" / "data" / "sample_meeting.yaml"
OPTION_LABELS = [option.value for option in VoteOption]
NOTE_BLOCKS = ("note_good_practice", "note_observations", "note_learning")
#: "Met 3", "Not met 1": how any surface shows vote counts.
COUNT = re.compile(
    r"\b(?:" + "|".join(re.escape(label) for label in OPTION_LABELS) + r") \d+\b",
)
#: Slack control sequences that must never reach a mrkdwn surface raw.
RAW_CONTROLS = ("<!channel>", "<@U123>", "<http://x|y>")

T = TypeVar("T")


def wait_for(probe: Callable[[], T | None], timeout: float = 5.0, step: float = 0.05) -> T:
    """Poll until ``probe`` returns something truthy; the ProgressUpdater runs on a thread."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last: {result!r})")
        time.sleep(step)


def values_for(
    choices: Mapping[int, str], notes: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Submission values: one option label per right, plus notes by field name."""
    values = {ids.right_block(n): choices[n] for n in RIGHTS}
    for field, text in (notes or {}).items():
        values[ids.note_block(field)] = text
    return values


def uniform(option: VoteOption | str) -> dict[int, str]:
    """Every right answered ``option``."""
    return dict.fromkeys(RIGHTS, str(getattr(option, "value", option)))


def pattern(seed: int) -> dict[int, str]:
    """A ballot that differs from member to member: right n gets option (seed + n) mod 7."""
    return {n: OPTION_LABELS[(seed + n) % len(OPTION_LABELS)] for n in RIGHTS}


def healthz(host: str, port: int) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON body) of the bot's GET /healthz; (0, {}) when nothing answers."""
    url = f"http://{host}:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())
    except OSError:
        return 0, {}


def ballot(option: VoteOption | str = VoteOption.MET, **overrides: str) -> dict[str, str]:
    """Submission values: every right answered ``option``; ``r3="Not met"`` overrides one."""
    choices = uniform(option)
    for key, value in overrides.items():
        choices[int(key.removeprefix("r"))] = value
    return values_for(choices)


def case_messages(slack: SimulatedSlack, channel: str) -> dict[str, Message]:
    """The channel's case messages by case ref (the header message has no case key)."""
    found: dict[str, Message] = {}
    for message in slack.messages(channel):
        for element in iter_elements(message.blocks):
            value = element.get("value")
            if element.get("type") == "button" and isinstance(value, str) and "|" in value:
                found.setdefault(value.partition("|")[2], message)
    return found


def iter_elements(blocks: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every interactive element in a list of blocks (actions, accessories, inputs)."""
    for block in blocks:
        yield from block.get("elements") or []
        if isinstance(block.get("accessory"), dict):
            yield block["accessory"]
        if isinstance(block.get("element"), dict):
            yield block["element"]


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in iter_elements(blocks) if e.get("type") == "button"]


def button_texts(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in buttons(blocks)]


def context_texts(blocks: list[dict[str, Any]]) -> list[str]:
    return [
        element.get("text", "")
        for block in blocks
        if block.get("type") == "context"
        for element in block.get("elements", [])
    ]


def progress_of(message: Message) -> str:
    """The message's "N of M members have voted" line."""
    return next(
        (text for text in context_texts(message.blocks) if "members have voted" in text),
        "",
    )


def click_vote(
    slack: SimulatedSlack, user: str, channel: str, ref: str
) -> tuple[int, ViewRecord | None]:
    """Press Vote under a case's message; the HTTP status and the modal now on top."""
    message = case_messages(slack, channel)[ref]
    result = slack.click_button(user, "vote_open", message=(channel, message.ts))
    return result.status, slack.open_modal(user)


def open_vote_form(slack: SimulatedSlack, user: str, channel: str, ref: str) -> ViewRecord:
    """Press Vote under a case's message; the vote form it opened (anything else fails)."""
    status, modal = click_vote(slack, user, channel, ref)
    assert status == 200, status
    assert modal is not None and modal.callback_id == ids.VOTE_SUBMIT, modal
    return modal


def vote(
    slack: SimulatedSlack,
    user: str,
    channel: str,
    ref: str,
    values: Mapping[str, str | None],
    *,
    done: bool = True,
) -> SubmissionResult:
    """Press Vote, fill in the modal and submit it; then press Done on the receipt."""
    modal = open_vote_form(slack, user, channel, ref)
    result = slack.submit_view(user, modal.id, dict(values))
    top = slack.open_modal(user)
    if done and top is not None and top.callback_id == "vote_receipt":
        slack.close_view(user, top.id)
    return result


def input_blocks(view: ViewRecord) -> list[dict[str, Any]]:
    return [b for b in view.blocks if b.get("type") == "input"]


def mrkdwn_texts(node: Any) -> Iterator[str]:
    """Every mrkdwn text object's text, anywhere in a block tree (what Slack parses)."""
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            yield from mrkdwn_texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from mrkdwn_texts(item)


def parsed_texts(surface: Surface) -> list[str]:
    """The texts of a surface that Slack parses for mentions and links.

    A message's top-level ``text`` is parsed (it is also the notification),
    as is every mrkdwn object; plain_text objects are shown literally.
    """
    texts = list(mrkdwn_texts(surface.blocks))
    if surface.kind in ("message", "message_version", "ephemeral"):
        texts.append(surface.text)
    return texts


def shown_strings(node: Any) -> Iterator[str]:
    """Rendered texts, leaving out the options a select merely offers."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("options", "option_groups", "private_metadata", "state"):
                continue
            if key in ("text", "alt_text") and isinstance(value, str):
                yield value
            else:
                yield from shown_strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from shown_strings(item)


def surface_text(surface: Surface) -> str:
    """What a person reads on a surface, without the option lists of selects."""
    parts = [surface.text, *shown_strings(surface.blocks)]
    if surface.view is not None:
        parts.extend(shown_strings({k: surface.view.get(k) for k in ("title", "submit", "close")}))
    return "\n".join(p for p in parts if p)


def write_meeting(
    path: Path,
    cases: list[dict[str, Any]],
    *,
    meeting_id: str = "2025-10-custom",
    title: str = "Custom meeting",
    date: str = "2025-10-01",
    closes: str = "2025-09-30T17:00:00+01:00",
) -> Path:
    """A meeting file as the secretariat would write it; cases need ref, offence, outcome,
    summary and optionally timeline."""
    document = {
        "meeting": {"id": meeting_id, "title": title, "date": date, "voting_closes": closes},
        "cases": cases,
    }
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    return path


def plain_case(ref: str, **fields: Any) -> dict[str, Any]:
    """An unremarkable anonymised case; ``fields`` replace any of its parts."""
    return {
        "ref": ref,
        "offence": "Criminal damage",
        "outcome": "No further action",
        "summary": "The victim reported damage to a car. The report was recorded the same day.",
        **fields,
    }


def run_due_at(local: LocalWorkspace, clock: ManualClock, moment: dt.datetime) -> int:
    """Move the manual clock to ``moment`` and run what fell due, as the scheduler's timer would.

    The bot's scheduler runs paused on a manual clock; ``run_due`` is the code path
    its jobs and start-up take. Returns how many schedules ran.
    """
    clock.set(moment)
    return local.runtime.scheduler.run_due()


def closing_notices(slack: SimulatedSlack, channel: str) -> list[Message]:
    """The "Voting closed" notices posted to the panel's channel."""
    return [m for m in slack.messages(channel) if m.text.startswith("Voting closed")]


def chair_tally_dms(slack: SimulatedSlack, chair: str) -> list[Message]:
    """The chair's DMs that bring the tally of a closed meeting."""
    return [m for m in slack.dms_for(chair) if "your tally" in m.text]


def sample_variant(directory: Path, meeting_id: str, refs: list[str], **header: str) -> Path:
    """The sample meeting under another id, its first cases renamed to ``refs``, as
    DIRECTORY/MEETING_ID.yaml; ``header`` replaces fields of its meeting header."""
    data = yaml.safe_load(SAMPLE.read_text())
    data["meeting"].update(id=meeting_id, **header)
    data["cases"] = [dict(case, ref=ref) for case, ref in zip(data["cases"], refs, strict=False)]
    path = directory / f"{meeting_id}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def close_voting(slack: SimulatedSlack, chair: str, meeting: str = "") -> SlashCommandResult:
    """Run `/vcop close [MEETING]` as the chair and confirm it in the modal it opens."""
    result = slack.slash_command(chair, f"close {meeting}".strip())
    top = slack.open_modal(chair)
    if top is not None and top.callback_id == "close_confirm":
        confirmed = slack.submit_view(chair, top.id)
        assert confirmed.response is not None and confirmed.response.ok, confirmed
        slack.workspace.close_all_modals(chair)
    return result


def thread_replies(slack: SimulatedSlack, user: str, root: str) -> list[Message]:
    """The bot's replies in the thread of ``root`` in ``user``'s DM with the app."""
    return [m for m in slack.dms_for(user) if m.thread_ts == root and m.bot_id]


def open_resolve_form(slack: SimulatedSlack, chair: str, meeting: str, ref: str) -> ViewRecord:
    """`/vcop tally` as the chair, then Resolve a right on ``ref``: the resolve form on top."""
    assert slack.slash_command(chair, "tally").status == 200
    tally = slack.open_modal(chair)
    assert tally is not None
    slack.click_button(chair, ids.RESOLVE_OPEN, ids.case_key(meeting, ref), view_id=tally.id)
    resolve = slack.open_modal(chair)
    assert resolve is not None and resolve.callback_id == ids.RESOLVE_SUBMIT
    return resolve


def right_block_ids(view: ViewRecord) -> dict[int, str]:
    """Right number → the block_id its select has now (it changes when the modal is filled)."""
    found: dict[int, str] = {}
    for block in input_blocks(view):
        block_id = str(block.get("block_id"))
        name, _, rest = block_id.partition("_")
        if name == "right":
            found[int(rest.partition(".")[0])] = block_id
    return found


def button_action(view: ViewRecord, text: str) -> tuple[str, str | None]:
    """The action_id and value of the button labelled ``text`` in a view."""
    found = [b for b in buttons(view.blocks) if b["text"]["text"] == text]
    assert len(found) == 1, (text, button_texts(view.blocks))
    return found[0]["action_id"], found[0].get("value")


@dataclass
class OpenMeeting:
    """A meeting open for voting on the manual clock, and what the deadline tests do with it.

    ``runtime`` is always the bot running now: a restart replaces it, and the
    tests read schedules and jobs through whichever bot is up.
    """

    id: str
    local: LocalWorkspace
    slack: SimulatedSlack
    settings: Settings
    clock: ManualClock

    @property
    def runtime(self) -> SlackRuntime:
        return self.local.runtime

    @property
    def members(self) -> tuple[str, ...]:
        return self.settings.panel.members

    @property
    def chair(self) -> str:
        return self.settings.panel.chair[0]

    @property
    def channel(self) -> str:
        return self.settings.panel.channel

    @property
    def refs(self) -> list[str]:
        return [case.ref for case in self.runtime.service.meetings.cases(self.id)]

    def run_due_at(self, moment: dt.datetime) -> int:
        return run_due_at(self.local, self.clock, moment)

    def vote_all(self, member: str, refs: list[str]) -> None:
        """``member`` votes Met on every right of each of ``refs``, through the vote form."""
        for ref in refs:
            assert vote(self.slack, member, self.channel, ref, ballot()).status == 200

    def reminders(self, member: str) -> list[Message]:
        """The reminder DMs ``member`` has received so far."""
        return [m for m in self.slack.dms_for(member) if m.text.startswith("Reminder")]

    def closing_notices(self) -> list[Message]:
        return closing_notices(self.slack, self.channel)

    def chair_tally_dms(self) -> list[Message]:
        return chair_tally_dms(self.slack, self.chair)
