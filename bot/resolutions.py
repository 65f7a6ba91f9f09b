"""The chair's resolutions: a finding on a right, with a reason, replacing the votes' finding."""

from __future__ import annotations

from pydantic import ValidationError

from bot.access import Access
from bot.clock import Clock
from bot.config import Settings
from bot.errors import NotFound, PanelError
from bot.meetings import MeetingService
from bot.models import DecisiveFinding, Resolution
from bot.plain_errors import plain_message
from bot.screening import TypedTextScreen
from storage.repo import Repository


class ResolutionService:
    """The chair's decisions on disputed rights; each is audited with what it replaced."""

    def __init__(
        self,
        settings: Settings,
        repo: Repository,
        clock: Clock,
        access: Access,
        typed_text: TypedTextScreen,
        meetings: MeetingService,
    ) -> None:
        self.settings = settings
        self.repo = repo
        self.clock = clock
        self.access = access
        self.typed_text = typed_text
        self.meetings = meetings

    def resolve_right(
        self,
        meeting_id: str,
        ref: str,
        right: int,
        finding: DecisiveFinding,
        reason: str,
        chair: str,
    ) -> Resolution:
        """The chair's finding on a right, with a reason; it replaces the votes' finding."""
        self.access.require_chair(chair, "resolve a right")
        if right not in self.settings.rights.numbers:
            raise NotFound(f"There is no Right {right} in this Code.")
        reason = reason.strip()
        if not reason:
            raise PanelError("Give a reason for the resolution; it goes into the report.")
        self.typed_text.screen(chair, {"reason": reason}, meeting_id=meeting_id, case_ref=ref)
        with self.repo.unit_of_work():
            meeting = self.meetings.get_meeting(meeting_id)
            self.meetings.get_case(meeting.id, ref)
            now = self.clock.now()
            previous = {
                (r.case_ref, r.right): r for r in self.repo.resolutions_for_meeting(meeting.id)
            }.get((ref, right))
            try:
                resolution = Resolution(
                    meeting_id=meeting.id,
                    case_ref=ref,
                    right=right,
                    finding=finding,
                    reason=reason,
                    chair=chair,
                    resolved_at=now,
                )
            except ValidationError as exc:
                problem = exc.errors(include_url=False)[0]
                message = plain_message(problem)
                raise PanelError(f"Resolution {problem['loc'][0]}: {message}") from exc
            self.repo.save_resolution(resolution)
            self.repo.append_audit(
                now,
                chair,
                "right.resolve",
                meeting.id,
                ref,
                old=previous.model_dump(mode="json") if previous else None,
                new=resolution.model_dump(mode="json"),
            )
        return resolution

    def for_meeting(self, meeting_id: str) -> list[Resolution]:
        return self.repo.resolutions_for_meeting(meeting_id)
