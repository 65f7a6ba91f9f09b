"""Screening what people type for personal data, before anything is stored.

The check itself is in ``bot.typed_text``; this adds the audit entry that
records who tried, so a refusal leaves a trace without keeping the text.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from bot.clock import Clock
from bot.config import Settings
from bot.typed_text import PersonalDataInText, field_findings
from storage.repo import Repository

logger = logging.getLogger(__name__)


class TypedTextScreen:
    """The one gate every modal's free text passes (members' notes, reasons, panel notes)."""

    def __init__(self, settings: Settings, repo: Repository, clock: Clock) -> None:
        self.settings = settings
        self.repo = repo
        self.clock = clock

    def screen(
        self,
        actor: str,
        fields: Mapping[str, str],
        *,
        meeting_id: str | None = None,
        case_ref: str | None = None,
    ) -> None:
        """Refuse free text that seems to contain personal data, before anything is stored.

        Every modal that takes free text calls this first (members' notes, the chair's
        reason, panel-wide notes). On a hit it records who tried, which fields and the kind
        and masked excerpt of each finding in the audit log, never the text itself, and
        raises :class:`~bot.typed_text.PersonalDataInText`, whose ``problems`` map each key
        of ``fields`` to the message to show on that field.
        """
        findings = field_findings(fields, self.settings.anonymity)
        if not findings:
            return
        refused = {
            key: [{"kind": f.kind.value, "excerpt": f.excerpt} for f in found]
            for key, found in sorted(findings.items())
        }
        with self.repo.unit_of_work():
            self.repo.append_audit(
                self.clock.now(), actor, "personal_data.refused", meeting_id, case_ref, new=refused
            )
        logger.info(
            "typed text refused for personal data in %s",
            ", ".join(
                f"{key} ({', '.join(i['kind'] for i in items)})" for key, items in refused.items()
            ),
        )
        raise PersonalDataInText(findings)
