"""Pure Block Kit builders: domain models in, slack_sdk models out.

Every surface is built from slack_sdk.models so the library validates it
against Slack's limits before it is sent; these functions do no I/O and are
unit-tested on their own (tests/test_blocks.py).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.models import (
    NOTE_MAX_CHARS,
    Case,
    CaseTally,
    Category,
    Finding,
    Meeting,
    MemberNotes,
    PanelNotes,
    RightTally,
    VoteOption,
)
from bot.report_layout import FINDING_CODES, RESOLVED_MARK, voting_open_notice
from bot.rights import RightsCatalogue
from bot.services import CaseProgress, MemberBallot
from bot.summary import DraftSummary
from handlers import ids
from handlers.mrkdwn import clip, escape, escaped_clip, escaped_pieces

HEADER_MAX = 150
SECTION_MAX = 3000
NARRATIVE_MAX = 2800
MODAL_TITLE_MAX = 24
VIEW_BLOCKS_MAX = 100  # a modal or a Home tab
NOTE_FIELDS = (
    ("good_practice", "Good practice"),
    ("observations", "Gaps or observations"),
    ("learning", "Learning"),
)


def _header(text: str) -> HeaderBlock:
    return HeaderBlock(text=clip(text, HEADER_MAX)[0])


def _mrkdwn(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text))


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def _title(text: str) -> str:
    return clip(text, MODAL_TITLE_MAX)[0]


def progress_line(voted: int, members: int) -> str:
    return f"{voted} of {members} members have voted"


# Case messages ---------------------------------------------------------------


def case_message(
    meeting: Meeting, case: Case, voted: int, members: int, closes: str, *, open_: bool
) -> tuple[str, list[Block]]:
    """The channel message for one case: details, progress and the Vote button."""
    narrative, cut = escaped_clip(case.summary, NARRATIVE_MAX)
    details = (
        f"*Offence:* {escaped_clip(case.offence, 400)[0]}\n"
        f"*Outcome:* {escaped_clip(case.outcome, 400)[0]}"
    )
    if case.relisted_from:
        details += f"\n_Re-listed from {escape(case.relisted_from)}_"
    status = (
        f"{progress_line(voted, members)} · voting closes {closes}"
        if open_
        else f"Voting closed · {voted} of {members} members voted"
    )
    buttons: list[ButtonElement] = []
    if open_:
        buttons.append(
            ButtonElement(
                text="Vote",
                action_id=ids.VOTE_OPEN,
                value=ids.case_key(meeting.id, case.ref),
                style="primary",
            )
        )
    if cut or case.timeline:
        buttons.append(
            ButtonElement(
                text="Read full case",
                action_id=ids.CASE_READ,
                value=ids.case_key(meeting.id, case.ref),
            )
        )
    blocks: list[Block] = [
        _header(f"{case.ref} · {case.offence}"),
        _mrkdwn(details),
        _mrkdwn(narrative),
        _context(status),
    ]
    if buttons:
        blocks.append(ActionsBlock(block_id=ids.CASE_ACTIONS, elements=buttons))
    # The fallback text is mrkdwn too (and the notification): escaped like the blocks.
    text = f"Case {escape(case.ref)}: {escaped_clip(case.offence, 180)[0]} — {status}"
    return clip(text, 300)[0], blocks


def meeting_header_message(meeting: Meeting, cases: int, closes: str) -> tuple[str, list[Block]]:
    """The message that opens a meeting in the channel, above its cases."""
    text = (
        f"*{escape(meeting.title)}* — meeting on {meeting.date:%A %d %B %Y}.\n"
        f"{cases} anonymised cases follow. For each case, judge each of the Code's rights: "
        f"press *Vote* under the case. You can change your votes until voting closes "
        f"({closes}). Nobody sees how others voted until they have voted themselves."
    )
    return f"Scrutiny panel: {escape(meeting.title)}", [
        _header(f"Scrutiny panel: {meeting.title}"),
        _mrkdwn(text),
    ]


def closed_notice(meeting: Meeting, tally: Sequence[CaseTally]) -> tuple[str, list[Block]]:
    lines = [f"• {escape(case.ref)}: {case.category.value}" for case in tally]
    intro = (
        f"Voting on *{escape(meeting.title)}* has closed. Provisional categories, "
        "before the chair resolves any disputed rights:"
    )
    # Every case is listed: a long agenda takes several sections, none cut off.
    return f"Voting closed: {escape(meeting.title)}", [
        _mrkdwn(intro),
        *(_mrkdwn(text) for text in _grouped(lines, SECTION_MAX)),
    ]


def _grouped(rows: Sequence[str], limit: int) -> list[str]:
    """Join rows into as few texts as fit ``limit`` each, never splitting a row."""
    texts: list[str] = []
    for row in rows:
        if texts and len(texts[-1]) + 1 + len(row) <= limit:
            texts[-1] += "\n" + row
        else:
            texts.append(row)
    return texts


def full_case_modal(case: Case) -> View:
    """The whole narrative and timeline, for cases too long for a message."""
    blocks: list[Block] = [_header(f"{case.ref} · {case.offence}")]
    blocks.append(_mrkdwn(f"*Outcome:* {escaped_clip(case.outcome, 400)[0]}"))
    # Pieces are measured after escaping: a narrative full of "A&E" grows when escaped.
    blocks.extend(_mrkdwn(piece) for piece in escaped_pieces(case.summary, NARRATIVE_MAX)[:80])
    if case.timeline:
        blocks.append(DividerBlock())
        rows = [
            # Clipped only when escaping alone would overflow a section: never in practice.
            f"*Day {item.day}* · {escaped_clip(item.agency, 150)[0]}: "
            f"{escaped_clip(item.entry, NARRATIVE_MAX)[0]}"
            for item in case.timeline
        ]
        blocks.extend(_mrkdwn(text) for text in _grouped(rows, SECTION_MAX))
    return View(
        type="modal",
        callback_id=ids.CASE_VIEW,
        title=_title(f"Case {case.ref}"),
        close="Close",
        blocks=blocks[:100],
    )


# The vote modal ----------------------------------------------------------------


def _option(option: VoteOption) -> Option:
    return Option(value=option.value, label=option.value)


def vote_modal(
    meeting: Meeting, case: Case, rights: RightsCatalogue, ballot: MemberBallot, closes: str
) -> View:
    """One select per right, preselected with the member's earlier choices, plus notes."""
    blocks: list[Block] = [
        _mrkdwn(f"*{escaped_clip(f'{case.ref} · {case.offence}', 500)[0]}*"),
        _context(
            "Choose an answer for every right; Abstain counts as one. "
            f"You can change your votes until {closes}."
        ),
    ]
    for right in rights.items:
        chosen = ballot.choices.get(right.number)
        blocks.append(
            InputBlock(
                block_id=ids.right_block(right.number),
                label=clip(right.label, 2000)[0],
                hint=clip(right.checks, 2000)[0],
                element=StaticSelectElement(
                    action_id=ids.CHOICE,
                    placeholder="Choose…",
                    options=[_option(option) for option in VoteOption],
                    initial_option=_option(chosen) if chosen else None,
                ),
            )
        )
    blocks.append(DividerBlock())
    for field, label in NOTE_FIELDS:
        initial = getattr(ballot.notes, field) or None
        blocks.append(
            InputBlock(
                block_id=ids.note_block(field),
                label=label,
                optional=True,
                element=PlainTextInputElement(
                    action_id=ids.NOTE,
                    multiline=True,
                    max_length=NOTE_MAX_CHARS,
                    initial_value=initial,
                ),
            )
        )
    return View(
        type="modal",
        callback_id=ids.VOTE_SUBMIT,
        title=_title(f"Vote · {case.ref}"),
        submit="Submit votes",
        close="Cancel",
        private_metadata=json.dumps({"m": meeting.id, "r": case.ref}),
        blocks=blocks,
    )


