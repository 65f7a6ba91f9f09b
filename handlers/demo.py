"""`vcop demo`: the whole panel workflow against the built-in local Slack workspace.

Nothing is faked inside the bot: the demo drives it exactly as Slack would,
with signed HTTP requests from simulated members, and reads back what they
would see. Time is a manual clock set before the sample meeting's deadline,
so the demo works whatever today's date is.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TextIO

from bot.chair_agenda import numbers_text
from bot.clock import ManualClock
from bot.config import Settings, StorageSettings
from bot.errors import PanelError
from bot.meeting_file import read_meeting_file
from bot.models import VoteOption
from bot.panel import PanelServices
from bot.report_markdown import render_markdown
from bot.safe_output import OwnedFolder
from bot.wording import counted
from handlers import ids
from handlers.local_workspace import LocalWorkspace
from handlers.slack_sim import SimulatedSlack

M, PM, NM = VoteOption.MET, VoteOption.PARTIALLY_MET, VoteOption.NOT_MET
DNE, INR, NA, AB = (
    VoteOption.DID_NOT_ENGAGE,
    VoteOption.NOT_RECORDED,
    VoteOption.NOT_APPLICABLE,
    VoteOption.ABSTAIN,
)

# How the simulated panel judges each sample case: a base answer for every
# right, then per-right answers listed member by member (cycled if fewer).
SCRIPT: dict[str, tuple[VoteOption, dict[int, Sequence[VoteOption]]]] = {
    "SH-01": (M, {5: [NA], 10: [NA, NA, M]}),
    "SH-02": (M, {3: [PM, PM, NM, PM, PM], 6: [NM, NM, PM, NM, NM]}),
    "SH-03": (DNE, {1: [NA], 2: [NA, NA, DNE, NA, NA], 10: [NA]}),
    "SH-04": (INR, {1: [NA], 11: [NA, INR, NA, NA, NA]}),
    "SH-05": (NM, {1: [NA], 10: [NA]}),
    "SH-06": (M, {1: [PM, NM, PM, NM, AB], 2: [M, PM, NM, M, PM], 8: [M, NM, M, NM, AB]}),
}
# The chair's resolution of each right the sample panel splits on in SH-06, with
# a reason drawn from that case and about that right: Right 1 is interpreting,
# Right 2 recording the crime (and considering an intermediary), Right 8 trial
# information and special measures.
RESOLUTIONS_CASE = "SH-06"
PLAIN_RESOLUTION = ("Partially met", "The panel discussed the case and agreed this finding.")
RESOLUTIONS: dict[int, tuple[str, str]] = {
    1: (
        "Partially met",
        "An interpreter was booked for the statement, but the court booked none for the "
        "first hearing, which was vacated; the panel agreed this was partly met.",
    ),
    2: (
        "Partially met",
        "The crime was recorded the day it was reported, but an intermediary was not "
        "considered until the CPS raised it weeks after charge; the panel agreed this "
        "was partly met.",
    ),
    8: (
        "Partially met",
        "Special measures and a pre-trial visit were arranged, but the victim learned "
        "the first trial was vacated only on arriving at court; the panel agreed this "
        "was partly met.",
    ),
}
NOTES = {
    "SH-01": (
        "The victim was referred to a specialist stalking advocate the day the crime was "
        "reported, and was told about the Victim Contact Scheme at sentence.",
        "",
        "",
    ),
    "SH-02": (
        "",
        "The victim was not told for eight working days that the suspect's bail had been extended.",
        "A written update after every bail decision would keep victims informed.",
    ),
    "SH-05": (
        "",
        "The report was first logged as a non-crime incident and recorded as a crime "
        "only 16 days later.",
        "Call handlers would benefit from refresher training on recognising stalking.",
    ),
    "SH-06": (
        "Special measures were applied for early, so the victim gave evidence from behind "
        "a screen.",
        "The information leaflet was sent in English only, though English is not the "
        "victim's first language.",
        "",
    ),
}
#: What the secretariat writes with /vcop notes: points that belong to no single case.
PANEL_NOTES = {
    "good_practice": "The police now run a stalking clinic that advises officers on complex "
    "and high-risk cases and helps victims reach specialist support.\n"
    "Stalking champions in each policing area guide officers and staff on spotting and "
    "responding to stalking.",
    "observations": "Whether the victims' information leaflet was given is not always "
    "recorded on the police case system, so the panel could not always be assured that it "
    "was.",
    "learning": "",
}


class Narrator:
    """Tells the person running the demo what is happening, step by step."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.step = 0

    def say(self, text: str) -> None:
        self.step += 1
        self.out.write(f"\n[{self.step}] {text}\n")
        self.out.flush()

    def detail(self, text: str) -> None:
        self.out.write(f"    {text}\n")

    def progress(self, done: int, total: int, label: str, every: int = 1) -> None:
        """A progress bar: redrawn in place on a terminal, a line per ``every`` otherwise."""
        interactive = self.out.isatty()
        if not interactive and done % every and done != total:
            return
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        self.out.write(("\r" if interactive else "") + f"    [{bar}] {done}/{total} {label}")
        if done == total or not interactive:
            self.out.write("\n")
        self.out.flush()


