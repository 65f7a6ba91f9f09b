"""PanelServices: who may do what, blind voting, the chair's decisions, and time."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import pytest
from pydantic import ValidationError

from bot.access import CLI_ACTOR
from bot.errors import InvalidBallot, NotAllowed, NotFound, PanelError, VotingClosed
from bot.models import Ballot, Category, Finding, MeetingStatus, MemberNotes, VoteOption
from bot.voting import members_without_vote

if TYPE_CHECKING:
    from conftest import Panel, PanelFactory

OPTION_LABELS = {option.value for option in VoteOption}


def _chair_is_also_a_member(raw: dict[str, Any]) -> None:
    raw["panel"]["members"] = [*raw["panel"]["members"], raw["panel"]["chair"][0]]


# record_ballot ---------------------------------------------------------------------------


def test_a_member_ballot_is_recorded_with_a_receipt(imported: Panel) -> None:
    member = imported.members[0]

    receipt = imported.vote(member, "BG-02", VoteOption.PARTIALLY_MET)

    assert receipt.changed
    assert (receipt.meeting_id, receipt.case_ref, receipt.member) == (
        imported.MEETING_ID,
        "BG-02",
        member,
    )
    assert (receipt.voters, receipt.members) == (1, 5)
    assert imported.service.voting.has_voted(imported.MEETING_ID, "BG-02", member)
    assert not imported.service.voting.has_voted(imported.MEETING_ID, "BG-01", member)
    own = imported.service.voting.member_ballot(imported.MEETING_ID, "BG-02", member)
    assert own.choices == dict.fromkeys(range(1, 13), VoteOption.PARTIALLY_MET)


@pytest.mark.parametrize("who", ["chair", "secretariat", "outsider"])
def test_only_members_may_vote(imported: Panel, who: str) -> None:
    user = {"chair": imported.chair, "secretariat": imported.secretariat}.get(who, "U0OUTSIDE1")

    with pytest.raises(NotAllowed, match="Only panel members can vote"):
        imported.vote(user)

    assert imported.count("votes") == 0


def test_a_ballot_after_the_chair_closed_voting_is_refused(imported: Panel) -> None:
    assert imported.service.meetings.close_voting(imported.MEETING_ID, imported.chair)

    with pytest.raises(VotingClosed, match="your vote was not recorded"):
        imported.vote(imported.members[0])

    assert imported.count("votes") == 0


@pytest.mark.parametrize("after", [dt.timedelta(0), dt.timedelta(seconds=1), dt.timedelta(days=30)])
def test_a_ballot_at_or_after_the_deadline_is_refused(imported: Panel, after: dt.timedelta) -> None:
    imported.clock.set(imported.DEADLINE + after)

    with pytest.raises(VotingClosed) as caught:
        imported.vote(imported.members[0])

    # The deadline is told in the panel's own timezone (GMT in March).
    assert "Wed 18 Mar 2099 17:00 GMT" in str(caught.value)
    assert imported.count("votes") == 0
    assert imported.service.meetings.get_meeting(imported.MEETING_ID).status is MeetingStatus.OPEN


def test_a_ballot_one_second_before_the_deadline_counts(imported: Panel) -> None:
    imported.clock.set(imported.DEADLINE - dt.timedelta(seconds=1))

    assert imported.vote(imported.members[0]).changed
    assert imported.count("votes") == 12


def test_a_ballot_missing_rights_names_them(imported: Panel) -> None:
    ballot = imported.ballot(imported.members[0])
    choices = {n: o for n, o in ballot.choices.items() if n not in (3, 7)}

    with pytest.raises(InvalidBallot) as caught:
        imported.service.voting.record_ballot(ballot.model_copy(update={"choices": choices}))

    assert set(caught.value.problems) == {3, 7}
    assert "Right 3: choose an answer" in str(caught.value)
    assert "Right 7: choose an answer" in str(caught.value)
    assert imported.count("votes") == 0


def test_a_ballot_with_an_unknown_right_names_it(imported: Panel) -> None:
    ballot = imported.ballot(imported.members[0], changes={13: VoteOption.MET})

    with pytest.raises(InvalidBallot) as caught:
        imported.service.voting.record_ballot(ballot)

    assert caught.value.problems == {13: "there is no such right in this Code"}
    assert imported.count("votes") == 0


def test_check_ballot_treats_a_none_answer_as_missing_and_abstain_as_an_answer(
    imported: Panel,
) -> None:
    choices: dict[int, VoteOption | None] = dict.fromkeys(range(1, 13), VoteOption.ABSTAIN)
    choices[5] = None

    with pytest.raises(InvalidBallot) as caught:
        imported.service.voting.check_ballot(choices)
    choices[5] = VoteOption.ABSTAIN

    assert set(caught.value.problems) == {5}
    assert imported.service.voting.check_ballot(choices) == dict.fromkeys(
        range(1, 13), VoteOption.ABSTAIN
    )


def test_a_ballot_on_an_unknown_case_or_meeting_is_not_found(imported: Panel) -> None:
    member = imported.members[0]

    with pytest.raises(NotFound, match="NO-SUCH"):
        imported.vote(member, "NO-SUCH")
    with pytest.raises(NotFound, match="no-such-meeting"):
        imported.vote(member, meeting_id="no-such-meeting")

    assert imported.count("votes") == 0


def test_a_changed_vote_replaces_the_old_one_and_is_audited(imported: Panel) -> None:
    member = imported.members[1]
    imported.vote(member, option=VoteOption.MET)
    imported.clock.advance(dt.timedelta(hours=2))

    receipt = imported.vote(member, option=VoteOption.MET, changes={6: VoteOption.NOT_MET})

    assert receipt.changed
    assert receipt.voters == 1
    assert imported.count("votes") == 12
    own = imported.service.voting.member_ballot(imported.MEETING_ID, "BG-01", member)
    assert own.choices[6] is VoteOption.NOT_MET
    change = imported.repo.audit_entries(imported.MEETING_ID)[-1]
    assert (change.action, change.actor, change.case_ref) == ("vote.change", member, "BG-01")
    assert change.at == imported.clock.now()
    assert json.loads(change.old or "")["6"] == "Met"
    assert json.loads(change.new or "")["6"] == "Not met"


def test_resubmitting_the_same_ballot_is_a_no_op(imported: Panel) -> None:
    member = imported.members[2]
    notes = MemberNotes(good_practice="Prompt referral")
    imported.vote(member, notes=notes)
    stored = imported.repo.member_votes(imported.MEETING_ID, "BG-01", member)
    audit = imported.count("audit")
    imported.clock.advance(dt.timedelta(hours=1))

    receipt = imported.vote(member, notes=notes)

    assert not receipt.changed
    assert imported.count("audit") == audit
    assert imported.repo.member_votes(imported.MEETING_ID, "BG-01", member) == stored


def test_changing_only_the_notes_is_a_change(imported: Panel) -> None:
    member = imported.members[2]
    imported.vote(member)

    receipt = imported.vote(member, notes=MemberNotes(learning="Tell the victim about VPS"))

    assert receipt.changed
    assert imported.repo.audit_entries(imported.MEETING_ID)[-1].action == "vote.change"
    notes = imported.service.voting.member_ballot(imported.MEETING_ID, "BG-01", member).notes
    assert notes.learning == "Tell the victim about VPS"


def test_a_ballot_needs_a_well_formed_member_id() -> None:
    with pytest.raises(ValidationError):
        Ballot(meeting_id="m1", case_ref="BG-01", member="bob", choices={})


# Blind voting ------------------------------------------------------------------------------


def test_a_member_sees_no_counts_until_voting_closes_even_after_voting(imported: Panel) -> None:
    service, member, meeting = imported.service, imported.members[0], imported.MEETING_ID
    imported.vote(imported.members[1], "BG-01", VoteOption.NOT_MET)
    open_meeting = service.meetings.get_meeting(meeting)

    assert not service.access.can_see_votes(member, open_meeting, "BG-01")
    with pytest.raises(NotAllowed, match="Voting is blind"):
        service.tallying.case_tally(meeting, "BG-01", viewer=member)

    imported.vote(member, "BG-01", VoteOption.MET)

    # Voting does not unlock the counts: a member could otherwise follow the panel.
    assert not service.access.can_see_votes(member, open_meeting, "BG-01")
    with pytest.raises(NotAllowed, match="once voting closes"):
        service.tallying.case_tally(meeting, "BG-01", viewer=member)

    service.meetings.close_voting(meeting, imported.chair)
    seen = service.tallying.case_tally(meeting, "BG-01", viewer=member)
    assert seen.voters == 2
    assert seen.rights[0].votes == {"Met": 1, "Not met": 1}


def test_the_chair_sees_the_tally_while_voting_is_open(imported: Panel) -> None:
    service = imported.service
    imported.vote(imported.members[0], "BG-02")
    meeting = service.meetings.get_meeting(imported.MEETING_ID)

    assert service.access.can_see_votes(imported.chair, meeting, "BG-02")
    assert (
        service.tallying.case_tally(imported.MEETING_ID, "BG-02", viewer=imported.chair).voters == 1
    )
    shown = service.tallying.meeting_tally(imported.MEETING_ID, chair=imported.chair)
    assert shown.meeting == imported.MEETING_ID
    assert [case.ref for case in shown.cases] == list(imported.REFS)


def test_the_secretariat_does_not_see_votes_while_voting_is_open(imported: Panel) -> None:
    meeting = imported.service.meetings.get_meeting(imported.MEETING_ID)

    assert not imported.service.access.can_see_votes(imported.secretariat, meeting, "BG-01")
    with pytest.raises(NotAllowed):
        imported.service.tallying.meeting_tally(imported.MEETING_ID, chair=imported.secretariat)


def test_a_chair_who_is_also_a_member_follows_the_member_rule(
    make_panel: PanelFactory,
) -> None:
    panel = make_panel(_chair_is_also_a_member)
    panel.import_meeting()
    service, chair = panel.service, panel.chair
    panel.vote(panel.members[0], "BG-01")

    visible = service.tallying.meeting_tally(panel.MEETING_ID, chair=chair).cases
    assert visible == ()
    panel.vote(chair, "BG-01")

    visible = service.tallying.meeting_tally(panel.MEETING_ID, chair=chair).cases
    assert [case.ref for case in visible] == ["BG-01"]
    assert visible[0].voters == 2


def test_everyone_on_the_panel_sees_the_tally_once_voting_is_closed(imported: Panel) -> None:
    service = imported.service
    imported.vote(imported.members[0], "BG-03", VoteOption.NOT_MET)
    service.meetings.close_voting(imported.MEETING_ID, imported.chair)
    closed = service.meetings.get_meeting(imported.MEETING_ID)

    for user in (imported.members[4], imported.secretariat, imported.chair):
        assert service.access.can_see_votes(user, closed, "BG-03")
        assert service.tallying.case_tally(imported.MEETING_ID, "BG-03", viewer=user).voters == 1


def test_a_case_tally_asked_for_in_person_names_an_unknown_case_not_found(imported: Panel) -> None:
    with pytest.raises(NotFound):
        imported.service.tallying.case_tally(imported.MEETING_ID, "NO-SUCH", viewer=imported.chair)


def test_progress_tells_who_voted_never_how(imported: Panel) -> None:
    members = imported.members
    imported.vote(members[3], "BG-01", VoteOption.NOT_MET)
    imported.vote(members[0], "BG-01", VoteOption.MET, notes=MemberNotes(observations="x"))
    imported.vote(members[0], "BG-03", VoteOption.ABSTAIN)

    progress = imported.service.voting.progress(imported.MEETING_ID)

    assert [case.ref for case in progress] == list(imported.REFS)
    first, second, third = progress
    assert first.voted == (members[0], members[3])
    assert first.not_voted == (members[1], members[2], members[4])
    assert second.voted == ()
    assert second.not_voted == members
    assert third.voted == (members[0],)
    dumped = json.dumps([case.model_dump(mode="json") for case in progress])
    assert not any(label in dumped for label in OPTION_LABELS)
    assert set(progress[0].model_dump()) == {"ref", "voted", "not_voted"}
    pending = members_without_vote(progress)
    assert pending[members[0]] == ["BG-02"]
    assert pending[members[1]] == list(imported.REFS)


# The chair's resolutions ------------------------------------------------------------------


def _split_right_two(panel: Panel) -> None:
    """BG-01: Met everywhere except Right 2, split 2-2 with an abstention → Undecided."""
    members = panel.members
    panel.vote(members[0], "BG-01", VoteOption.MET)
    panel.vote(members[1], "BG-01", VoteOption.MET)
    panel.vote(members[2], "BG-01", VoteOption.MET, changes={2: VoteOption.NOT_MET})
    panel.vote(members[3], "BG-01", VoteOption.MET, changes={2: VoteOption.NOT_MET})
    panel.vote(members[4], "BG-01", VoteOption.MET, changes={2: VoteOption.ABSTAIN})


def test_resolving_a_right_replaces_its_finding_and_recomputes_the_category(
    imported: Panel,
) -> None:
    service = imported.service
    _split_right_two(imported)
    before = service.tallying.meeting_tally(imported.MEETING_ID).cases[0]
    assert before.rights[1].finding is Finding.UNDECIDED
    assert before.category is Category.NO_DECISION

    resolution = service.resolutions.resolve_right(
        imported.MEETING_ID,
        "BG-01",
        2,
        Finding.MET,
        "  Recorded in the crime report  ",
        imported.chair,
    )

    assert resolution.reason == "Recorded in the crime report"
    after = service.tallying.meeting_tally(imported.MEETING_ID).cases[0]
    right_two = after.rights[1]
    assert (right_two.finding, right_two.vote_finding) == (Finding.MET, Finding.UNDECIDED)
    assert right_two.resolved
    assert right_two.resolution_reason == "Recorded in the crime report"
    assert right_two.votes == {"Met": 2, "Not met": 2, "Abstain": 1}
    assert after.category is Category.FULLY_COMPLIANT
    entry = imported.repo.audit_entries(imported.MEETING_ID)[-1]
    assert (entry.action, entry.actor, entry.case_ref) == (
        "right.resolve",
        imported.chair,
        "BG-01",
    )
    assert entry.old is None
    assert json.loads(entry.new or "")["finding"] == "Met"


def test_resolving_again_replaces_the_resolution_and_audits_the_old_one(
    imported: Panel,
) -> None:
    service, chair = imported.service, imported.chair
    _split_right_two(imported)
    service.resolutions.resolve_right(imported.MEETING_ID, "BG-01", 2, Finding.MET, "first", chair)

    service.resolutions.resolve_right(
        imported.MEETING_ID, "BG-01", 2, Finding.NOT_MET, "second", chair
    )

    assert imported.count("resolutions") == 1
    case = service.tallying.meeting_tally(imported.MEETING_ID).cases[0]
    assert case.rights[1].finding is Finding.NOT_MET
    assert case.category is Category.PARTIALLY_COMPLIANT
    entry = imported.repo.audit_entries(imported.MEETING_ID)[-1]
    assert json.loads(entry.old or "")["reason"] == "first"
    assert json.loads(entry.new or "")["reason"] == "second"


@pytest.mark.parametrize("who", ["member", "secretariat"])
def test_only_the_chair_may_resolve(imported: Panel, who: str) -> None:
    user = imported.members[0] if who == "member" else imported.secretariat

    with pytest.raises(NotAllowed, match="Only the panel chair"):
        imported.service.resolutions.resolve_right(
            imported.MEETING_ID, "BG-01", 2, Finding.MET, "r", user
        )

    assert imported.count("resolutions") == 0


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_a_resolution_needs_a_reason(imported: Panel, reason: str) -> None:
    with pytest.raises(PanelError, match="reason"):
        imported.service.resolutions.resolve_right(
            imported.MEETING_ID, "BG-01", 2, Finding.MET, reason, imported.chair
        )

    assert imported.count("resolutions") == 0


def test_resolving_an_unknown_right_or_case_is_not_found(imported: Panel) -> None:
    service, chair = imported.service, imported.chair

    with pytest.raises(NotFound, match="Right 13"):
        service.resolutions.resolve_right(imported.MEETING_ID, "BG-01", 13, Finding.MET, "r", chair)
    with pytest.raises(NotFound, match="NO-SUCH"):
        service.resolutions.resolve_right(
            imported.MEETING_ID, "NO-SUCH", 1, Finding.MET, "r", chair
        )

    assert imported.count("resolutions") == 0


def test_the_cli_may_resolve_on_the_chairs_behalf(imported: Panel) -> None:
    resolution = imported.service.resolutions.resolve_right(
        imported.MEETING_ID, "BG-03", 1, Finding.NOT_APPLICABLE, "No interpreter needed", CLI_ACTOR
    )

    assert resolution.chair == CLI_ACTOR


# Closing and choosing meetings ------------------------------------------------------------


def test_close_voting_is_idempotent(imported: Panel) -> None:
    service = imported.service

    first = service.meetings.close_voting(imported.MEETING_ID, imported.chair)
    imported.clock.advance(dt.timedelta(minutes=5))
    second = service.meetings.close_voting(imported.MEETING_ID, imported.chair)

    assert (first, second) == (True, False)
    meeting = service.meetings.get_meeting(imported.MEETING_ID)
    assert meeting.status is MeetingStatus.CLOSED
    assert meeting.closed_at == imported.clock.now() - dt.timedelta(minutes=5)
    actions = [entry.action for entry in imported.repo.audit_entries(imported.MEETING_ID)]
    assert actions.count("meeting.close") == 1


def test_only_the_chair_may_close_voting(imported: Panel) -> None:
    with pytest.raises(NotAllowed):
        imported.service.meetings.close_voting(imported.MEETING_ID, imported.members[0])

    assert imported.service.meetings.get_meeting(imported.MEETING_ID).is_open


def test_voting_is_open_until_the_deadline_or_the_close(imported: Panel) -> None:
    service = imported.service
    meeting = service.meetings.get_meeting(imported.MEETING_ID)

    assert service.meetings.voting_is_open(meeting)
    imported.clock.set(imported.DEADLINE)
    assert not service.meetings.voting_is_open(meeting)


def test_get_meeting_none_picks_the_most_recent_open_meeting_by_date(panel: Panel) -> None:
    def add(meeting_id: str, date: str) -> None:
        panel.import_meeting(
            panel.meeting_doc(meeting_id=meeting_id, date=date, voting_closes=f"{date}T09:00:00")
        )

    add("a-older-open", "2099-04-10")
    add("z-newer-open", "2099-05-10")
    add("b-newest-closed", "2099-06-10")
    add("c-imported-last-but-older", "2099-03-20")
    panel.service.meetings.close_voting("b-newest-closed", panel.chair)

    assert panel.service.meetings.get_meeting(None).id == "z-newer-open"
    assert panel.service.meetings.get_meeting("").id == "z-newer-open"
    assert panel.service.meetings.get_meeting("a-older-open").id == "a-older-open"


def test_get_meeting_none_without_an_open_meeting_is_not_found(imported: Panel) -> None:
    imported.service.meetings.close_voting(imported.MEETING_ID, imported.chair)

    with pytest.raises(NotFound, match="No meeting is open"):
        imported.service.meetings.get_meeting(None)
    with pytest.raises(NotFound, match="vcop meeting list"):
        imported.service.meetings.get_meeting("nope")


def test_list_meetings_is_newest_first(panel: Panel) -> None:
    for meeting_id, date in (("m-jan", "2099-01-20"), ("m-mar", "2099-03-20")):
        panel.import_meeting(
            panel.meeting_doc(meeting_id=meeting_id, date=date, voting_closes=f"{date}T09:00:00")
        )

    assert [m.id for m in panel.service.meetings.list_meetings()] == ["m-mar", "m-jan"]


def test_the_tally_counts_every_label_and_the_voters(imported: Panel) -> None:
    members = imported.members
    imported.vote(members[0], "BG-02", VoteOption.MET)
    imported.vote(members[1], "BG-02", VoteOption.MET)
    imported.vote(members[2], "BG-02", VoteOption.MET)
    imported.vote(members[3], "BG-02", VoteOption.ABSTAIN)

    tally = imported.service.tallying.meeting_tally(imported.MEETING_ID)

    assert tally.meeting == imported.MEETING_ID
    _, case, _ = tally.cases
    assert case.voters == 4
    assert case.category is Category.FULLY_COMPLIANT
    assert all(r.votes == {"Met": 3, "Abstain": 1} for r in case.rights)
    assert all(r.finding is Finding.MET and not r.resolved for r in case.rights)
