"""Voting as a member does it on a phone, and the chair's and channel's view of the result.

Every step goes over HTTP through the local Slack workspace, and every tap a
member makes is counted: pressing a button, opening a select, picking an option,
submitting, closing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.config import Settings
from bot.models import Category, MeetingStatus, VoteOption
from bot.panel import PanelServices
from handlers.local_workspace import LocalWorkspace
from handlers.slack_sim import SimulatedSlack, ViewRecord

from .helpers import (
    OpenMeeting,
    ballot,
    button_action,
    button_texts,
    case_messages,
    close_voting,
    context_texts,
    input_blocks,
    mrkdwn_texts,
    right_block_ids,
    vote,
)

MET, NM, PM, NA = (
    VoteOption.MET.value,
    VoteOption.NOT_MET.value,
    VoteOption.PARTIALLY_MET.value,
    VoteOption.NOT_APPLICABLE.value,
)


@dataclass
class Member:
    """A member's thumb: every interaction goes to Slack and is counted as taps."""

    slack: SimulatedSlack
    user: str
    taps: int = 0

    def modal(self) -> ViewRecord:
        top = self.slack.open_modal(self.user)
        assert top is not None
        return top

    def press_in_channel(self, channel: str, ref: str, action_id: str) -> None:
        message = case_messages(self.slack, channel)[ref]
        assert (
            self.slack.click_button(self.user, action_id, message=(channel, message.ts)).status
            == 200
        )
        self.taps += 1

    def press(self, text: str) -> None:
        view = self.modal()
        action_id, value = button_action(view, text)
        assert self.slack.click_button(self.user, action_id, value, view_id=view.id).status == 200
        self.taps += 1

    def choose(self, right: int, answer: str) -> None:
        """Open a right's select (one tap) and pick an answer (another)."""
        view = self.modal()
        block_id = right_block_ids(view)[right]
        self.slack.select_option(self.user, "choice", answer, view_id=view.id, block_id=block_id)
        self.taps += 2

    def type_note(self, block_id: str, text: str) -> None:
        self.slack.enter_text(self.user, self.modal().id, block_id, text)

    def submit(self) -> None:
        result = self.slack.submit_view(self.user, self.modal().id)
        assert result.response is not None and result.response.ok and not result.errors, result
        self.taps += 1

    def done(self) -> None:
        self.slack.close_view(self.user, self.modal().id)
        self.taps += 1


def _preselected(view: ViewRecord) -> dict[int, str | None]:
    found: dict[int, str | None] = {}
    for number, block_id in right_block_ids(view).items():
        block = next(b for b in input_blocks(view) if b["block_id"] == block_id)
        option = block["element"].get("initial_option")
        found[number] = option["value"] if option else None
    return found


def test_fast_path_all_met_then_two_exceptions_stores_ten_met_and_the_exceptions_in_8_taps(
    opened: str, slack: SimulatedSlack, settings: Settings, service: PanelServices
) -> None:
    channel = settings.panel.channel
    member = Member(slack, settings.panel.members[0])

    member.press_in_channel(channel, "SH-02", "vote_open")
    member.press("All met")
    filled = member.modal()
    assert _preselected(filled) == dict.fromkeys(range(1, 13), MET)
    member.choose(3, NM)
    member.choose(8, PM)
    member.submit()
    receipt = member.modal()
    assert receipt.callback_id == "vote_receipt"
    member.done()

    assert member.taps <= 8
    assert member.taps == 8  # Vote, All met, 2 × (open select, pick), Submit, Done
    stored = {v.right: v.option for v in service.repo.member_votes(opened, "SH-02", member.user)}
    assert stored == {
        **dict.fromkeys(range(1, 13), VoteOption.MET),
        3: VoteOption.NOT_MET,
        8: VoteOption.PARTIALLY_MET,
    }
    assert slack.open_modal(member.user) is None


def test_the_same_case_without_the_fast_path_takes_27_taps(
    opened: str, slack: SimulatedSlack, settings: Settings, service: PanelServices
) -> None:
    channel = settings.panel.channel
    member = Member(slack, settings.panel.members[1])
    member.press_in_channel(channel, "SH-02", "vote_open")
    for right in range(1, 13):
        member.choose(right, {3: NM, 8: PM}.get(right, MET))
    member.submit()
    member.done()
    assert member.taps == 27
    assert service.voting.has_voted(opened, "SH-02", member.user)