def _answers(ref: str, member_index: int, rights: Sequence[int]) -> dict[str, str]:
    base, overrides = SCRIPT.get(ref, (M, {}))
    answers = {}
    for number in rights:
        choices = overrides.get(number)
        option = choices[member_index % len(choices)] if choices else base
        answers[ids.right_block(number)] = option.value
    good, gaps, learning = NOTES.get(ref, ("", "", ""))
    if member_index == 0:
        answers[ids.note_block("good_practice")] = good
        answers[ids.note_block("observations")] = gaps
        answers[ids.note_block("learning")] = learning
    return answers


def _check(ok: bool, what: str) -> None:
    if not ok:
        raise PanelError(f"demo step failed: {what}")


def _output_names(meeting_id: str) -> tuple[str, ...]:
    """The demo's files: the draft summary as Markdown, and the two DOCX files the
    secretariat's summary DM carries (the draft public report and the annex)."""
    return (
        f"{meeting_id}-draft-summary.md",
        f"{meeting_id}-draft-summary.docx",
        f"{meeting_id}-annex.docx",
    )


def run_demo(
    settings: Settings,
    output: str | Path,
    members_voting: int = 5,
    out: TextIO | None = None,
    database: Path | None = None,
) -> int:
    """Run the demo; returns the exit code. Writes the summary files into ``output``.

    The folder may hold other files: the demo writes its own files beside them and
    touches nothing else (it refuses, before doing anything, if one of its names
    is taken by a file it did not write). Its database is a throwaway file in a
    temporary folder, so a second run starts afresh without deleting anything;
    a test that wants to read it afterwards names a new file as ``database``.
    """
    size = len(settings.panel.members)
    if not 1 <= members_voting <= size:
        raise PanelError(
            f"--members {members_voting}: the demo panel has {size} members, so choose "
            f"from 1 to {size}"
        )
    folder = OwnedFolder(Path(output))
    sample = resources.files("bot") / "data" / "sample_meeting.yaml"
    with resources.as_file(sample) as path:
        names = _output_names(str(read_meeting_file(path)["meeting"]["id"]))
    folder.check(names)
    folder.prepare()  # a folder that cannot be made stops the demo before it starts
    if database is not None and database.exists():
        raise PanelError(f"{database} already exists; the demo needs a new database file")
    with tempfile.TemporaryDirectory(prefix="vcop-demo-") as scratch:
        path = database or Path(scratch) / "vcop-demo.db"
        demo_settings = settings.model_copy(update={"storage": StorageSettings(database=str(path))})
        return _run(demo_settings, folder, names, members_voting, out)


