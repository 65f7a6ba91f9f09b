"""Pure Block Kit builders: domain models in, slack_sdk models out.

Every surface is built from slack_sdk.models so the library validates it
against Slack's limits before it is sent; these functions do no I/O and are
unit-tested on their own (tests/test_blocks.py).
"""

from __future__ import annotations

import json
import re
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

from bot.action_points import ActionPoint
from bot.answers import AnswerGuide
from bot.chair_agenda import (
    AgendaItem,
    CaseLine,
    chair_agenda,
    finding_share,
    numbers_text,
    score,
)
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
from bot.report_layout import voting_open_notice
from bot.rights import RightsCatalogue
from bot.summary import DraftSummary
from bot.voting import CaseProgress, CloseCheck, MemberBallot
from handlers import ids
from handlers.action_blocks import POINTS_MAX, point_blocks
from handlers.mrkdwn import clip, escape, escaped_clip, escaped_pieces

HEADER_MAX = 150
SECTION_MAX = 3000
NARRATIVE_MAX = 2800
#: How much of a narrative a case message shows: about a phone screen.
NARRATIVE_PREVIEW = 600
MESSAGE_BLOCKS_MAX = 50
MODAL_TITLE_MAX = 24
VIEW_BLOCKS_MAX = 100  # a modal or a Home tab
ACCESSIBILITY_LABEL_MAX = 75
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


# Shared pieces ------------------------------------------------------------------


def reflow(text: str) -> str:
    """Join a narrative's hard line breaks into paragraphs that wrap on any screen.

    Case narratives are pasted from Word or a case system with a break every
    70-odd characters; on a phone those breaks leave ragged half-lines. Blank
    lines still separate paragraphs.
    """
    paragraphs = [" ".join(part.split()) for part in re.split(r"\n\s*\n", text.strip())]
    return "\n\n".join(p for p in paragraphs if p)


def _button(
    text: str,
    action_id: str,
    value: str,
    *,
    label: str | None = None,
    style: str | None = None,
) -> ButtonElement:
    """A button; ``label`` is what a screen reader says where similar buttons sit together."""
    return ButtonElement(
        text=text,
        action_id=action_id,
        value=value,
        style=style,
        accessibility_label=clip(label, ACCESSIBILITY_LABEL_MAX)[0] if label else None,
    )


def read_case_button(meeting_id: str, ref: str, action_id: str = ids.CASE_READ) -> ButtonElement:
    return _button("Read case", action_id, ids.case_key(meeting_id, ref), label=f"Read case {ref}")


def vote_button(
    meeting_id: str, ref: str, *, again: bool = False, primary: bool = False
) -> ButtonElement:
    text = "Change vote" if again else "Vote"
    return _button(
        text,
        ids.VOTE_OPEN,
        ids.case_key(meeting_id, ref),
        label=f"{text} on {ref}",
        style="primary" if primary else None,
    )


# Case messages ---------------------------------------------------------------


def case_message(
    meeting: Meeting,
    case: Case,
    voted: int,
    members: int,
    closes: str,
    *,
    open_: bool,
    category: Category | None = None,
) -> tuple[str, list[Block]]:
    """The channel message for one case, sized for a phone.

    The offence is in the header only; the narrative is reflowed and cut at
    about a screenful, the rest (and the timeline) behind Read case. Once
    voting has closed the message shows the case's category, and is edited
    again when the chair's resolution changes it.
    """
    narrative, cut = escaped_clip(reflow(case.summary), NARRATIVE_PREVIEW)
    details = f"*Outcome:* {escaped_clip(case.outcome, 400)[0]}"
    if case.relisted_from:
        details += f"\n_Re-listed from {escape(case.relisted_from)}_"
    if open_:
        status = f"{progress_line(voted, members)} · voting closes {closes}"
    else:
        status = f"Voting closed · {voted} of {members} members voted"
    blocks: list[Block] = [
        _header(f"{case.ref} · {case.offence}"),
        _mrkdwn(details),
        _mrkdwn(narrative),
    ]
    if cut:
        blocks.append(_context("The rest of the narrative and the timeline: *Read case*."))
    if not open_ and category is not None:
        blocks.append(_mrkdwn(f"*Category:* {category.value}"))
    blocks.append(_context(status))
    buttons = [read_case_button(meeting.id, case.ref)]
    if open_:
        buttons.insert(0, vote_button(meeting.id, case.ref, primary=True))
    blocks.append(ActionsBlock(block_id=ids.CASE_ACTIONS, elements=buttons))
    # The fallback text is mrkdwn too (and the notification): escaped like the blocks.
    outcome = f" — {category.value}" if not open_ and category is not None else ""
    text = f"Case {escape(case.ref)}: {escaped_clip(case.offence, 180)[0]} — {status}{outcome}"
    return clip(text, 300)[0], blocks


