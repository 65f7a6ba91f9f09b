"""Tallying: from stored votes and the chair's resolutions to each case's category.

One entry point for a meeting (``meeting_tally``) and one for a case
(``case_tally``); both apply the blind-voting rule when told who is looking.
The counting itself is pure (``bot.tally``); the database counts the votes.
"""

from __future__ import annotations

from bot.access import Access
from bot.config import Settings
from bot.errors import NotAllowed
from bot.meetings import MeetingService
from bot.models import CaseTally, Meeting, MeetingTally, Resolution
from bot.tally import tally_counts
from storage.repo import Repository


class TallyService:
    """Every tally the panel shows: the whole meeting's, or one case's."""

    def __init__(
        self, settings: Settings, repo: Repository, access: Access, meetings: MeetingService
    ) -> None:
        self.settings = settings
        self.repo = repo
        self.access = access
        self.meetings = meetings

    def meeting_tally(self, meeting_id: str | None, *, chair: str | None = None) -> MeetingTally:
        """Every case's tally; the database counts the votes (see ``tally_counts``).

        With no ``meeting_id``, the most recent meeting still open. Pass ``chair`` for the
        chair's view: only the chair may ask, and cases the chair may not see yet (blind
        voting, ``Access.can_see_votes``) are left out.
        """
        if chair is not None:
            self.access.require_chair(chair, "see the tally")
        meeting = self.meetings.get_meeting(meeting_id)
        tally = self._count_meeting(meeting)
        if chair is None:
            return tally
        visible = tuple(
            case for case in tally.cases if self.access.can_see_votes(chair, meeting, case.ref)
        )
        return tally.model_copy(update={"cases": visible})

    def case_tally(self, meeting_id: str, ref: str, *, viewer: str | None = None) -> CaseTally:
        """One case's tally from that case's votes alone (the same as its entry in the meeting's).

        A member's receipt shows one case; tallying the whole meeting to show it
        made every vote cost as much as all the votes already cast. Pass ``viewer``
        for someone asking in person: refused unless the blind-voting rule lets them see it.
        """
        if viewer is not None:
            meeting = self.meetings.get_meeting(meeting_id)
            if not self.access.can_see_votes(viewer, meeting, ref):
                raise NotAllowed(
                    "Voting is blind: the panel's counts are shown to everyone once voting "
                    "closes. Until then you can see and change your own votes with Vote."
                )
            meeting_id = meeting.id
        self.meetings.require_case(meeting_id, ref)
        rights = self.settings.rights
        counts, voters = self.repo.vote_counts(meeting_id, rights.numbers, ref)
        return tally_counts(
            ref,
            rights,
            counts.get(ref, {}),
            voters.get(ref, 0),
            {r.right: r for r in self.repo.resolutions_for_case(meeting_id, ref)},
            self.settings.voting.tally_rules,
        )

    def _count_meeting(self, meeting: Meeting) -> MeetingTally:
        rights = self.settings.rights
        counts, voters = self.repo.vote_counts(meeting.id, rights.numbers)
        resolutions: dict[str, dict[int, Resolution]] = {}
        for resolution in self.repo.resolutions_for_meeting(meeting.id):
            resolutions.setdefault(resolution.case_ref, {})[resolution.right] = resolution
        rules = self.settings.voting.tally_rules
        return MeetingTally(
            meeting=meeting.id,
            cases=tuple(
                tally_counts(
                    ref,
                    rights,
                    counts.get(ref, {}),
                    voters.get(ref, 0),
                    resolutions.get(ref, {}),
                    rules,
                )
                for ref in self.repo.case_refs(meeting.id)
            ),
        )