def _run(
    settings: Settings,
    folder: OwnedFolder,
    names: tuple[str, ...],
    members_voting: int,
    out: TextIO | None,
) -> int:
    say = Narrator(out or sys.stdout)
    sample = resources.files("bot") / "data" / "sample_meeting.yaml"
    panel = settings.panel
    chair, secretariat = panel.chair[0], (panel.secretariat or panel.chair)[0]
    voters = panel.members[:members_voting]
    clock = ManualClock(dt.datetime(2025, 9, 10, 9, 0, tzinfo=dt.UTC))

    with LocalWorkspace(settings, clock=clock) as local, resources.as_file(sample) as path:
        slack = local.slack
        service = local.bot.runtime.service
        say.say("Started the local Slack workspace and the bot (HTTP, signed requests).")
        say.detail(f"Slack Web API: {local.api.base_url}  bot: {local.bot_url}")

        report = service.meetings.import_meeting(path)
        meeting = report.meeting
        say.say(f"Imported {meeting.title!r}: {report.cases} anonymised cases, screened.")

        shown = slack.slash_command(secretariat, f"open {meeting.id}")
        _check(shown.status == 200, f"/vcop open answered {shown.status}")
        posts = [m for m in slack.messages(panel.channel) if m.blocks]
        say.say(f"Secretariat ran /vcop open: {len(posts)} messages in the panel channel.")

        cases = service.meetings.cases(meeting.id)
        total = len(cases) * len(voters)
        say.say(
            f"{counted(len(voters), 'member')} {'votes' if len(voters) == 1 else 'vote'} on "
            f"{counted(len(cases), 'case')} through the Vote modal."
        )
        done = 0
        rights = service.settings.rights.numbers
        for index, member in enumerate(voters):
            for case in cases:
                post = service.messages.post_for(meeting.id, case.ref)
                _check(post is not None, f"case {case.ref} was not posted")
                assert post is not None
                click = slack.click_button(member, ids.VOTE_OPEN, message=post)
                _check(click.status == 200, f"Vote click answered {click.status}")
                modal = slack.open_modal(member)
                _check(modal is not None, "the vote modal did not open")
                assert modal is not None
                result = slack.submit_view(member, modal.id, _answers(case.ref, index, rights))
                _check(result.status == 200 and not result.errors, f"vote refused: {result}")
                slack.workspace.close_all_modals(member)
                done += 1
                say.progress(done, total, "ballots submitted", every=len(cases))
        say.detail(
            f"{total} ballots ({counted(len(voters), 'member')} × {counted(len(cases), 'case')}), "
            "each answering all "
            f"{len(rights)} rights: {service.voting.stored_vote_count(meeting.id)} votes stored."
        )
        quorum = service.settings.voting.quorum
        if len(voters) < quorum:
            say.detail(
                f"With {counted(len(voters), 'voter')}, fewer than the quorum of {quorum}, no "
                "right is decided by the votes: every case stays 'Panel failed to reach a "
                "decision' unless the chair resolves its rights."
            )

        _demo_chair(say, slack, service, chair, meeting.id)

        _demo_panel_notes(say, slack, secretariat, meeting.id)

        summary_reply = slack.slash_command(secretariat, f"summary {meeting.id}")
        _check(summary_reply.status == 200, "/vcop summary failed")
        files = [f for f in slack.workspace.files() if f.content]
        _check(bool(files), "the DOCX was not uploaded")
        markdown = render_markdown(service.reports.draft_summary(meeting.id))
        markdown_path = folder.write(names[0], markdown.encode("utf-8"))
        docx_paths = [folder.write(record.name, record.content or b"") for record in files]
        say.say(
            "The secretariat ran /vcop summary: a DM with the counts, the draft public "
            "report and the panel's annex."
        )

        say.say("Final tally:")
        for case_tally in service.tallying.meeting_tally(meeting.id).cases:
            resolved = sum(r.resolved for r in case_tally.rights)
            extra = f", {resolved} right resolved by the chair" if resolved else ""
            say.detail(
                f"{case_tally.ref}: {case_tally.category.value} "
                f"({counted(case_tally.voters, 'voter')}{extra})"
            )
        say.say("Draft summary written:")
        say.detail(str(markdown_path.resolve()))
        for path in docx_paths:
            say.detail(str(path.resolve()))
    return 0