def _votes_text(right: RightTally) -> str:
    return ", ".join(f"{label} {n}" for label, n in right.votes.items()) or "no votes"


def vote_receipt_modal(tally: CaseTally, members: int) -> View:
    """Shown once a member's votes are committed: their receipt and the panel so far."""
    lines = [f"*Right {r.right} · {escape(r.title)}:* {_votes_text(r)}" for r in tally.rights]
    return View(
        type="modal",
        callback_id=ids.VOTE_RECEIPT,
        title=_title(f"Voted · {tally.ref}"),
        close="Done",
        blocks=[
            _mrkdwn(
                f":white_check_mark: Your votes on *{escape(tally.ref)}* are recorded. "
                "You can change them until voting closes by pressing Vote again."
            ),
            _context(f"{progress_line(tally.voters, members)}. How the panel is voting so far:"),
            _mrkdwn("\n".join(lines)),
        ],
    )


def notice_modal(title: str, text: str) -> View:
    """A one-message modal, e.g. a refusal only the person who clicked sees."""
    return View(
        type="modal",
        callback_id=ids.NOTICE,
        title=_title(title),
        close="Close",
        blocks=[_mrkdwn(escaped_clip(text, SECTION_MAX)[0])],
    )


# The chair's tally ---------------------------------------------------------------


