"""Who may do what on the panel.

Authorisation lives in the core rather than in the transport, so that every way
in (a slash command, a crafted payload, the CLI, the scheduler) meets the same
checks. The CLI and the scheduler act under their own actor names: whoever runs
them on the server already holds the database.
"""

from __future__ import annotations

from bot.actions import Action
from bot.config import Settings
from bot.errors import NotAllowed
from bot.models import Meeting
from storage.repo import Repository

#: The scheduler's actor name in the audit log (the deadline closing voting).
SYSTEM_ACTOR = "system"
#: The command line's actor name: someone at the server, already trusted with the database.
CLI_ACTOR = "cli"


class Access:
    """The panel's roles from app.yaml, and the blind-voting rule over the stored votes."""

    def __init__(self, settings: Settings, repo: Repository) -> None:
        self.settings = settings
        self.repo = repo

    def require_member(self, user: str) -> None:
        if not self.settings.is_member(user):
            raise NotAllowed("Only panel members can vote. Ask the panel secretariat to add you.")

    def require_chair(self, user: str, action: str) -> None:
        if user != CLI_ACTOR and user != SYSTEM_ACTOR and not self.settings.is_chair(user):
            raise NotAllowed(
                f"Only the panel chair can {action}. Ask the chair; "
                "`/vcop help` lists what you can do."
            )

    def require_chair_or_secretariat(self, user: str, action: str) -> None:
        allowed = self.settings.is_chair(user) or self.settings.is_secretariat(user)
        if user != CLI_ACTOR and not allowed:
            raise NotAllowed(
                f"Only the panel chair or the secretariat can {action}. Ask one of them; "
                "`/vcop help` lists what you can do."
            )

    def require_panel(self, user: str, action: str) -> None:
        panel = self.settings.panel
        if user not in {*panel.members, *panel.chair, *panel.secretariat}:
            raise NotAllowed(
                f"Only people on the panel can {action}. "
                "Ask the panel secretariat to add you if you should be."
            )

    def can_see_votes(self, user: str, meeting: Meeting, ref: str) -> bool:
        """Blind until close: while voting is open only the chair sees a case's counts.

        A member who could see the panel's counts after voting could change
        their vote to follow them, so members see only their own choices until
        voting closes. The chair sees the tally to prepare the meeting, unless
        the chair is also a voting member: then only for cases already voted on.
        Once voting has closed, everyone on the panel sees the final tally.
        """
        panel = self.settings.panel
        if not meeting.is_open:
            return user in {*panel.members, *panel.chair, *panel.secretariat}
        if not self.settings.is_chair(user):
            return False
        return not self.settings.is_member(user) or self.repo.has_voted(meeting.id, ref, user)

    # The record the panel keeps after a meeting: actions, feedback packs, trends ----------

    def keeps_the_record(self, user: str) -> bool:
        """The chair and the secretariat record actions and pull every pack and report."""
        return self.settings.is_chair(user) or self.settings.is_secretariat(user)

    def require_action_recorder(self, user: str) -> None:
        if not self.keeps_the_record(user):
            raise NotAllowed("Only the chair or the secretariat can record actions.")

    def require_action_updater(self, user: str, action: Action) -> None:
        """An agency's named contact may also update the actions owed by that agency."""
        if self.keeps_the_record(user) or self.settings.agency_contact(action.agency) == user:
            return
        raise NotAllowed(
            f"Only the chair, the secretariat or {action.agency}'s named contact can update "
            "this action."
        )

    def pack_agencies(self, user: str) -> list[str]:
        """The agencies whose feedback packs ``user`` may pull: all for the chair and
        secretariat, an agency's own for its named contact, none for anyone else."""
        settings = self.settings
        if self.keeps_the_record(user):
            return [a for a in settings.agency_names if settings.rights.rights_of(a)]
        return [a for a, contact in settings.agencies.items() if contact == user]

    def require_pack_reader(self, user: str, agency: str | None = None) -> None:
        """``user`` may pull ``agency``'s pack (with no agency: at least one pack)."""
        if agency is None:
            if not self.pack_agencies(user):
                raise NotAllowed(
                    "Only the chair, the secretariat or an agency's named contact can pull "
                    "feedback packs."
                )
        elif agency not in self.pack_agencies(user):
            raise NotAllowed(
                f"Only the chair, the secretariat or {agency}'s named contact can pull "
                f"{agency}'s feedback pack."
            )

    def require_trends_reader(self, user: str) -> None:
        if not self.keeps_the_record(user):
            raise NotAllowed("Only the chair or the secretariat can pull the trends report.")

    def may_send_meeting_files(self, user: str) -> bool:
        """Meeting files are the secretariat's to send; anyone else's are refused unread."""
        return self.settings.is_secretariat(user)
