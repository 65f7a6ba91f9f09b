"""What every listener needs, injected into Bolt's context by one middleware.

Listeners stay module-level functions (as in Slack's starter template) and
reach the panel's services through ``context``; nothing is global, so a test
can run several bots side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from slack_bolt import BoltContext

from bot.services import PanelService
from handlers.progress import ProgressUpdater
from handlers.publisher import MeetingPublisher

CONTEXT_KEY = "vcop_runtime"


@dataclass
class SlackRuntime:
    service: PanelService
    publisher: MeetingPublisher
    progress: ProgressUpdater
    on_meeting_opened: list[Callable[[str], None]] = field(default_factory=list)
    on_meeting_closed: list[Callable[[str], None]] = field(default_factory=list)

    def meeting_opened(self, meeting_id: str) -> None:
        for hook in self.on_meeting_opened:
            hook(meeting_id)

    def meeting_closed(self, meeting_id: str) -> None:
        for hook in self.on_meeting_closed:
            hook(meeting_id)


def runtime_of(context: BoltContext) -> SlackRuntime:
    runtime = context.get(CONTEXT_KEY)
    if not isinstance(runtime, SlackRuntime):
        raise RuntimeError("the vcop runtime middleware is not installed")
    return runtime
