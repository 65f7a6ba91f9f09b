"""Making block lists fit Slack's messages: size, parts, and block ids.

Slack refuses a message whose blocks carry more than about 12,000 characters
of text (``msg_blocks_too_long``) or more than 50 blocks, whatever each block's
own limit. A chair's deadline DM for a 50-case meeting carries about 32,000,
so any list of blocks is sent as several messages, in order, each well under
the limit, instead of being cut short: nothing in a list is ever dropped.

Slack's clients re-render an edited message's block only when its
``block_id`` changes, so every block sent in a message gets an id derived
from its content: a block that changes gets a fresh id, one that does not
keeps its id.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import Block

#: Characters of block text per message we allow ourselves; Slack's limit is about 12,000.
TEXT_BUDGET = 11_000
MESSAGE_BLOCKS_MAX = 50
PART_NOTE_TYPE = "context"

BlockDict = dict[str, Any]


def as_dicts(blocks: Sequence[Block | BlockDict]) -> list[BlockDict]:
    return [block.to_dict() if isinstance(block, Block) else dict(block) for block in blocks]


def text_length(node: Any) -> int:
    """Characters of text in a block tree: every text object's ``text``."""
    if isinstance(node, list):
        return sum(text_length(item) for item in node)
    if not isinstance(node, dict):
        return 0
    total = 0
    if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
        total += len(node["text"])
    for value in node.values():
        if isinstance(value, dict | list):
            total += text_length(value)
    return total


def split_blocks(
    blocks: Sequence[Block | BlockDict],
    *,
    budget: int = TEXT_BUDGET,
    max_blocks: int = MESSAGE_BLOCKS_MAX - 1,
) -> list[list[BlockDict]]:
    """Cut a block list into consecutive parts that each fit one message.

    One block is never split (each is already within its own limit, far below
    the message's); a part leaves room for the one-line note that says which
    part it is.
    """
    parts: list[list[BlockDict]] = []
    size = 0
    for block in as_dicts(blocks):
        length = text_length(block)
        if not parts or size + length > budget or len(parts[-1]) >= max_blocks:
            parts.append([])
            size = 0
        parts[-1].append(block)
        size += length
    return parts or [[]]


def numbered_parts(
    text: str, blocks: Sequence[Block | BlockDict]
) -> list[tuple[str, list[BlockDict]]]:
    """(fallback text, blocks) per message; with more than one, each says "part i of n"."""
    parts = split_blocks(blocks)
    if len(parts) == 1:
        return [(text, parts[0])]
    total = len(parts)
    numbered = []
    for index, part in enumerate(parts, start=1):
        note = f"Part {index} of {total}" + (" · continued below" if index < total else "")
        note_block: BlockDict = {
            "type": PART_NOTE_TYPE,
            "elements": [{"type": "mrkdwn", "text": note}],
        }
        numbered.append((f"{text} (part {index} of {total})", [*part, note_block]))
    return numbered


def with_content_ids(blocks: Sequence[Block | BlockDict]) -> list[BlockDict]:
    """Each block with a ``block_id`` that changes exactly when its content changes.

    The id keeps the block's own name (if it had one) as a prefix; identical
    blocks in one message are told apart by a counter, since Slack refuses
    repeated ids.
    """
    result: list[BlockDict] = []
    seen: dict[str, int] = {}
    for block in as_dicts(blocks):
        name = str(block.pop("block_id", "") or block.get("type", "block"))
        digest = hashlib.sha256(json.dumps(block, sort_keys=True).encode("utf-8")).hexdigest()
        block_id = f"{name[:40]}.{digest[:12]}"
        seen[block_id] = seen.get(block_id, 0) + 1
        if seen[block_id] > 1:
            block_id += f".{seen[block_id]}"
        result.append({**block, "block_id": block_id})
    return result