def test_a_fill_keeps_rights_already_chosen_and_notes_already_typed(
    opened: str, slack: SimulatedSlack, settings: Settings, service: PanelServices
) -> None:
    channel = settings.panel.channel
    member = Member(slack, settings.panel.members[2])
    member.press_in_channel(channel, "SH-03", "vote_open")
    opened_modal = member.modal()
    member.choose(5, NM)
    member.type_note("note_learning", "Chase the Witness Care Unit sooner")
    member.press("All not applicable")
    filled = member.modal()
    assert filled.id == opened_modal.id  # updated in place, not a new modal
    assert filled.hash != opened_modal.hash
    assert _preselected(filled) == {**dict.fromkeys(range(1, 13), NA), 5: NM}
    note = next(b for b in input_blocks(filled) if b["block_id"] == "note_learning")
    assert note["element"]["action_id"] == "text"  # note ids are stable for the screen
    member.press("All met")  # a second press fills nothing: every right is chosen
    assert _preselected(member.modal()) == {**dict.fromkeys(range(1, 13), NA), 5: NM}
    member.submit()
    stored = {v.right: v.option for v in service.repo.member_votes(opened, "SH-03", member.user)}
    assert stored == {
        **dict.fromkeys(range(1, 13), VoteOption.NOT_APPLICABLE),
        5: VoteOption.NOT_MET,
    }
    notes = service.voting.member_ballot(opened, "SH-03", member.user).notes
    assert notes.learning == "Chase the Witness Care Unit sooner"


def test_a_fill_sends_the_hash_of_the_modal_it_saw(
    opened: str, local: LocalWorkspace, slack: SimulatedSlack, settings: Settings
) -> None:
    """Slack refuses views.update with an out-of-date hash (hash_conflict), so a fill
    can never overwrite a newer version of the modal."""
    member = Member(slack, settings.panel.members[3])
    member.press_in_channel(settings.panel.channel, "SH-01", "vote_open")
    seen = member.modal().hash
    member.press("All met")
    update = local.workspace.calls("views.update")[-1]
    assert update.params["hash"] == seen
    assert member.modal().hash != seen


def test_read_case_pushes_the_case_and_back_returns_to_the_choices(
    opened: str, slack: SimulatedSlack, settings: Settings, service: PanelServices
) -> None:
    channel = settings.panel.channel
    member = Member(slack, settings.panel.members[0])
    member.press_in_channel(channel, "SH-04", "vote_open")
    member.press("All met")
    member.choose(2, NM)
    vote_modal = member.modal()
    member.press("Read case")
    case_view = member.modal()
    assert case_view.callback_id == "case_view" and case_view.id != vote_modal.id
    case = service.meetings.get_case(opened, "SH-04")
    shown = "\n".join(mrkdwn_texts(case_view.blocks))
    assert case.timeline[0].entry.split()[0] in shown
    assert case_view.view["close"]["text"] == "Back"
    slack.close_view(member.user, case_view.id)
    back = member.modal()
    assert back.id == vote_modal.id
    member.submit()
    stored = {v.right: v.option for v in service.repo.member_votes(opened, "SH-04", member.user)}
    assert stored[2] is VoteOption.NOT_MET and stored[1] is VoteOption.MET


def test_receipt_shows_own_answers_and_next_case_opens_the_next_unvoted_case(
    opened: str, slack: SimulatedSlack, settings: Settings, service: PanelServices
) -> None:
    channel = settings.panel.channel
    member = Member(slack, settings.panel.members[0])
    other = settings.panel.members[1]
    assert vote(slack, other, channel, "SH-01", ballot(VoteOption.NOT_RECORDED)).status == 200
    assert vote(slack, member.user, channel, "SH-02", ballot()).status == 200

    member.press_in_channel(channel, "SH-01", "vote_open")
    member.press("All met")
    member.submit()
    receipt = member.modal()
    text = "\n".join(mrkdwn_texts(receipt.blocks))
    assert "*Right 12 · Making a complaint:* Met" in text
    assert VoteOption.NOT_RECORDED.value not in text  # the other member's answers: never
    assert button_texts(receipt.blocks) == ["Next case"]
    assert receipt.view["close"]["text"] == "Done"
    member.press("Next case")
    following = member.modal()
    assert following.id == receipt.id and following.callback_id == "vote_submit"
    assert "SH-03" in following.view["title"]["text"]  # SH-02 is already voted on

    for ref in ("SH-03", "SH-04", "SH-05", "SH-06"):
        assert (
            member.modal().callback_id == "vote_submit"
            and ref in member.modal().view["title"]["text"]
        )
        member.press("All met")
        member.submit()
        if ref != "SH-06":
            member.press("Next case")
    last = member.modal()
    assert last.callback_id == "vote_receipt" and button_texts(last.blocks) == []
    assert "voted on every case" in "\n".join(mrkdwn_texts(last.blocks))
    assert service.voting.voted_refs(opened, member.user) == {f"SH-0{n}" for n in range(1, 7)}


