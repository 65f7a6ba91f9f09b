"""The vote path's fast forms give the same answers as the straightforward ones.

Profiling the vote path (tests/benchmarks/profile_vote.py) moved tallies onto
counts made by SQL, folded a ballot's reads into one statement, and added a
CSV export across meetings. Each test here pins one of those to the plain
computation it replaced: Vote objects through ``tally_case``, the meeting's
full tally, one meeting's own CSV.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import threading
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import load_settings
from bot.errors import NotFound, PanelError
from bot.models import (
    CaseTally,
    Finding,
    MeetingTally,
    MemberNotes,
    Resolution,
    RightTally,
    Vote,
    VoteOption,
)
from bot.panel import PanelServices
from bot.summary import render_csv
from bot.tally import TallyRules, categorise, tally_case, tally_counts

if TYPE_CHECKING:
    from conftest import Panel, PanelFactory

OPTIONS = list(VoteOption)
DECISIVE = [finding for finding in Finding if finding is not Finding.UNDECIDED]
RIGHTS = load_settings(Path(__file__).resolve().parents[1] / "app.yaml", env={}).rights
NOW = dt.datetime(2099, 3, 1, 9, 0, tzinfo=dt.UTC)


def _reference_tally(panel: Panel, meeting_id: str) -> MeetingTally:
    """The tally as it was computed before: every Vote object through tally_case."""
    service = panel.service
    votes: dict[str, list[Vote]] = {}
    for vote in panel.repo.votes_for_meeting(meeting_id):
        votes.setdefault(vote.case_ref, []).append(vote)
    resolutions: dict[str, dict[int, Resolution]] = {}
    for resolution in panel.repo.resolutions_for_meeting(meeting_id):
        resolutions.setdefault(resolution.case_ref, {})[resolution.right] = resolution
    return MeetingTally(
        meeting=meeting_id,
        cases=tuple(
            tally_case(
                case.ref,
                service.settings.rights,
                votes.get(case.ref, []),
                resolutions.get(case.ref, {}),
                service.settings.voting.tally_rules,
            )
            for case in panel.repo.list_cases(meeting_id)
        ),
    )


def _random_votes(panel: Panel, seed: int) -> None:
    rng = random.Random(seed)
    for member in panel.members:
        for ref in panel.REFS:
            if rng.random() < 0.8:
                changes = {n: rng.choice(OPTIONS) for n in range(1, 13)}
                panel.vote(member, ref, rng.choice(OPTIONS), changes=changes)


def _list_based_tally_case(
    ref: str,
    votes: list[Vote],
    resolutions: dict[int, Resolution],
    rules: TallyRules,
) -> CaseTally:
    """tally_case as it was before the rule worked on counts: lists of options, Counter each."""

    def finding(options: list[VoteOption]) -> Finding:
        counts = Counter(o for o in options if o is not VoteOption.ABSTAIN)
        cast = sum(counts.values())
        if cast < rules.quorum:
            return Finding.UNDECIDED
        top = max(counts.values())
        leaders = [o for o, n in counts.items() if n == top]
        if len(leaders) == 1 and top / cast > rules.majority:
            return Finding(leaders[0].value)
        return Finding.UNDECIDED

    def dispute(options: list[VoteOption]) -> float:
        counts = Counter(o for o in options if o is not VoteOption.ABSTAIN)
        cast = sum(counts.values())
        return 0.0 if cast == 0 else round(1 - max(counts.values()) / cast, 4)

    by_right: dict[int, list[VoteOption]] = {number: [] for number in RIGHTS.numbers}
    voters = set()
    for vote in votes:
        if vote.right in by_right:
            by_right[vote.right].append(vote.option)
            voters.add(vote.member)
    right_tallies = []
    for right in RIGHTS.items:
        options = by_right[right.number]
        from_votes = finding(options)
        resolution = resolutions.get(right.number)
        counted = Counter(options)
        right_tallies.append(
            RightTally(
                right=right.number,
                title=right.short,
                finding=resolution.finding if resolution else from_votes,
                vote_finding=from_votes,
                votes={o.value: counted[o] for o in VoteOption if counted[o]},
                resolved=resolution is not None,
                resolution_reason=resolution.reason if resolution else None,
                dispute=dispute(options),
            )
        )
    return CaseTally(
        ref=ref,
        category=categorise([r.finding for r in right_tallies]),
        voters=len(voters),
        rights=tuple(right_tallies),
    )


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 9), st.integers(0, 14), st.sampled_from(OPTIONS)), max_size=80
    ),
    st.dictionaries(st.integers(1, 12), st.sampled_from(DECISIVE), max_size=3),
    st.integers(1, 6),
    st.sampled_from([0.3, 0.5, 0.66]),
)
def test_the_tally_on_counts_is_the_tally_on_lists_of_votes(
    raw: list[tuple[int, int, VoteOption]],
    resolved: dict[int, Finding],
    quorum: int,
    majority: float,
) -> None:
    rights, now = RIGHTS, NOW
    rules = TallyRules(quorum=quorum, majority=majority)
    # Rights 0, 13 and 14 are not in the Code: both forms must ignore them.
    latest = {(member, right): option for member, right, option in raw}
    votes = [
        Vote(
            meeting_id="m",
            case_ref="C-1",
            member=f"U0M{member}",
            right=right,
            option=option,
            cast_at=now,
        )
        for (member, right), option in latest.items()
    ]
    resolutions = {
        right: Resolution(
            meeting_id="m",
            case_ref="C-1",
            right=right,
            finding=finding,
            reason="agreed at the meeting",
            chair="U0CHAIR01",
            resolved_at=now,
        )
        for right, finding in resolved.items()
    }
    counts: dict[int, Counter[VoteOption]] = {}
    voters = set()
    for vote in votes:
        if vote.right in rights.numbers:
            counts.setdefault(vote.right, Counter())[vote.option] += 1
            voters.add(vote.member)

    expected = _list_based_tally_case("C-1", votes, resolutions, rules)
    assert tally_case("C-1", rights, votes, resolutions, rules) == expected
    assert tally_counts("C-1", rights, counts, len(voters), resolutions, rules) == expected


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_meeting_tally_from_sql_counts_matches_tallying_every_vote(
    imported: Panel, seed: int
) -> None:
    _random_votes(imported, seed)
    imported.service.resolutions.resolve_right(
        imported.MEETING_ID, "BG-02", 4, Finding.NOT_MET, "records missing", imported.chair
    )

    tally = imported.service.tallying.meeting_tally(imported.MEETING_ID)

    assert tally == _reference_tally(imported, imported.MEETING_ID)
    for case in tally.cases:
        assert imported.service.tallying.case_tally(imported.MEETING_ID, case.ref) == case


def test_a_receipt_carries_the_members_own_choices_and_their_next_case(imported: Panel) -> None:
    _random_votes(imported, 7)
    member = imported.members[0]
    receipt = imported.vote(member, "BG-01", VoteOption.NOT_MET)

    assert receipt.choices == dict.fromkeys(range(1, 13), VoteOption.NOT_MET)
    unvoted = [
        ref
        for ref in imported.REFS
        if not imported.service.voting.has_voted(imported.MEETING_ID, ref, member)
    ]
    assert receipt.next_ref == (unvoted[0] if unvoted else None)


def test_a_receipts_next_case_wraps_round_the_agenda_and_is_none_once_every_case_is_voted(
    imported: Panel,
) -> None:
    member = imported.members[0]

    assert imported.vote(member, "BG-02").next_ref == "BG-03"
    assert imported.vote(member, "BG-03").next_ref == "BG-01"
    assert imported.vote(member, "BG-01").next_ref is None
    assert imported.vote(member, "BG-02", VoteOption.NOT_MET).next_ref is None
    assert imported.service.voting.next_case_to_vote(imported.MEETING_ID, member, "BG-01") is None
    assert (
        imported.service.voting.next_case_to_vote(imported.MEETING_ID, imported.members[1])
        == "BG-01"
    )


def test_a_tally_of_an_unknown_case_is_not_found(imported: Panel) -> None:
    with pytest.raises(NotFound, match="No case 'NO-SUCH'"):
        imported.service.tallying.case_tally(imported.MEETING_ID, "NO-SUCH")


def test_ballot_state_reads_what_a_ballot_is_compared_against(imported: Panel) -> None:
    repo, member = imported.repo, imported.members[1]
    assert repo.ballot_state("no-such-meeting", "BG-01", member).meeting is None
    empty = repo.ballot_state(imported.MEETING_ID, "NO-SUCH", member)
    assert empty.meeting is not None and empty.meeting.id == imported.MEETING_ID
    assert not empty.case_exists
    assert (empty.choices, empty.notes) == ({}, None)

    notes = MemberNotes(observations="Leaflet sent late.")
    imported.vote(member, "BG-01", VoteOption.MET, changes={3: VoteOption.NOT_MET}, notes=notes)

    state = repo.ballot_state(imported.MEETING_ID, "BG-01", member)
    assert state.case_exists
    assert state.meeting == imported.service.meetings.get_meeting(imported.MEETING_ID)
    own = imported.service.voting.member_ballot(imported.MEETING_ID, "BG-01", member)
    assert state.choices == own.choices and state.notes == notes
    assert all(isinstance(option, VoteOption) for option in state.choices.values())


def test_a_vote_is_audited_as_cast_then_changed_and_an_unchanged_one_not_at_all(
    imported: Panel,
) -> None:
    member = imported.members[2]
    first = imported.vote(member, "BG-01", VoteOption.MET)
    same = imported.vote(member, "BG-01", VoteOption.MET)
    changed = imported.vote(member, "BG-01", VoteOption.MET, changes={5: VoteOption.NOT_MET})

    assert (first.changed, same.changed, changed.changed) == (True, False, True)
    actions = [
        entry.action
        for entry in imported.repo.audit_entries(imported.MEETING_ID)
        if entry.action.startswith("vote.")
    ]
    assert actions == ["vote.cast", "vote.change"]
    assert imported.repo.count_votes(imported.MEETING_ID) == 12


def test_votes_from_many_threads_at_once_all_commit(imported: Panel) -> None:
    """The in-process write lock queues writers; none may fail or be lost."""
    errors: list[BaseException] = []
    start = threading.Barrier(len(imported.members) * len(imported.REFS))

    def vote(member: str, ref: str) -> None:
        try:
            start.wait()
            imported.vote(member, ref, VoteOption.PARTIALLY_MET)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=vote, args=(member, ref))
        for member in imported.members
        for ref in imported.REFS
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert imported.repo.count_votes(imported.MEETING_ID) == 5 * 3 * 12
    assert all(
        case.voters == 5
        for case in imported.service.tallying.meeting_tally(imported.MEETING_ID).cases
    )


def test_the_export_is_every_meetings_own_csv_under_one_header(imported: Panel) -> None:
    _random_votes(imported, 11)
    second = imported.meeting_doc(meeting_id="2099-04-fraud", date="2099-04-20")
    imported.import_meeting(second)
    _random_votes(imported, 12)  # the first meeting again; the second has no votes yet

    out = io.StringIO()
    rows = imported.service.reports.export_csv(out)

    lines = out.getvalue().splitlines()
    assert rows == len(lines) - 1 == 2 * 3 * 12
    expected = [
        render_csv(imported.service.reports.draft_summary(imported.MEETING_ID)).splitlines()[0]
    ]
    for meeting_id in (imported.MEETING_ID, "2099-04-fraud"):  # oldest first
        expected += render_csv(imported.service.reports.draft_summary(meeting_id)).splitlines()[1:]
    assert lines == expected


def test_the_export_refuses_a_meeting_judged_against_another_code(
    make_panel: PanelFactory,
) -> None:
    panel = make_panel()
    panel.import_meeting()
    other = make_panel(lambda raw: raw["rights"].update(code_edition="2031"), name="other")
    other.repo.close()
    other.service = PanelServices(other.settings, type(panel.repo)(panel.db_path), other.clock)

    with pytest.raises(PanelError, match="judged against the 2021 Code"):  # the 2031 Code
        other.service.reports.export_csv(io.StringIO())
