"""The modal a member sees once their votes are durable, written straight as Slack's JSON.

Every vote's acknowledgement carries this view, so it is on the path a burst of votes
queues behind. Built from slack_sdk's models it would be validated field by field when
constructed and again when serialised, although every value in it is already known to
fit: the texts are clipped to Slack's limits here and the ids are the bot's own. The
tests hold the output to slack_sdk's ``View`` validation and to the local workspace's
Block Kit checks, so the shortcut cannot drift from what Slack accepts.
"""

from __future__ import annotations

from typing import Any

from bot.rights import RightsCatalogue
from bot.voting import BallotReceipt
from handlers import ids
from handlers.blocks import ACCESSIBILITY_LABEL_MAX, MODAL_TITLE_MAX, SECTION_MAX, progress_line
from handlers.mrkdwn import clip, escape

JsonObject = dict[str, Any]


def _plain(text: str) -> JsonObject:
    return {"type": "plain_text", "text": text, "emoji": True}


def _section(text: str) -> JsonObject:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def vote_receipt_modal(receipt: BallotReceipt, rights: RightsCatalogue) -> JsonObject:
    """Shown once a member's votes are durable: their own choices only, then what next.

    Never the panel's counts: a member who saw how others voted could change
    their vote to follow them. ``Next case`` opens the next case they have not
    voted on; ``Done`` closes.
    """
    lines = [
        f"*{escape(right.label)}:* {receipt.choices[right.number]}"  # a StrEnum: its label
        for right in rights.items
        if right.number in receipt.choices
    ]
    blocks: list[JsonObject] = [
        _section(
            f":white_check_mark: Your votes on *{escape(receipt.case_ref)}* are recorded. "
            "You can change them until voting closes with Change vote."
        ),
        _section(clip("*Your answers*\n" + "\n".join(lines), SECTION_MAX)[0]),
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"{progress_line(receipt.voters, receipt.members)}. Voting is "
                    "blind: the panel's counts are shown to everyone once voting closes.",
                }
            ],
        },
    ]
    if receipt.next_ref is not None:
        label = f"Next case: vote on {receipt.next_ref}"
        blocks.append(
            {
                "type": "actions",
                "block_id": ids.RECEIPT_ACTIONS,
                "elements": [
                    {
                        "type": "button",
                        "text": _plain("Next case"),
                        "action_id": ids.VOTE_NEXT,
                        "value": ids.case_key(receipt.meeting_id, receipt.next_ref),
                        "style": "primary",
                        "accessibility_label": clip(label, ACCESSIBILITY_LABEL_MAX)[0],
                    }
                ],
            }
        )
    else:
        blocks.append(_section("You have voted on every case of this meeting. Thank you."))
    return {
        "type": "modal",
        "callback_id": ids.VOTE_RECEIPT,
        "title": _plain(clip(f"Voted · {receipt.case_ref}", MODAL_TITLE_MAX)[0]),
        "close": _plain("Done"),
        "blocks": blocks,
    }