def _vote_meeting(slack: SimulatedSlack, settings: Settings) -> None:
    """SH-01: Right 3 undecided (2–2–1), Right 5 split (3–2), the rest Met 5–0.
    SH-02: all Met 5–0. SH-03..06: everyone Not applicable."""
    channel, members = settings.panel.channel, settings.panel.members
    sh01 = [
        ballot(r3=MET, r5=MET),
        ballot(r3=MET, r5=MET),
        ballot(r3=NM, r5=MET),
        ballot(r3=NM, r5=NM),
        ballot(r3=PM, r5=NM),
    ]
    for member, values in zip(members, sh01, strict=True):
        assert vote(slack, member, channel, "SH-01", values).status == 200
    for member in members:
        assert vote(slack, member, channel, "SH-02", ballot()).status == 200
        for ref in ("SH-03", "SH-04", "SH-05", "SH-06"):
            assert (
                vote(slack, member, channel, ref, ballot(VoteOption.NOT_APPLICABLE)).status == 200
            )


def test_chair_tally_has_needs_your_decision_then_split_then_one_line_per_case(
    opened: str, slack: SimulatedSlack, settings: Settings
) -> None:
    _vote_meeting(slack, settings)
    chair = settings.panel.chair[0]
    assert slack.slash_command(chair, "tally").status == 200
    tally = slack.open_modal(chair)
    assert tally is not None
    order = [
        b["text"]["text"].splitlines()[0]
        for b in tally.blocks
        if b["type"] in ("header", "section")
    ][1:]
    assert order == [
        "Needs your decision (1)",
        "*SH-01 · Right 3 · Information when reporting*",
        "Split, worth discussing",
        "*SH-01 · Right 5 · Information about compensation*",
        "Each case",
        "*SH-01: Panel failed to reach a decision* · 5 of 5 voted",
        "*SH-02: Fully compliant* · 5 of 5 voted",
        "*SH-03: Not applicable* · 5 of 5 voted",
        "*SH-04: Not applicable* · 5 of 5 voted",
        "*SH-05: Not applicable* · 5 of 5 voted",
        "*SH-06: Not applicable* · 5 of 5 voted",
    ]
    texts = list(mrkdwn_texts(tally.blocks))
    assert "Met 2, Partially met 1, Not met 2 · 5 of 5 members voted" in texts[1]
    assert "Met with 60% of the votes: Met 3, Not met 2" in texts[2]
    assert texts[3].endswith("All other rights: Met 5–0")
    assert texts[4].endswith("All other rights: Met 5–0")
    resolve = [b["accessory"] for b in tally.blocks if b.get("accessory")]
    assert [(b["text"]["text"], b["value"]) for b in resolve[:2]] == [
        ("Resolve", f"{opened}|SH-01|3"),
        ("Resolve", f"{opened}|SH-01|5"),
    ]
    # Resolve from the tally: the right comes preselected, and the tally refreshes with a note.
    slack.click_button(chair, "resolve_right_open", f"{opened}|SH-01|5", view_id=tally.id)
    form = slack.open_modal(chair)
    assert form is not None and form.callback_id == "resolve_submit"
    picked = next(b for b in form.blocks if b.get("block_id") == "resolve_right")
    assert picked["element"]["initial_option"]["value"] == "5"
    done = slack.submit_view(
        chair, form.id, {"resolve_finding": MET, "resolve_reason": "Leaflet on file."}
    )
    assert done.closed and not done.problems
    back = slack.open_modal(chair)
    assert back is not None and back.id == tally.id
    texts = list(mrkdwn_texts(back.blocks))
    assert texts[0] == ":white_check_mark: Resolved SH-01 Right 5 as Met."
    assert any("Resolved by the chair: Right 5 Met" in t for t in texts)


