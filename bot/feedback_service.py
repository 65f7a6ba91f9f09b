"""Use case: feedback packs for the agencies after a meeting."""

from __future__ import annotations

from bot.action_service import ActionService
from bot.errors import PanelError
from bot.feedback import FeedbackPack, PackAction, build_feedback
from bot.panel import PanelServices


class FeedbackService:
    """Builds each agency's pack from a closed meeting's tally and notes."""

    def __init__(self, service: PanelServices) -> None:
        self.service = service
        self.settings = service.settings

    def agency(self, name: str) -> str:
        """The agency as app.yaml spells it; a PanelError lists the agencies otherwise."""
        try:
            return self.settings.agency(name)
        except ValueError as exc:
            raise PanelError(str(exc)) from exc

    def pack(
        self, meeting_id: str, agency: str, actions: tuple[PackAction, ...] = ()
    ) -> FeedbackPack:
        meeting = self.service.meetings.get_meeting(meeting_id)
        if self.service.meetings.voting_is_open(meeting):
            raise PanelError(
                f"Voting on {meeting.title} is still open; feedback packs come after the close."
            )
        name = self.agency(agency)
        if not actions:
            actions = tuple(
                PackAction(
                    description=a.description,
                    due=a.due,
                    status=a.status.value,
                    source=", ".join(p for p in (a.meeting_id, a.source) if p),
                )
                for a in ActionService(self.service).for_pack(meeting.id, name)
            )
        return build_feedback(
            meeting,
            self.service.tallying.meeting_tally(meeting.id).cases,
            self.service.meetings.notes(meeting.id),
            self.settings.rights,
            name,
            self.settings.panel.name,
            actions=actions,
            rules=self.settings.anonymity,
            generated_at=self.service.clock.now().astimezone(self.settings.voting.zone),
        )

    def packs(self, meeting_id: str, agency: str | None) -> list[FeedbackPack]:
        """One agency's pack, or every agency's that owes a right when ``agency`` is None."""
        if agency is not None:
            return [self.pack(meeting_id, agency)]
        names = [a for a in self.settings.agency_names if self.settings.rights.rights_of(a)]
        return [self.pack(meeting_id, name) for name in names]