def _demo_panel_notes(say: Narrator, slack: SimulatedSlack, user: str, meeting_id: str) -> None:
    """The secretariat adds the points that belong to the meeting as a whole."""
    slack.slash_command(user, f"notes {meeting_id}")
    modal = slack.open_modal(user)
    _check(modal is not None, "the panel-wide notes modal did not open")
    assert modal is not None
    answers = {ids.panel_note_block(field): text for field, text in PANEL_NOTES.items()}
    result = slack.submit_view(user, modal.id, answers)
    _check(result.status == 200 and not result.errors, f"panel-wide notes refused: {result}")
    slack.workspace.close_all_modals(user)
    say.say(
        "The secretariat ran /vcop notes: two points of good practice and one observation "
        "that belong to no single case, screened for personal data."
    )


def _demo_chair(
    say: Narrator, slack: SimulatedSlack, service: PanelServices, chair: str, meeting_id: str
) -> None:
    """The chair reviews the tally, resolves one disputed right, and closes voting."""
    slack.slash_command(chair, f"tally {meeting_id}")
    tally_view = slack.open_modal(chair)
    _check(tally_view is not None, "the tally modal did not open")
    assert tally_view is not None
    disputed = [
        case
        for case in service.tallying.meeting_tally(meeting_id).cases
        if any(r.finding.value == "Undecided" for r in case.rights)
    ]
    say.say(
        f"Chair ran /vcop tally: {counted(len(disputed), 'case')} with undecided rights, "
        "shown first."
    )
    if disputed:
        # The reasons are about the sample's split case; any other is resolved plainly.
        case = next((c for c in disputed if c.ref == RESOLUTIONS_CASE), disputed[0])
        undecided = [r.right for r in case.disputed_first() if r.finding.value == "Undecided"]
        right = next((n for n in undecided if n in RESOLUTIONS), undecided[0])
        finding, reason = (
            RESOLUTIONS.get(right, PLAIN_RESOLUTION)
            if case.ref == RESOLUTIONS_CASE
            else PLAIN_RESOLUTION
        )
        slack.click_button(
            chair, ids.RESOLVE_OPEN, ids.case_key(meeting_id, case.ref), view_id=tally_view.id
        )
        resolve_view = slack.open_modal(chair)
        assert resolve_view is not None
        slack.submit_view(
            chair,
            resolve_view.id,
            {
                ids.RESOLVE_RIGHT: str(right),
                ids.RESOLVE_FINDING: finding,
                ids.RESOLVE_REASON: reason,
            },
        )
        say.detail(f"Resolved {case.ref} Right {right} as {finding}: {reason}")
        after = next(
            c for c in service.tallying.meeting_tally(meeting_id).cases if c.ref == case.ref
        )
        still = [r.right for r in after.rights if r.finding.value == "Undecided"]
        if still:
            say.detail(
                f"{case.ref} stays '{after.category.value}': {numbers_text(still)} "
                f"{'is' if len(still) == 1 else 'are'} still undecided, and one undecided "
                "right is enough to leave a case undecided. The chair would resolve each "
                "the same way; the demo leaves them to show this."
            )
    slack.workspace.close_all_modals(chair)
    closed = slack.slash_command(chair, f"close {meeting_id}")
    _check(closed.status == 200, "/vcop close failed")
    confirm = slack.open_modal(chair)
    _check(confirm is not None and confirm.callback_id == ids.CLOSE_CONFIRM, "no confirmation")
    assert confirm is not None
    _check(slack.submit_view(chair, confirm.id).status == 200, "closing was refused")
    slack.workspace.close_all_modals(chair)
    say.say("Chair ran /vcop close and confirmed: case messages now show each case's category.")