def test_case_messages_show_final_categories_after_close_and_follow_a_resolution(
    opened: str, slack: SimulatedSlack, settings: Settings, service: PanelServices
) -> None:
    _vote_meeting(slack, settings)
    channel, chair = settings.panel.channel, settings.panel.chair[0]
    before = {ref: m for ref, m in case_messages(slack, channel).items()}
    assert not any("Category" in " ".join(mrkdwn_texts(m.blocks)) for m in before.values())

    close_voting(slack, chair, opened)
    messages = case_messages(slack, channel)
    category = {
        ref: next(t for t in mrkdwn_texts(m.blocks) if t.startswith("*Category:*"))
        for ref, m in messages.items()
    }
    assert category["SH-01"] == f"*Category:* {Category.NO_DECISION.value}"
    assert category["SH-02"] == f"*Category:* {Category.FULLY_COMPLIANT.value}"
    assert category["SH-03"] == f"*Category:* {Category.NOT_APPLICABLE.value}"
    notices = [
        m
        for m in slack.messages(channel)
        if "has closed" in m.text or "has closed" in str(m.blocks)
    ]
    assert len(notices) == 1
    notice_ts = notices[0].ts
    assert "1 right awaits the chair's decision" in str(notices[0].blocks)

    # The chair resolves the only undecided right from the deadline-style surface: App Home.
    assert slack.app_home_opened(chair).status == 200
    home = slack.home_view(chair)
    assert home is not None
    slack.click_button(chair, "resolve_right_open", f"{opened}|SH-01|3", view_id=home.id)
    form = slack.open_modal(chair)
    assert form is not None
    done = slack.submit_view(
        chair, form.id, {"resolve_finding": NM, "resolve_reason": "No written confirmation."}
    )
    assert done.closed and not done.problems
    assert service.meetings.get_meeting(opened).status is MeetingStatus.CLOSED

    sh01 = case_messages(slack, channel)["SH-01"]
    assert f"*Category:* {Category.PARTIALLY_COMPLIANT.value}" in mrkdwn_texts(sh01.blocks)
    edited = slack.workspace.message(channel, notice_ts)
    assert f"SH-01: {Category.PARTIALLY_COMPLIANT.value}" in str(edited.blocks)
    assert "Every right has a finding." in str(edited.blocks)
    follow_up = slack.messages(channel)[-1]
    assert follow_up.ts != notice_ts and "last undecided right" in str(follow_up.blocks)
    # A second resolution edits again but posts no second follow-up.
    home = slack.home_view(chair)
    assert home is not None
    slack.click_button(chair, "resolve_open", f"{opened}|SH-02", view_id=home.id)
    form = slack.open_modal(chair)
    assert form is not None
    slack.submit_view(
        chair,
        form.id,
        {"resolve_right": "1", "resolve_finding": NM, "resolve_reason": "Interpreter refused."},
    )
    assert slack.messages(channel)[-1].ts == follow_up.ts
    sh02 = case_messages(slack, channel)["SH-02"]
    assert f"*Category:* {Category.PARTIALLY_COMPLIANT.value}" in mrkdwn_texts(sh02.blocks)

    # App Home keeps the closed meeting's results for every member.
    member = settings.panel.members[4]
    assert slack.app_home_opened(member).status == 200
    home = slack.home_view(member)
    assert home is not None
    results = "\n".join(mrkdwn_texts(home.blocks))
    assert "*Results: " in results
    assert f"*SH-01: {Category.PARTIALLY_COMPLIANT.value}*" in results
    assert "Right 3: Not met, resolved by the chair" in results


