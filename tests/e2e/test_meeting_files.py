"""A meeting file sent to the app's Messages tab: template → Excel → Slack → voting.

The secretariat fills in the template with openpyxl (as Excel would save it),
drops it into their DM with the app, and the real bot over HTTP downloads it
from the local workspace with its bot token, imports it and replies in the
file's thread; the Open voting and Replace buttons are clicked as Slack would.
"""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from bot.cli import main as vcop
from bot.clock import ManualClock
from bot.config import Settings
from bot.models import VoteOption
from bot.panel import PanelServices
from handlers.local_workspace import LocalWorkspace
from handlers.slack_sim import DOWNLOAD_METHOD, Message, SimulatedSlack, Transport

from .conftest import TRANSPORTS
from .helpers import (
    ballot,
    button_texts,
    case_messages,
    close_voting,
    mrkdwn_texts,
    thread_replies,
    vote,
    wait_for,
)

pytestmark = pytest.mark.parametrize("transport", TRANSPORTS)

MEETING_ID = "2025-10-burglary"
CASES = (
    ("BG-01", "Burglary of a dwelling", "Guilty plea; 2 years' custody", "Reported the same day."),
    ("BG-02", "Burglary of a dwelling", "No further action", "The victim was kept informed."),
    ("BG-03", "Attempted burglary", "Community order", "A needs assessment was made."),
)