def _right_line(right: RightTally) -> str:
    mark = " (resolved by the chair)" if right.resolved else ""
    flag = ":warning: " if right.finding is Finding.UNDECIDED else ""
    return (
        f"{flag}*Right {right.right} · {escape(right.title)}:* {right.finding.value}{mark}"
        f" — {_votes_text(right)}"
    )


def _case_tally_blocks(
    meeting: Meeting, tally: CaseTally, members: int, history: CaseTally | None = None
) -> list[Block]:
    disputed = [r for r in tally.disputed_first() if r.disputed]
    settled = [r for r in tally.rights if not r.disputed]
    text = f"*{escape(tally.ref)}: {tally.category.value}* · {tally.voters} of {members} voted"
    if history is not None:
        earlier = ", ".join(f"R{r.right} {FINDING_CODES[r.finding]}" for r in history.rights)
        text += f"\n_Re-listed. Earlier: {history.category.value} ({earlier})_"
    if disputed:
        text += "\n" + "\n".join(_right_line(r) for r in disputed)
    if settled:
        # Agreed rights are listed compactly, but with their counts: a right agreed by two
        # votes and three abstentions is not the same finding as one agreed by five.
        summary = ", ".join(
            f"R{r.right} {FINDING_CODES[r.finding]} ({_votes_text(r)})" for r in settled
        )
        text += f"\n_Agreed:_ {summary}"
    return [
        SectionBlock(
            text=MarkdownTextObject(text=clip(text, SECTION_MAX)[0]),
            accessory=ButtonElement(
                text="Resolve a right",
                action_id=ids.RESOLVE_OPEN,
                value=ids.case_key(meeting.id, tally.ref),
            ),
        ),
        DividerBlock(),
    ]


def tally_modal(
    meeting: Meeting,
    tallies: Sequence[CaseTally],
    members: int,
    history: dict[str, CaseTally] | None = None,
) -> View:
    """The chair's tally: each case's category, disputed rights first, with Resolve.

    A re-listed case carries its earlier meeting's findings as history.
    """
    counts = dict.fromkeys(Category, 0)
    for case in tallies:
        counts[case.category] += 1
    summary = " · ".join(f"{category.value}: {n}" for category, n in counts.items() if n)
    blocks: list[Block] = [
        _mrkdwn(f"*{escape(meeting.title)}* ({escape(meeting.id)})\n{summary or 'No cases'}"),
        DividerBlock(),
    ]
    # A divider between cases reads better, but a meeting may have 50 cases and every
    # one must fit in a modal's 100 blocks: drop the dividers when they would not fit.
    keep = 2 if len(blocks) + 2 * len(tallies) <= VIEW_BLOCKS_MAX else 1
    for case in tallies:
        history_of = (history or {}).get(case.ref)
        blocks.extend(_case_tally_blocks(meeting, case, members, history_of)[:keep])
    return View(
        type="modal",
        callback_id=ids.TALLY_VIEW,
        title=_title("Panel tally"),
        close="Close",
        private_metadata=json.dumps({"m": meeting.id}),
        blocks=blocks[:100],
    )