def meeting_header_message(meeting: Meeting, cases: int, closes: str) -> tuple[str, list[Block]]:
    """The message that opens a meeting in the channel, above its cases."""
    text = (
        f"*{escape(meeting.title)}* — meeting on {meeting.date:%A %d %B %Y}.\n"
        f"{cases} anonymised cases follow. For each case, judge each of the Code's rights: "
        f"press *Vote* under the case (*Read case* shows the whole case). You can change "
        f"your votes until voting closes ({closes}). Voting is blind: the panel's counts "
        "are shown to everyone once voting closes."
    )
    return f"Scrutiny panel: {escape(meeting.title)}", [
        _header(f"Scrutiny panel: {meeting.title}"),
        _mrkdwn(text),
    ]


def closed_notice(meeting: Meeting, tally: Sequence[CaseTally]) -> tuple[str, list[Block]]:
    """The channel's notice that voting closed, with each case's category.

    It is edited whenever a resolution changes a category, so it always says
    where the meeting stands.
    """
    lines = [f"• {escape(case.ref)}: {case.category.value}" for case in tally]
    waiting = sum(1 for case in tally for r in case.rights if r.finding is Finding.UNDECIDED)
    if waiting:
        state = (
            f"{waiting} {'right awaits' if waiting == 1 else 'rights await'} the chair's "
            "decision; this notice is updated as the chair resolves them."
        )
    else:
        state = "Every right has a finding."
    intro = f"Voting on *{escape(meeting.title)}* has closed. Categories:"
    # Every case is listed: a long agenda takes several sections, none cut off.
    return f"Voting closed: {escape(meeting.title)}", [
        _mrkdwn(intro),
        *(_mrkdwn(text) for text in _grouped(lines, SECTION_MAX)),
        _context(state),
    ]


def all_resolved_message(meeting: Meeting, tally: Sequence[CaseTally]) -> tuple[str, list[Block]]:
    """The short follow-up when the chair resolves the meeting's last undecided right."""
    lines = [f"• {escape(case.ref)}: {case.category.value}" for case in tally]
    intro = (
        f"The chair has resolved the last undecided right of *{escape(meeting.title)}*. "
        "Final categories:"
    )
    return f"Final categories: {escape(meeting.title)}", [
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


def full_case_modal(case: Case, *, pushed: bool = False) -> View:
    """The whole narrative and timeline.

    Pushed over the vote modal, its button says Back: closing it returns to
    the vote with every choice still in place.
    """
    blocks: list[Block] = [_header(f"{case.ref} · {case.offence}")]
    blocks.append(_mrkdwn(f"*Outcome:* {escaped_clip(case.outcome, 400)[0]}"))
    # Pieces are measured after escaping: a narrative full of "A&E" grows when escaped.
    blocks.extend(
        _mrkdwn(piece) for piece in escaped_pieces(reflow(case.summary), NARRATIVE_MAX)[:80]
    )
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
        close="Back" if pushed else "Close",
        blocks=blocks[:100],
    )


# The vote modal ----------------------------------------------------------------


def _option(option: VoteOption, answers: AnswerGuide | None = None) -> Option:
    description = answers.describe(option) if answers else None
    return Option(value=option.value, label=option.value, description=description)


#: The fast-path buttons: the answer each one fills in for every right not yet chosen.
FILL_BUTTONS = (
    ("All met", VoteOption.MET, ids.VOTE_FILL_MET),
    ("All not applicable", VoteOption.NOT_APPLICABLE, ids.VOTE_FILL_NOT_APPLICABLE),
)