def template(tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The template exactly as `vcop meeting template` writes it."""
    monkeypatch.setenv("VCOP_CONFIG", str(tmp_path / "app.yaml"))
    monkeypatch.setenv("VCOP_DB", str(settings.storage.database))
    path = tmp_path / "meeting-template.xlsx"
    assert vcop(["meeting", "template", str(path)]) == 0
    return path


def filled(path: Path, *, cases: tuple[tuple[str, ...], ...] = CASES, **meeting: Any) -> bytes:
    """The template filled in as a secretariat would, with real Excel dates."""
    import datetime as dt

    book = openpyxl.load_workbook(path)
    values = {
        "id": MEETING_ID,
        "title": "Burglary",
        "date": dt.datetime(2025, 10, 22),
        "voting_closes": dt.datetime(2025, 10, 20, 17, 0),
        **meeting,
    }
    rows = {book["Meeting"].cell(row=r, column=1).value: r for r in range(2, 7)}
    for name, value in values.items():
        book["Meeting"].cell(row=rows[name], column=2, value=value)
    for case in cases:
        book["Cases"].append(list(case))
    book["Timeline"].append(["BG-01", 0, "Police", "Report received and crime recorded"])
    book["Timeline"].append(["BG-01", 2, "Victim Support", "Needs assessment completed"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def reply_text(message: Message) -> str:
    return "\n".join(mrkdwn_texts(message.blocks))


def downloads(local: LocalWorkspace) -> int:
    return len(local.workspace.calls(DOWNLOAD_METHOD))


@pytest.fixture
def workbook(tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> bytes:
    return filled(template(tmp_path, settings, monkeypatch))


def test_a_filled_template_sent_to_the_app_is_imported_and_open_voting_posts_the_cases(
    local: LocalWorkspace,
    slack: SimulatedSlack,
    service: PanelServices,
    settings: Settings,
    workbook: bytes,
) -> None:
    secretariat, channel = settings.panel.secretariat[0], settings.panel.channel
    sent = slack.send_file_to_dm(secretariat, "burglary.xlsx", workbook)
    assert sent.status == 200
    root = sent.payload["event"]["ts"]
    [reply] = thread_replies(slack, secretariat, root)
    assert reply.text == ("Imported 'Burglary': 3 cases; voting closes Mon 20 Oct 2025 17:00 BST.")
    assert button_texts(reply.blocks) == ["Open voting"]
    assert downloads(local) == 1
    stored = service.meetings.cases(MEETING_ID)
    assert [case.ref for case in stored] == ["BG-01", "BG-02", "BG-03"]
    assert [entry.agency for entry in stored[0].timeline] == ["Police", "Victim Support"]

    clicked = slack.click_button(
        secretariat, "meeting_open_voting", message=(reply.channel, reply.ts)
    )
    assert clicked.status == 200
    assert set(case_messages(slack, channel)) == {"BG-01", "BG-02", "BG-03"}
    said = [m.text for m in thread_replies(slack, secretariat, root)]
    assert any(text.startswith("Voting is open on Burglary: posted 3 cases") for text in said)
    assert vote(slack, settings.panel.members[0], channel, "BG-01", ballot()).status == 200


def test_open_voting_is_refused_to_a_member(
    slack: SimulatedSlack, settings: Settings, workbook: bytes
) -> None:
    secretariat, member = settings.panel.secretariat[0], settings.panel.members[0]
    sent = slack.send_file_to_dm(secretariat, "burglary.xlsx", workbook)
    [reply] = thread_replies(slack, secretariat, sent.payload["event"]["ts"])
    # The member cannot see the secretariat's DM; a crafted click with its payload is refused.
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": member},
        "trigger_id": slack.server.issue_trigger_id(member),
        "actions": [{"action_id": "meeting_open_voting", "value": MEETING_ID, "type": "button"}],
        "container": {"type": "message", "channel_id": reply.channel, "message_ts": reply.ts},
    }
    assert slack.send_payload(payload).status == 200
    modal = slack.open_modal(member)
    assert modal is not None and "Only the panel chair or the secretariat" in str(modal.blocks)
    assert case_messages(slack, settings.panel.channel) == {}


def test_personal_data_in_a_cell_is_refused_naming_the_cell_and_nothing_is_stored(
    local: LocalWorkspace,
    slack: SimulatedSlack,
    service: PanelServices,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secretariat = settings.panel.secretariat[0]
    cases = (*CASES[:1], ("BG-02", "Burglary", "NFA", "Call her on 07700 900123 after six."))
    data = filled(template(tmp_path, settings, monkeypatch), cases=cases)
    sent = slack.send_file_to_dm(secretariat, "burglary.xlsx", data)
    [reply] = thread_replies(slack, secretariat, sent.payload["event"]["ts"])
    text = reply_text(reply)
    assert "• Cases!D3 (BG-02 summary): personal data: " in text, text
    assert "07700 900123" not in str(reply.blocks)  # masked
    assert "delete it from this conversation" in text
    assert button_texts(reply.blocks) == []
    assert service.meetings.list_meetings() == []


def test_a_file_from_someone_not_in_the_secretariat_is_refused_without_downloading(
    local: LocalWorkspace,
    slack: SimulatedSlack,
    service: PanelServices,
    settings: Settings,
    workbook: bytes,
) -> None:
    for sender in (settings.panel.members[0], settings.panel.chair[0], "U0OUTSIDE1"):
        sent = slack.send_file_to_dm(sender, "burglary.xlsx", workbook)
        assert sent.status == 200
        [reply] = thread_replies(slack, sender, sent.payload["event"]["ts"])
        assert reply.text.startswith("Only the panel secretariat can import a meeting")
    assert downloads(local) == 0
    assert service.meetings.list_meetings() == []


def test_a_retried_event_imports_once_and_replies_once(
    local: LocalWorkspace,
    slack: SimulatedSlack,
    service: PanelServices,
    settings: Settings,
    workbook: bytes,
) -> None:
    secretariat = settings.panel.secretariat[0]
    sent = slack.send_file_to_dm(secretariat, "burglary.xlsx", workbook)
    for attempt in (1, 2):
        again = slack.send_event(sent.payload["event"], event_id=sent.event_id, retry_num=attempt)
        assert again.status == 200
    assert len(thread_replies(slack, secretariat, sent.payload["event"]["ts"])) == 1
    assert downloads(local) == 1
    assert [m.id for m in service.meetings.list_meetings()] == [MEETING_ID]


def test_a_six_megabyte_file_is_refused_unread(
    local: LocalWorkspace, slack: SimulatedSlack, service: PanelServices, settings: Settings
) -> None:
    secretariat = settings.panel.secretariat[0]
    sent = slack.send_file_to_dm(secretariat, "big.xlsx", b"PK" + b"\0" * (6 * 1024 * 1024))
    [reply] = thread_replies(slack, secretariat, sent.payload["event"]["ts"])
    assert "big.xlsx: the file is 6.0 MB; the most accepted is 5.0 MB" in reply_text(reply)
    assert downloads(local) == 0
    assert service.meetings.list_meetings() == []


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("meeting.xlsm", b"PK\x03\x04", "macro-enabled workbook (.xlsm) is not accepted"),
        ("notes.pdf", b"%PDF-1.4", "not a meeting file: a document; fill in the meeting template"),
        ("cases.csv", b"ref,offence\n", "not a meeting file: a CSV file holds one sheet"),
        ("meeting.xls", b"\xd0\xcf\x11\xe0", "an old-style Excel file (.xls)"),
        ("meeting.xlsx", b"just some text", "not an Excel workbook (.xlsx)"),
    ],
)
def test_a_file_that_is_not_a_meeting_workbook_is_refused_in_one_line(
    slack: SimulatedSlack,
    service: PanelServices,
    settings: Settings,
    name: str,
    data: bytes,
    expected: str,
) -> None:
    secretariat = settings.panel.secretariat[0]
    sent = slack.send_file_to_dm(secretariat, name, data)
    [reply] = thread_replies(slack, secretariat, sent.payload["event"]["ts"])
    assert expected in reply_text(reply)
    assert service.meetings.list_meetings() == []


def test_a_typed_message_gets_a_pointer_to_files_and_the_bots_own_messages_are_ignored(
    local: LocalWorkspace, slack: SimulatedSlack, settings: Settings
) -> None:
    member = settings.panel.members[0]
    dm = local.workspace.dm_channel_for(member)
    typed = {"type": "message", "channel": dm, "channel_type": "im", "user": member}
    assert slack.send_event({**typed, "text": "hello", "ts": "1760000000.000100"}).status == 200
    [reply] = thread_replies(slack, member, "1760000000.000100")
    assert reply.text.startswith("I read meeting files, not messages.")
    own = {**typed, "user": local.workspace.bot_user_id, "bot_id": "B0BOT00001"}
    assert slack.send_event({**own, "text": "echo", "ts": "1760000000.000200"}).status == 200
    assert thread_replies(slack, member, "1760000000.000200") == []


def test_yaml_sent_to_the_app_is_imported_too(
    slack: SimulatedSlack, service: PanelServices, settings: Settings
) -> None:
    secretariat = settings.panel.secretariat[0]
    sample = Path(__file__).resolve().parents[2] / "bot" / "data" / "sample_meeting.yaml"
    sent = slack.send_file_to_dm(secretariat, "sample.yaml", sample.read_bytes())
    [reply] = thread_replies(slack, secretariat, sent.payload["event"]["ts"])
    assert reply.text.startswith("Imported 'Stalking or harassment': 6 cases; voting closes")
    assert len(service.meetings.cases("2025-09-stalking")) == 6


def test_an_existing_meeting_is_replaced_only_when_asked_and_never_once_voted_on(
    local: LocalWorkspace,
    slack: SimulatedSlack,
    service: PanelServices,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secretariat, channel = settings.panel.secretariat[0], settings.panel.channel
    path = template(tmp_path, settings, monkeypatch)
    slack.send_file_to_dm(secretariat, "burglary.xlsx", filled(path))
    second = filled(path, cases=CASES[:2], title="Burglary (revised)")
    sent = slack.send_file_to_dm(secretariat, "burglary-v2.xlsx", second)
    root = sent.payload["event"]["ts"]
    [prompt] = thread_replies(slack, secretariat, root)
    assert "already exists and no votes have been cast on it" in prompt.text
    assert button_texts(prompt.blocks) == ["Replace"]
    assert len(service.meetings.cases(MEETING_ID)) == 3  # nothing changed yet

    assert (
        slack.click_button(
            secretariat, "meeting_replace", message=(channel_of(prompt), prompt.ts)
        ).status
        == 200
    )
    replies = thread_replies(slack, secretariat, root)
    assert replies[-1].text.startswith("Imported 'Burglary (revised)': 2 cases; voting closes")
    assert len(service.meetings.cases(MEETING_ID)) == 2

    slack.click_button(
        secretariat, "meeting_open_voting", message=(channel_of(replies[-1]), replies[-1].ts)
    )
    assert (
        vote(slack, settings.panel.members[0], channel, "BG-01", ballot(VoteOption.MET)).status
        == 200
    )
    third = slack.send_file_to_dm(secretariat, "burglary-v3.xlsx", filled(path))
    [refused] = thread_replies(slack, secretariat, third.payload["event"]["ts"])
    assert "votes have been cast on it, so it cannot be replaced" in refused.text
    assert button_texts(refused.blocks) == []
    assert len(service.meetings.cases(MEETING_ID)) == 2


def channel_of(message: Message) -> str:
    return message.channel


def test_the_event_is_acknowledged_before_the_download_and_import(
    settings: Settings, clock: ManualClock, workbook: bytes, transport: Transport
) -> None:
    with LocalWorkspace(
        settings, clock=clock, inline_after_ack=False, transport=transport
    ) as local:
        slack = local.slack
        assert slack is not None
        secretariat = settings.panel.secretariat[0]
        started = time.monotonic()
        sent = slack.send_file_to_dm(secretariat, "burglary.xlsx", workbook)
        assert sent.status == 200 and time.monotonic() - started < 3
        root = sent.payload["event"]["ts"]
        [reply] = wait_for(lambda: thread_replies(slack, secretariat, root), timeout=20)
        assert reply.text.startswith("Imported 'Burglary': 3 cases")


@pytest.mark.parametrize(("size", "imports"), [(None, 1), (6 * 1024 * 1024, 0)])
def test_an_event_carrying_only_the_file_id_is_completed_with_files_info(
    local: LocalWorkspace,
    slack: SimulatedSlack,
    service: PanelServices,
    settings: Settings,
    workbook: bytes,
    size: int | None,
    imports: int,
) -> None:
    """Slack may send ``file_access: check_file_info`` with little more than the id."""
    secretariat = settings.panel.secretariat[0]
    content = workbook if size is None else b"PK" + b"\0" * size
    record, message = local.workspace.share_user_file(secretariat, "burglary.xlsx", content)
    event = {
        "type": "message",
        "subtype": "file_share",
        "channel": message.channel,
        "channel_type": "im",
        "user": secretariat,
        "ts": message.ts,
        "files": [{"id": record.id, "file_access": "check_file_info"}],
    }
    assert slack.send_event(event).status == 200
    [reply] = thread_replies(slack, secretariat, message.ts)
    assert len(local.workspace.calls("files.info")) == 1
    assert downloads(local) == imports
    assert len(service.meetings.list_meetings()) == imports
    if imports:
        assert reply.text.startswith("Imported 'Burglary': 3 cases")
    else:
        assert "the most accepted is 5.0 MB" in reply_text(reply)


def test_a_secretariat_runs_a_whole_meeting_from_slack_and_excel(
    local: LocalWorkspace,
    slack: SimulatedSlack,
    service: PanelServices,
    settings: Settings,
    transport: Transport,
) -> None:
    """Template, Excel, import, Open voting, votes, close, report, list, purge: no shell.

    Run with ``-s`` to read the transcript: each action and what the bot answered.
    """
    import datetime as dt

    secretariat, chair = settings.panel.secretariat[0], settings.panel.chair[0]
    channel = settings.panel.channel
    transcript: list[str] = []

    def said(action: str, answer: str) -> None:
        transcript.append(f"{action}\n    → {answer}")

    shown = slack.slash_command(secretariat, "template").shown_text
    [template_file] = [m for m in slack.dms_for(secretariat) if m.files]
    record = local.workspace.file(template_file.files[0]["id"])
    said("secretariat: /vcop template", f"{shown} / DM: {record.name}")

    book = openpyxl.load_workbook(io.BytesIO(record.content or b""))
    for row, value in zip(
        range(2, 6),
        (MEETING_ID, "Burglary", dt.datetime(2025, 10, 22), dt.datetime(2025, 10, 20, 17, 0)),
        strict=True,
    ):
        book["Meeting"].cell(row=row, column=2, value=value)
    for case in CASES:
        book["Cases"].append(list(case))
    book["Timeline"].append(["BG-01", 0, "Police", "Report received and crime recorded"])
    out = io.BytesIO()
    book.save(out)
    said("secretariat fills in the Meeting and Cases sheets in Excel", f"{len(CASES)} cases")

    sent = slack.send_file_to_dm(secretariat, "burglary.xlsx", out.getvalue())
    root = sent.payload["event"]["ts"]
    [reply] = thread_replies(slack, secretariat, root)
    said(
        "secretariat drops burglary.xlsx into the app's Messages tab",
        f"{reply.text} [{', '.join(button_texts(reply.blocks))}]",
    )

    slack.click_button(secretariat, "meeting_open_voting", message=(reply.channel, reply.ts))
    opened = thread_replies(slack, secretariat, root)[-1]
    said("secretariat presses Open voting", opened.text)
    assert set(case_messages(slack, channel)) == {"BG-01", "BG-02", "BG-03"}

    for member in settings.panel.members:
        for ref in ("BG-01", "BG-02", "BG-03"):
            assert vote(slack, member, channel, ref, ballot(VoteOption.MET)).status == 200
    said("five members vote Met on every right of every case", "votes recorded")

    status = slack.slash_command(secretariat, f"status {MEETING_ID}")
    said(
        "secretariat: /vcop status",
        " ".join(mrkdwn_texts(status.shown.blocks))[:120] + "…" if status.shown is not None else "",
    )
    close_voting(slack, chair, MEETING_ID)
    said("chair: /vcop close, then Close voting", "voting closed")
    shown = slack.slash_command(secretariat, f"summary {MEETING_ID}").shown_text
    names = [m.files[0]["name"] for m in slack.dms_for(secretariat) if m.files]
    said("secretariat: /vcop summary", f"{shown} / DM: {names[-1]}")
    assert names[-1] == f"{MEETING_ID}-draft-summary.docx"
    slack.slash_command(secretariat, f"summary {MEETING_ID} csv")
    names = [m.files[0]["name"] for m in slack.dms_for(secretariat) if m.files]
    said("secretariat: /vcop summary MEETING csv", f"DM: {names[-1]}")
    assert names[-1] == f"{MEETING_ID}-draft-summary.csv"
    listed = slack.slash_command(secretariat, "meetings").shown_text
    said("secretariat: /vcop meetings", listed.replace("\n", " ⏎ "))
    assert f"{MEETING_ID}\t2025-10-22\tclosed\t3 cases" in listed

    slack.slash_command(secretariat, f"purge {MEETING_ID}")
    modal = slack.open_modal(secretariat)
    assert modal is not None
    said("secretariat: /vcop purge MEETING", " ".join(mrkdwn_texts(modal.blocks))[:160] + "…")
    slack.submit_view(secretariat, modal.id, {})
    done = slack.open_modal(secretariat)
    assert done is not None
    said("secretariat presses Purge", " ".join(mrkdwn_texts(done.blocks)))
    assert service.meetings.get_meeting(MEETING_ID).purged_at is not None
    print(f"\n[{transport}]\n" + "\n".join(transcript))