def resolve_modal(meeting: Meeting, tally: CaseTally, rights: RightsCatalogue) -> View:
    """The chair picks a right, a finding and a reason; disputed rights are offered first."""
    ordered = tally.disputed_first()
    right_options = [
        Option(
            value=str(r.right),
            label=clip(f"R{r.right} {rights.get(r.right).short}: {r.finding.value}", 75)[0],
        )
        for r in ordered
    ]
    findings = [Option(value=f.value, label=f.value) for f in Finding if f is not Finding.UNDECIDED]
    return View(
        type="modal",
        callback_id=ids.RESOLVE_SUBMIT,
        title=_title(f"Resolve · {tally.ref}"),
        submit="Resolve",
        close="Back",
        private_metadata=json.dumps({"m": meeting.id, "r": tally.ref}),
        blocks=[
            _mrkdwn(f"*{escape(tally.ref)}*: currently {tally.category.value}"),
            InputBlock(
                block_id=ids.RESOLVE_RIGHT,
                label="Right",
                element=StaticSelectElement(
                    action_id=ids.CHOICE, options=right_options, initial_option=right_options[0]
                ),
            ),
            InputBlock(
                block_id=ids.RESOLVE_FINDING,
                label="The panel's finding",
                element=StaticSelectElement(action_id=ids.CHOICE, options=findings),
            ),
            InputBlock(
                block_id=ids.RESOLVE_REASON,
                label="Reason (goes into the report)",
                element=PlainTextInputElement(
                    action_id=ids.NOTE, multiline=True, max_length=NOTE_MAX_CHARS
                ),
            ),
        ],
    )


# Status, help and App Home ----------------------------------------------------------


def status_blocks(meeting: Meeting, progress: Sequence[CaseProgress], closes: str) -> list[Block]:
    """Who has voted on each case and who has not; never how anyone voted."""
    members = len(progress[0].voted) + len(progress[0].not_voted) if progress else 0
    lines = []
    for case in progress:
        waiting = ", ".join(f"<@{m}>" for m in case.not_voted) or "nobody"
        progress_text = progress_line(len(case.voted), members)
        lines.append(f"• *{escape(case.ref)}*: {progress_text} · waiting for {waiting}")
    state = f"voting closes {closes}" if meeting.is_open else "voting closed"
    # One section holds about twenty cases; a long agenda takes several, none cut off.
    sections = _grouped(lines, SECTION_MAX) or ["No cases."]
    return [
        _mrkdwn(f"*{escape(meeting.title)}* ({escape(meeting.id)}) · {state}"),
        *(_mrkdwn(clip(text, SECTION_MAX)[0]) for text in sections),
    ]


def home_view(
    meeting: Meeting | None,
    cases: Sequence[Case],
    voted_refs: set[str],
    chair_tally: Sequence[CaseTally] | None,
    closes: str,
    *,
    can_vote: bool,
    members: int,
) -> View:
    """App Home: open cases marked voted or not, each with Vote; the chair also gets the matrix.

    ``members`` is the panel size, for the "N of M voted" line of each disputed case.
    """
    blocks: list[Block] = [_header("Victims' Code scrutiny panel")]
    if meeting is None:
        blocks.append(_mrkdwn("No meeting is open for voting."))
        return View(type="home", blocks=blocks)
    state = f"Voting closes {closes}." if meeting.is_open else "Voting has closed."
    blocks.append(_mrkdwn(f"*{escape(meeting.title)}* · {meeting.date:%d %B %Y}. {state}"))
    for case in cases:
        mark = ":white_check_mark: voted" if case.ref in voted_refs else ":white_square: not voted"
        text = f"*{escape(case.ref)}* · {escaped_clip(case.offence, 200)[0]}"
        accessory = None
        if can_vote and meeting.is_open:
            text += f"\n{mark}"
            accessory = ButtonElement(
                text="Vote", action_id=ids.VOTE_OPEN, value=ids.case_key(meeting.id, case.ref)
            )
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text), accessory=accessory))
    if chair_tally is not None:
        blocks.extend([DividerBlock(), _header("Tally matrix")])
        blocks.extend(_mrkdwn(text) for text in matrix_texts(chair_tally))
        blocks.append(
            _context(
                "M Met · PM Partially met · NM Not met · DNE Victim did not engage · "
                "INR Information not recorded · N/A Not applicable · U Undecided · "
                "! disputed · * resolved"
            )
        )
        disputed = [case for case in chair_tally if any(r.disputed for r in case.rights)]
        # Within the tab's 100 blocks; the matrix above already flags every disputed cell.
        room = VIEW_BLOCKS_MAX - len(blocks)
        shown = disputed if len(disputed) <= room else disputed[: room - 1]
        for case_tally in shown:
            blocks.extend(_case_tally_blocks(meeting, case_tally, members)[:1])
        if len(shown) < len(disputed):
            more = len(disputed) - len(shown)
            blocks.append(
                _context(f"{more} more cases have disputed rights: `/vcop tally` shows them all.")
            )
    return View(type="home", blocks=blocks[:VIEW_BLOCKS_MAX])


