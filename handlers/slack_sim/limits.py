"""Slack's published limits, in one place.

Every number the simulator enforces lives here so that a test failure caused by
a limit can be traced to a single line, and so that the numbers can be checked
against Slack's documentation in one read.  Sources: the Block Kit reference
(block and element pages), the surface docs for messages/modals/App Home, the
``views.*`` / ``chat.*`` method pages and the rate-limit tiers page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# --- Surfaces -------------------------------------------------------------------

#: Blocks allowed in one message (chat.postMessage / chat.update / response_url).
MESSAGE_MAX_BLOCKS = 50
#: Blocks allowed in a modal or App Home view.
VIEW_MAX_BLOCKS = 100
#: Characters of top-level message ``text`` before Slack answers ``msg_too_long``.
MESSAGE_MAX_TEXT = 40_000
#: Characters of text across all of a message's blocks before Slack answers
#: ``msg_blocks_too_long`` (each block may be within its own limit). Slack does not
#: publish the figure; about 12,000 is where real messages start being refused.
MESSAGE_MAX_BLOCK_TEXT = 12_000
#: Serialised size of a whole view (``view_too_large``).  Slack says "250kb";
#: we use the stricter decimal reading so the sim never accepts what Slack rejects.
VIEW_MAX_BYTES = 250_000
#: Modal ``title``, ``submit`` and ``close`` texts.
MODAL_TITLE_MAX = 24
MODAL_SUBMIT_MAX = 24
MODAL_CLOSE_MAX = 24
#: ``private_metadata`` on any view.
PRIVATE_METADATA_MAX = 3000
#: ``callback_id`` / ``external_id`` on any view.
CALLBACK_ID_MAX = 255
EXTERNAL_ID_MAX = 255
#: Views that can be stacked in one modal (the root plus two pushes).
MODAL_STACK_MAX = 3

# --- Blocks ---------------------------------------------------------------------

BLOCK_ID_MAX = 255
SECTION_TEXT_MAX = 3000
SECTION_FIELDS_MAX = 10
SECTION_FIELD_TEXT_MAX = 2000
HEADER_TEXT_MAX = 150
ACTIONS_ELEMENTS_MAX = 25
CONTEXT_ELEMENTS_MAX = 10
INPUT_LABEL_MAX = 2000
INPUT_HINT_MAX = 2000
IMAGE_ALT_TEXT_MAX = 2000
IMAGE_URL_MAX = 3000
IMAGE_TITLE_MAX = 2000
MARKDOWN_BLOCK_TEXT_MAX = 12_000

# --- Elements and composition objects -------------------------------------------

ACTION_ID_MAX = 255
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
BUTTON_URL_MAX = 3000
BUTTON_ACCESSIBILITY_LABEL_MAX = 75
PLACEHOLDER_MAX = 150
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
OPTION_DESCRIPTION_MAX = 75
OPTION_GROUP_LABEL_MAX = 75
SELECT_OPTIONS_MAX = 100
SELECT_OPTION_GROUPS_MAX = 100
RADIO_OPTIONS_MAX = 10
CHECKBOX_OPTIONS_MAX = 10
OVERFLOW_OPTIONS_MAX = 5
PLAIN_TEXT_INPUT_LENGTH_MAX = 3000
CONFIRM_TITLE_MAX = 100
CONFIRM_TEXT_MAX = 300
CONFIRM_BUTTON_MAX = 30
FILE_INPUT_MAX_FILES = 10

# --- Interactivity lifetimes ----------------------------------------------------

#: A trigger_id can be exchanged once, within this many seconds of the interaction.
TRIGGER_TTL_SECONDS = 3.0
#: A response_url accepts this many posts ...
RESPONSE_URL_MAX_USES = 5
#: ... within this many seconds of being issued.
RESPONSE_URL_TTL_SECONDS = 30 * 60
#: Slack waits this long for the HTTP acknowledgement of a slash command,
#: interaction or event before showing an error (and, for events, retrying).
ACK_DEADLINE_SECONDS = 3.0
#: Slack rejects requests whose timestamp is further than this from "now".
SIGNATURE_MAX_AGE_SECONDS = 5 * 60

# --- Rate limits ----------------------------------------------------------------

RateScope = Literal["workspace", "channel"]


@dataclass(frozen=True)
class RateRule:
    """A token-bucket approximation of one of Slack's published rate limits.

    Slack documents tiers as "N+ per minute" and tolerates short bursts; a token
    bucket with ``burst`` tokens refilled at ``per_minute / 60`` per second is the
    simplest model that both allows the burst and converges on the published rate.
    """

    per_minute: float
    burst: int
    scope: RateScope = "workspace"

    @property
    def per_second(self) -> float:
        """Refill rate of the bucket."""
        return self.per_minute / 60.0


#: Tier 2 / 3 / 4 as published ("20+", "50+", "100+" per minute).
TIER_2 = RateRule(per_minute=20, burst=5)
TIER_3 = RateRule(per_minute=50, burst=10)
TIER_4 = RateRule(per_minute=100, burst=20)

#: Rules applied when ``enforce_rate_limits`` is on.  Methods not listed are unlimited.
RATE_RULES: dict[str, RateRule] = {
    # "Special" tier: about one message per second per channel, short bursts allowed.
    "chat.postMessage": RateRule(per_minute=60, burst=3, scope="channel"),
    "chat.postEphemeral": TIER_4,
    "chat.update": TIER_3,
    "chat.delete": TIER_3,
    "views.open": TIER_4,
    "views.push": TIER_4,
    "views.update": TIER_4,
    "views.publish": TIER_4,
    "conversations.open": TIER_3,
    "conversations.info": TIER_3,
    "users.info": TIER_4,
    "files.getUploadURLExternal": TIER_4,
    "files.completeUploadExternal": TIER_4,
    "files.info": TIER_4,
}