def vote_modal(
    meeting: Meeting,
    case: Case,
    rights: RightsCatalogue,
    ballot: MemberBallot,
    closes: str,
    *,
    revision: int = 0,
) -> View:
    """One select per right, preselected with the member's choices so far, plus notes.

    ``All met`` and ``All not applicable`` rebuild the modal with ``revision``
    one higher: the rights get fresh block_ids, since Slack applies a new
    ``initial_option`` only to an input it has not seen before. The notes keep
    their block_ids, so Slack keeps what the member has typed.
    """
    answers = rights.answers
    fill = [
        _button(
            text,
            action_id,
            option.value,
            label=f"Answer {option.value} for every right not yet chosen",
        )
        for text, option, action_id in FILL_BUTTONS
    ]
    blocks: list[Block] = [
        _mrkdwn(
            f"*{escaped_clip(f'{case.ref} · {case.offence}', 500)[0]}*\n"
            f"Answer every right (Abstain counts). You can change your votes until {closes}."
        ),
        _context(escape(answers.key)),
        ActionsBlock(
            block_id=ids.VOTE_FILL_ACTIONS,
            elements=[*fill, read_case_button(meeting.id, case.ref, ids.VOTE_READ_CASE)],
        ),
    ]
    options = [_option(option, answers) for option in VoteOption]
    for right in rights.items:
        chosen = ballot.choices.get(right.number)
        blocks.append(
            InputBlock(
                block_id=ids.right_block(right.number, revision),
                label=clip(right.label, 2000)[0],
                hint=clip(right.checks, 2000)[0],
                element=StaticSelectElement(
                    action_id=ids.CHOICE,
                    placeholder="Choose…",
                    options=options,
                    initial_option=_option(chosen, answers) if chosen else None,
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
        private_metadata=json.dumps({"m": meeting.id, "r": case.ref, "v": str(revision)}),
        blocks=blocks,
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


# The chair's view ---------------------------------------------------------------


def _votes_text(right: RightTally) -> str:
    return ", ".join(f"{label} {n}" for label, n in right.votes.items()) or "no votes"


def _resolve_button(meeting_id: str, ref: str, right: int) -> ButtonElement:
    return _button(
        "Resolve",
        ids.RESOLVE_RIGHT_OPEN,
        ids.right_key(meeting_id, ref, right),
        label=f"Resolve {ref} Right {right}",
    )


def _agenda_item(meeting: Meeting, item: AgendaItem, members: int, *, split: bool) -> SectionBlock:
    right = item.right
    head = f"*{escape(item.ref)} · Right {right.right} · {escape(right.title)}*"
    if split:
        share = round(finding_share(right) * 100)
        body = f"{right.finding.value} with {share}% of the votes: {_votes_text(right)}"
    else:
        body = f"{_votes_text(right)} · {item.voters} of {members} members voted"
    return SectionBlock(
        text=MarkdownTextObject(text=clip(f"{head}\n{body}", SECTION_MAX)[0]),
        accessory=_resolve_button(meeting.id, item.ref, right.right),
    )


def _agenda_section(
    meeting: Meeting,
    title: str,
    items: Sequence[AgendaItem],
    shown: Sequence[AgendaItem],
    members: int,
    *,
    split: bool,
    empty: str,
    more: str,
) -> list[Block]:
    """One section of the chair's agenda: its header, the ``shown`` items with a
    Resolve button each, ``empty`` when there are no items at all, and ``more``
    (``{n}`` is how many did not fit) so that nothing is left out unsaid."""
    built: list[Block] = [_header(title)]
    if not items:
        built.append(_mrkdwn(empty))
    built.extend(_agenda_item(meeting, item, members, split=split) for item in shown)
    if len(shown) < len(items):
        built.append(_context(more.format(n=len(items) - len(shown))))
    return built


def case_line_text(line: CaseLine, members: int, history: CaseTally | None = None) -> str:
    """``*SH-01: Fully compliant* · 5 of 5 voted`` then ``All other rights: Met 5–0``."""
    tally = line.tally
    text = f"*{escape(tally.ref)}: {tally.category.value}* · {tally.voters} of {members} voted"
    parts = [
        score.text + (f" ({numbers_text(numbers)})" if len(line.groups) > 1 else "")
        for score, numbers in line.groups
    ]
    if parts:
        text += "\nAll other rights: " + ", ".join(parts)
    elif line.listed_above:
        text += "\nEvery right of this case needs a decision or is split."
    if line.waiting:
        text += f"\nWaiting for more votes: {numbers_text(line.waiting)}"
    if line.resolved:
        text += "\nResolved by the chair: " + ", ".join(
            f"Right {r.right} {r.finding.value}" for r in line.resolved
        )
    if history is not None:
        undecided = [r.right for r in history.rights if r.finding is Finding.UNDECIDED]
        earlier = history.category.value
        if undecided:
            earlier += f"; undecided then: {numbers_text(undecided)}"
        text += f"\n_Re-listed. Earlier: {earlier}_"
    return clip(text, SECTION_MAX)[0]


def chair_sections(
    meeting: Meeting,
    tallies: Sequence[CaseTally],
    members: int,
    consensus: float,
    *,
    history: dict[str, CaseTally] | None = None,
    room: int = VIEW_BLOCKS_MAX - 4,
    quorum: int = 1,
) -> list[Block]:
    """``Needs your decision (N)``, ``Split, worth discussing``, then a line per case.

    Every undecided and split right has its own Resolve button. Within
    ``room`` blocks: when a long agenda does not fit, the undecided rights
    keep their buttons first and the overflow is counted, never silently dropped.
    """
    still_voting = frozenset(
        tally.ref for tally in tallies if meeting.is_open and tally.voters < members
    )
    agenda = chair_agenda(tallies, consensus, quorum=quorum, still_voting=still_voting)
    lines = [
        case_line_text(line, members, (history or {}).get(line.tally.ref)) for line in agenda.cases
    ]
    undecided, split = list(agenda.undecided), list(agenda.split)
    # Three headers, and a block for each section's empty or "more" line.
    fixed = 3 + 2
    individual = fixed + len(undecided) + len(split) + len(lines) <= room
    grouped = [] if individual else _grouped(lines, SECTION_MAX)
    case_blocks = len(lines) if individual else len(grouped)
    left = max(room - fixed - case_blocks, 1)
    shown = undecided[:left]
    shown_split = split[: max(left - len(shown), 0)]

    built = _agenda_section(
        meeting,
        f"Needs your decision ({len(undecided)})",
        undecided,
        shown,
        members,
        split=False,
        empty="Nothing: every right has a finding.",
        more="…and {n} more undecided rights: `/vcop tally` lists them as you resolve these.",
    )
    built += _agenda_section(
        meeting,
        "Split, worth discussing",
        split,
        shown_split,
        members,
        split=True,
        empty=f"None: every decided right has at least {round(consensus * 100)}% agreement.",
        more="…and {n} more split rights; they appear here as you resolve the undecided ones.",
    )
    built.append(_header("Each case"))
    if individual:
        built.extend(
            SectionBlock(
                text=MarkdownTextObject(text=text),
                accessory=_button(
                    "Resolve a right",
                    ids.RESOLVE_OPEN,
                    ids.case_key(meeting.id, line.tally.ref),
                    label=f"Resolve a right of {line.tally.ref}",
                ),
            )
            for text, line in zip(lines, agenda.cases, strict=True)
        )
    else:
        built.extend(_mrkdwn(text) for text in grouped)
    return built


def category_summary(tallies: Sequence[CaseTally]) -> str:
    counts = dict.fromkeys(Category, 0)
    for case in tallies:
        counts[case.category] += 1
    return " · ".join(f"{category.value}: {n}" for category, n in counts.items() if n)


def tally_modal(
    meeting: Meeting,
    tallies: Sequence[CaseTally],
    members: int,
    history: dict[str, CaseTally] | None = None,
    *,
    consensus: float = 0.75,
    quorum: int = 1,
    confirmation: str | None = None,
    points: Sequence[ActionPoint] = (),
) -> View:
    """The chair's tally: what needs a decision first, each with its own Resolve button;
    then the summary's learning points and observations, each one click from an action."""
    to_act_on = point_blocks(
        points,
        POINTS_MAX + 2,
        "learning points and observations: they come up here as you record these, "
        "and App Home lists them too.",
    )
    blocks: list[Block] = []
    if confirmation:
        blocks.append(_mrkdwn(f":white_check_mark: {escape(confirmation)}"))
    blocks.append(
        _mrkdwn(
            f"*{escape(meeting.title)}* ({escape(meeting.id)})\n"
            f"{category_summary(tallies) or 'No cases'}"
        )
    )
    blocks.extend(
        chair_sections(
            meeting,
            tallies,
            members,
            consensus,
            history=history,
            room=VIEW_BLOCKS_MAX - len(blocks) - len(to_act_on),
            quorum=quorum,
        )
    )
    blocks.extend(to_act_on)
    return View(
        type="modal",
        callback_id=ids.TALLY_VIEW,
        title=_title("Panel tally"),
        close="Close",
        private_metadata=json.dumps({"m": meeting.id}),
        blocks=blocks[:VIEW_BLOCKS_MAX],
    )


def resolve_modal(
    meeting: Meeting,
    tally: CaseTally,
    rights: RightsCatalogue,
    *,
    right: int | None = None,
    origin: dict[str, str] | None = None,
) -> View:
    """The chair picks a right, a finding and a reason; ``right`` comes preselected.

    ``origin`` says which surface the chair came from (the tally modal, App
    Home, or a DM message), so that surface is refreshed after the resolution.
    """
    ordered = tally.disputed_first()
    right_options = [
        Option(
            value=str(r.right),
            label=clip(f"Right {r.right} {rights.get(r.right).short}: {r.finding.value}", 75)[0],
        )
        for r in ordered
    ]
    initial = next(
        (o for o in right_options if right is not None and o.value == str(right)),
        right_options[0],
    )
    findings = [Option(value=f.value, label=f.value) for f in Finding if f is not Finding.UNDECIDED]
    metadata = {"m": meeting.id, "r": tally.ref, **(origin or {})}
    return View(
        type="modal",
        callback_id=ids.RESOLVE_SUBMIT,
        title=_title(f"Resolve · {tally.ref}"),
        submit="Resolve",
        close="Back",
        private_metadata=json.dumps(metadata),
        blocks=[
            _mrkdwn(f"*{escape(tally.ref)}*: currently {tally.category.value}"),
            InputBlock(
                block_id=ids.RESOLVE_RIGHT,
                label="Right",
                element=StaticSelectElement(
                    action_id=ids.CHOICE, options=right_options, initial_option=initial
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


def close_confirm_modal(check: CloseCheck, closes: str) -> View:
    """Asked before voting closes early: how many members have not voted on every case."""
    meeting = check.meeting
    waiting = len(check.missing)
    if waiting:
        lines = [
            f"• <@{member}>: {', '.join(escape(ref) for ref in refs)}"
            for member, refs in sorted(check.missing.items())
        ]
        text = (
            f"*{waiting} of {check.members} members have not voted* on every case of "
            f"*{escape(meeting.title)}*. Closing now refuses their votes.\n" + "\n".join(lines)
        )
    else:
        text = f"Every member has voted on every case of *{escape(meeting.title)}*."
    return View(
        type="modal",
        callback_id=ids.CLOSE_CONFIRM,
        title=_title("Close voting?"),
        submit="Close voting",
        close="Cancel",
        private_metadata=json.dumps({"m": meeting.id}),
        blocks=[
            _mrkdwn(clip(text, SECTION_MAX)[0]),
            _context(
                f"Voting would otherwise close at {closes}. Once closed, everyone on the panel "
                "sees the counts and the case messages show each case's category."
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


def _case_row(
    meeting: Meeting, case: Case, buttons: list[ButtonElement], *, compact: bool = False
) -> list[Block]:
    """A case and its buttons; ``compact`` keeps only the first, beside the text, in one block."""
    text = f"*{escape(case.ref)}* · {escaped_clip(case.offence, 200)[0]}"
    if compact:
        return [SectionBlock(text=MarkdownTextObject(text=text), accessory=buttons[0])]
    return [
        _mrkdwn(text),
        ActionsBlock(block_id=f"case_{ids.case_key(meeting.id, case.ref)}"[:255], elements=buttons),
    ]


def results_texts(tallies: Sequence[CaseTally], members: int) -> list[str]:
    """After close, for everyone on the panel: each case's category and its rights' counts."""
    rows = []
    for tally in tallies:
        groups: dict[str, list[int]] = {}
        for right in tally.rights:
            if right.finding is Finding.UNDECIDED:
                key = f"Undecided ({_votes_text(right)})"
            elif right.resolved:
                key = f"{right.finding.value}, resolved by the chair"
            else:
                key = score(right).text
            groups.setdefault(key, []).append(right.right)
        detail = "; ".join(f"{numbers_text(numbers)}: {key}" for key, numbers in groups.items())
        rows.append(
            f"*{escape(tally.ref)}: {tally.category.value}* · {tally.voters} of {members} "
            f"voted\n{detail}"
        )
    return _grouped(rows, SECTION_MAX)


def home_view(
    meeting: Meeting | None,
    cases: Sequence[Case],
    voted_refs: set[str],
    chair_tally: Sequence[CaseTally] | None,
    closes: str,
    *,
    can_vote: bool,
    members: int,
    consensus: float = 0.75,
    quorum: int = 1,
    results: Sequence[CaseTally] | None = None,
    confirmation: str | None = None,
    reserve: int = 0,
) -> View:
    """App Home: cases still to vote on first, then voted ones; the chair's sections too.

    Once voting has closed (``meeting`` closed, ``results`` given), the
    most recent meeting's results stay here until a new meeting opens.
    ``reserve`` blocks are left free for what the caller adds below (the chair's actions).
    """
    limit = VIEW_BLOCKS_MAX - reserve
    blocks: list[Block] = [_header("Victims' Code scrutiny panel")]
    if confirmation:
        blocks.append(_mrkdwn(f":white_check_mark: {escape(confirmation)}"))
    if meeting is None:
        blocks.append(_mrkdwn("No meeting is open for voting."))
        return View(type="home", blocks=blocks)
    if meeting.is_open:
        blocks.append(
            _mrkdwn(f"*{escape(meeting.title)}* · {meeting.date:%d %B %Y}. Voting closes {closes}.")
        )
    else:
        blocks.append(
            _mrkdwn(
                f"*Results: {escape(meeting.title)}* · {meeting.date:%d %B %Y}. Voting has "
                "closed; these are the panel's findings, updated as the chair resolves rights."
            )
        )
    chair_room = 0 if chair_tally is None else 40
    if meeting.is_open:
        room = limit - len(blocks) - chair_room - 3
        # Two blocks a case (its text, then Vote and Read case) while they fit; a long
        # agenda keeps every case with its main button beside it, Read case being in
        # the vote modal and the channel.
        compact = 2 * len(cases) + 2 > room
        rows: list[Block] = []
        if can_vote:
            todo = [case for case in cases if case.ref not in voted_refs]
            done = [case for case in cases if case.ref in voted_refs]
            rows.append(
                _mrkdwn(
                    f"*Still to vote on ({len(todo)})*"
                    if todo
                    else "*You have voted on every case.*"
                )
            )
            for case in todo:
                rows.extend(
                    _case_row(
                        meeting,
                        case,
                        [vote_button(meeting.id, case.ref), read_case_button(meeting.id, case.ref)],
                        compact=compact,
                    )
                )
            if done:
                rows.append(
                    _mrkdwn(f"*Voted ({len(done)})* — you can change a vote until voting closes")
                )
            for case in done:
                rows.extend(
                    _case_row(
                        meeting,
                        case,
                        [
                            vote_button(meeting.id, case.ref, again=True),
                            read_case_button(meeting.id, case.ref),
                        ],
                        compact=compact,
                    )
                )
        else:
            for case in cases:
                rows.extend(
                    _case_row(
                        meeting, case, [read_case_button(meeting.id, case.ref)], compact=compact
                    )
                )
        if len(rows) > room:
            rows = rows[: room - 1]
            if rows[-1].type == "section" and not compact:
                rows.pop()  # never a case without its buttons
            shown = {
                case.ref
                for case in cases
                for row in rows
                if isinstance(row, SectionBlock)
                and row.text is not None
                and row.text.text.startswith(f"*{escape(case.ref)}* ·")
            }
            rows.append(_context(f"{len(cases) - len(shown)} more cases: see the panel channel."))
        blocks.extend(rows)
    elif results is not None and chair_tally is None:
        texts = results_texts(results, members)[: min(80, limit - len(blocks))]
        blocks.extend(_mrkdwn(text) for text in texts)
    if chair_tally is not None:
        blocks.append(DividerBlock())
        if not meeting.is_open:
            blocks.append(_mrkdwn(category_summary(chair_tally) or "No cases"))
        blocks.extend(
            chair_sections(
                meeting,
                chair_tally,
                members,
                consensus,
                room=limit - len(blocks),
                quorum=quorum,
            )
        )
    return View(type="home", blocks=blocks[:limit])


def help_text(is_chair: bool, is_secretariat: bool, is_member: bool = False) -> str:
    lines = ["*/vcop* — Victims' Code scrutiny panel"]
    if is_member:
        lines.append(
            "To vote, press *Vote* under a case in the panel channel (or in this app's Home "
            "tab), answer each right (*All met* fills every right you have not chosen), and "
            "press *Submit votes*. You can change your votes until voting closes."
        )
    lines.append("• `/vcop status [MEETING]` — who has voted on each case (never how)")
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
            "• `/vcop action list` — every open action, sent to you as DMs",
        ]
    if is_chair:
        lines += [
            "• `/vcop tally [MEETING]` — what needs your decision, with Resolve",
            "• `/vcop close [MEETING]` — end voting now (you are asked to confirm)",
            "• `/vcop extend [MEETING] DATETIME` — move the voting deadline",
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
    # Every case is listed (the publisher splits a long DM into several messages); beyond
    # a screenful each case keeps only its Vote button, Read case being in the vote modal.
    compact = len(cases) > 24
    for case in cases:
        built.extend(
            _case_row(
                meeting,
                case,
                [vote_button(meeting.id, case.ref), read_case_button(meeting.id, case.ref)],
                compact=compact,
            )
        )
    return f"Reminder: voting on {escape(meeting.title)} closes {closes}", built


def closing_tally_message(
    meeting: Meeting,
    tallies: Sequence[CaseTally],
    members: int,
    non_voters: dict[str, list[str]],
    *,
    consensus: float = 0.75,
    quorum: int = 1,
    confirmation: str | None = None,
    room: int = MESSAGE_BLOCKS_MAX - 1,
) -> tuple[str, list[Block]]:
    """The chair's DM at the deadline: what needs a decision, then who did not vote.

    The sections fit one message, so a Resolve in it redraws it in place; what
    does not fit is counted, and ``/vcop tally`` shows it.
    """
    built: list[Block] = []
    if confirmation:
        built.append(_mrkdwn(f":white_check_mark: {escape(confirmation)}"))
    built.append(
        _mrkdwn(
            f"Voting on *{escape(meeting.title)}* has closed. "
            f"{category_summary(tallies) or 'No cases'}"
        )
    )
    tail: list[Block] = []
    if non_voters:
        lines = [
            f"• <@{member}>: {', '.join(escape(ref) for ref in refs)}"
            for member, refs in sorted(non_voters.items())
        ]
        tail.append(_mrkdwn("*Did not vote on:*"))
        tail.extend(_mrkdwn(text) for text in _grouped(lines, SECTION_MAX))
    else:
        tail.append(_mrkdwn("Every member voted on every case."))
    # The sections fit the first message with room for the tail, whenever the tail is short.
    reserved = len(tail) + 1 if len(tail) < room // 3 else 0
    built.extend(
        chair_sections(
            meeting, tallies, members, consensus, room=room - len(built) - reserved, quorum=quorum
        )
    )
    built.extend(tail)
    built.append(_context("`/vcop tally` opens the full tally, with *Resolve* on every right."))
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