def matrix_texts(tallies: Sequence[CaseTally]) -> list[str]:
    """Cases × rights as monospace grids, disputed cells flagged with !.

    A section holds about 25 rows, so a long agenda is split into several grids,
    each with its own header row, rather than cut off.
    """
    if not tallies:
        return ["No cases."]
    numbers = [r.right for r in tallies[0].rights]
    width = 5
    head = escape("Case".ljust(8) + "".join(f"R{n}".ljust(width) for n in numbers) + "Category")
    rows: list[str] = []
    for case in tallies:
        cells = ""
        for r in case.rights:
            code = FINDING_CODES[r.finding] + (RESOLVED_MARK if r.resolved else "")
            if r.disputed and not r.resolved:
                code += "!"
            cells += code.ljust(width)
        rows.append(escape(clip(case.ref, 7)[0].ljust(8) + cells + case.category.value))
    room = SECTION_MAX - len(f"```\n{head}\n\n```")
    return [f"```\n{head}\n{text}\n```" for text in _grouped(rows, room)]


def help_text(is_chair: bool, is_secretariat: bool) -> str:
    lines = [
        "*/vcop* — Victims' Code scrutiny panel",
        "• `/vcop status [MEETING]` — who has voted on each case (never how)",
    ]
    if is_chair or is_secretariat:
        lines += [
            "• `/vcop open [MEETING]` — post the meeting's cases to the panel channel",
            "• `/vcop summary [MEETING] [md|docx|csv]` — the draft public report and the "
            "panel's annex, sent to you as a DM (DOCX unless you name md; csv is the "
            "compliance return)",
            "• `/vcop notes [MEETING]` — the panel-wide good practice, observations and learning",
            "• `/vcop meetings` — every meeting, newest first, with its status and deadline",
            "• `/vcop template` — the meeting spreadsheet to fill in; send it back to me in "
            "a DM to import it",
            "• `/vcop export MEETING` — a meeting as a spreadsheet, to correct and send back",
            "• `/vcop purge MEETING` — delete a closed meeting's narratives and notes (asks first)",
            "• `/vcop relist CASE MEETING` — carry an undecided case into a later meeting",
            "• `/vcop report FROM TO [THEME]` — compliance trends across closed meetings, "
            "sent to you as a DM with a DOCX",
            "• `/vcop feedback MEETING [AGENCY]` — each agency's feedback pack from a closed "
            "meeting, as DOCX in a DM",
            "• `/vcop action add` — record an action an agency owes (a form opens)",
        ]
    if is_chair:
        lines += [
            "• `/vcop tally [MEETING]` — the tally, disputed rights first, with Resolve",
            "• `/vcop close MEETING` — end voting now",
            "• `/vcop extend MEETING DATETIME` — move the voting deadline",
        ]
    lines.append("MEETING defaults to the most recent meeting that is not closed.")
    return "\n".join(lines)


def note_values(notes: MemberNotes) -> dict[str, str]:
    return {field: getattr(notes, field) for field, _ in NOTE_FIELDS}


SUMMARY_FILES = {
    "docx": "Two Word files follow: the draft public report, and the annex for the panel "
    "(case by case; not for publication).",
    "md": "Two Markdown files follow: the draft public report, and the annex for the panel "
    "(case by case; not for publication).",
    "csv": "The CSV compliance return follows.",
}