def test_close_asks_first_saying_how_many_members_have_not_voted(
    opened: str, slack: SimulatedSlack, settings: Settings, service: PanelServices
) -> None:
    channel, chair, members = (
        settings.panel.channel,
        settings.panel.chair[0],
        settings.panel.members,
    )
    for ref in ("SH-01", "SH-02", "SH-03", "SH-04", "SH-05", "SH-06"):
        assert vote(slack, members[0], channel, ref, ballot()).status == 200
    assert slack.slash_command(chair, "close").status == 200
    confirm = slack.open_modal(chair)
    assert confirm is not None and confirm.callback_id == "close_confirm"
    text = "\n".join(mrkdwn_texts(confirm.blocks))
    assert "*4 of 5 members have not voted*" in text
    assert f"<@{members[1]}>" in text and f"<@{members[0]}>" not in text
    assert confirm.view["submit"]["text"] == "Close voting"
    slack.close_view(chair, confirm.id)  # Cancel
    assert service.meetings.get_meeting(opened).is_open
    assert close_voting(slack, chair).status == 200
    assert service.meetings.get_meeting(opened).status is MeetingStatus.CLOSED
    again = slack.slash_command(chair, f"close {opened}")
    assert again.shown is not None and "already closed" in again.shown.text
    assert "/vcop tally" in again.shown.text  # a refusal says what to do instead


def test_extend_without_a_meeting_uses_the_open_meeting_and_help_tells_members_how_to_vote(
    opened: str, slack: SimulatedSlack, settings: Settings, service: PanelServices
) -> None:
    chair, member = settings.panel.chair[0], settings.panel.members[0]
    result = slack.slash_command(chair, "extend 2025-09-16 17:00")
    assert result.shown is not None and "now closes Tue 16 Sep 2025 17:00" in result.shown.text
    assert service.meetings.get_meeting(opened).voting_closes.hour == 16  # 17:00 BST
    usage = slack.slash_command(chair, "extend")
    assert usage.shown is not None and "/vcop extend 2025-09-16T17:00" in usage.shown.text
    help_ = slack.slash_command(member, "help")
    assert help_.shown is not None
    assert "press *Vote* under a case" in help_.shown.text and "*All met*" in help_.shown.text
    refused = slack.slash_command(member, "tally")
    assert refused.shown is not None and "Only the panel chair" in refused.shown.text
    assert "`/vcop help` lists what you can do" in refused.shown.text


def test_case_message_is_phone_sized_and_its_buttons_name_the_case(
    opened: str, slack: SimulatedSlack, settings: Settings
) -> None:
    for ref, message in case_messages(slack, settings.panel.channel).items():
        found = [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]]
        assert [e["text"]["text"] for e in found] == ["Vote", "Read case"]
        assert [e.get("accessibility_label") for e in found] == [
            f"Vote on {ref}",
            f"Read case {ref}",
        ]
        assert sum(1 for e in found if e.get("style") == "primary") == 1
        narrative = list(mrkdwn_texts(message.blocks))[1]
        assert "\n" not in narrative.strip()  # hard line breaks reflowed
        if narrative.endswith("…"):
            assert any("Read case" in t for t in context_texts(message.blocks))


def test_resolve_from_the_chairs_deadline_dm_redraws_that_dm_and_confirms(
    meeting: OpenMeeting,
) -> None:
    opened, local, slack, runtime = meeting.id, meeting.local, meeting.slack, meeting.runtime
    _vote_meeting(slack, meeting.settings)
    closes = runtime.service.meetings.get_meeting(opened).voting_closes
    assert meeting.run_due_at(closes + dt.timedelta(seconds=1)) >= 1  # the deadline closes voting
    chair = meeting.chair
    dm_channel = local.workspace.dm_channel_for(chair)
    dm = next(m for m in slack.dms_for(chair) if "Needs your decision (1)" in str(m.blocks))
    resolve = [
        b["accessory"]["value"]
        for b in dm.blocks
        if b.get("accessory", {}).get("text", {}).get("text") == "Resolve"
    ]
    assert resolve[0] == f"{opened}|SH-01|3"

    clicked = slack.click_button(
        chair, "resolve_right_open", resolve[0], message=(dm_channel, dm.ts)
    )
    assert clicked.status == 200
    form = slack.open_modal(chair)
    assert form is not None and form.callback_id == "resolve_submit"
    done = slack.submit_view(
        chair, form.id, {"resolve_finding": MET, "resolve_reason": "Letter on the file."}
    )
    assert not done.problems and not done.errors

    redrawn = local.workspace.message(dm_channel, dm.ts)  # the same DM, edited in place
    texts = list(mrkdwn_texts(redrawn.blocks))
    assert texts[0] == ":white_check_mark: Resolved SH-01 Right 3 as Met."
    assert "Needs your decision (1)" not in str(redrawn.blocks)  # the right is decided now
    assert runtime.service.meetings.get_meeting(opened).status is MeetingStatus.CLOSED