def summary_message(summary: DraftSummary, fmt: str = "docx") -> tuple[str, list[Block]]:
    """The DM that carries the draft report: the category counts, then the files."""
    rows = "\n".join(
        f"• {category.value}: {count}" for category, count in summary.category_counts.items()
    )
    cases = len(summary.cases)
    notice = voting_open_notice(summary)
    warning = f":warning: {escape(notice)}\n" if notice else ""
    text = (
        f"*Draft summary — {escape(summary.title)}* ({summary.date:%d %B %Y})\n"
        f"{warning}"
        f"The panel scrutinised {cases} {'case' if cases == 1 else 'cases'}.\n{rows}\n"
        f"{SUMMARY_FILES.get(fmt, SUMMARY_FILES['docx'])}"
    )
    return f"Draft summary: {escape(summary.title)}", [_mrkdwn(clip(text, SECTION_MAX)[0])]


def reminder_message(
    meeting: Meeting, cases: Sequence[Case], closes: str
) -> tuple[str, list[Block]]:
    """A DM to a member listing exactly the cases they have not voted on, each with Vote."""
    intro = (
        f"Reminder: voting on *{escape(meeting.title)}* closes {closes}. "
        f"You have not yet voted on {len(cases)} {'case' if len(cases) == 1 else 'cases'}:"
    )
    # Every case is listed; the publisher sends a long list as several messages.
    built: list[Block] = [_mrkdwn(intro)]
    for case in cases:
        built.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*{escape(case.ref)}* · {escaped_clip(case.offence, 300)[0]}"
                ),
                accessory=ButtonElement(
                    text="Vote",
                    action_id=ids.VOTE_OPEN,
                    value=ids.case_key(meeting.id, case.ref),
                    style="primary",
                ),
            )
        )
    return f"Reminder: voting on {escape(meeting.title)} closes {closes}", built


def closing_tally_message(
    meeting: Meeting, tallies: Sequence[CaseTally], members: int, non_voters: dict[str, list[str]]
) -> tuple[str, list[Block]]:
    """The chair's DM at the deadline: the tally, disputed rights first, and who did not vote."""
    built: list[Block] = [
        _mrkdwn(
            f"Voting on *{escape(meeting.title)}* has closed. The tally, disputed rights first:"
        )
    ]
    # Every case and every non-voter is listed; the publisher sends a long DM as several
    # messages, in order, rather than cutting it short.
    for tally in tallies:
        built.append(_case_tally_blocks(meeting, tally, members)[0])
    if non_voters:
        lines = [
            f"• <@{member}>: {', '.join(escape(ref) for ref in refs)}"
            for member, refs in sorted(non_voters.items())
        ]
        built.append(_mrkdwn("*Did not vote on:*"))
        built.extend(_mrkdwn(text) for text in _grouped(lines, SECTION_MAX))
    else:
        built.append(_mrkdwn("Every member voted on every case."))
    built.append(_context("`/vcop tally` opens the full tally, with *Resolve a right*."))
    return f"Voting closed: {escape(meeting.title)} — your tally", built


# The panel-wide notes ---------------------------------------------------------------

PANEL_NOTE_FIELDS = (
    ("good_practice", "Good practice across the meeting"),
    ("observations", "Observations across the meeting"),
    ("learning", "Learning for the partnership"),
)


def panel_notes_modal(meeting: Meeting, notes: PanelNotes) -> View:
    """The chair's or secretariat's meeting-level points, prefilled with what is there."""
    blocks: list[Block] = [
        _mrkdwn(f"*{escaped_clip(meeting.title, 500)[0]}* · {meeting.date:%d %B %Y}"),
        _context(
            "Points about the meeting as a whole that belong to no single case, such as a "
            "new specialist service or a gap in how one agency records something. They go "
            "into the public report, so write no names or other personal details. "
            "One point per line."
        ),
    ]
    for field, label in PANEL_NOTE_FIELDS:
        blocks.append(
            InputBlock(
                block_id=ids.panel_note_block(field),
                label=label,
                optional=True,
                element=PlainTextInputElement(
                    action_id=ids.NOTE,
                    multiline=True,
                    max_length=NOTE_MAX_CHARS,
                    initial_value=getattr(notes, field) or None,
                ),
            )
        )
    return View(
        type="modal",
        callback_id=ids.PANEL_NOTES_SUBMIT,
        title=_title("Panel-wide notes"),
        submit="Save",
        close="Cancel",
        private_metadata=json.dumps({"m": meeting.id}),
        blocks=blocks,
    )
