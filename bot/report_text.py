"""How user text is tidied and compared before it reaches a report.

Kept apart from the summary model so the model, the layouts and the
renderers can all use it without importing one another.
"""

from __future__ import annotations

import re

from bot.models import Finding

#: Findings that need no comment in a report: the right was met, or did not arise.
FULLY_MET = frozenset({Finding.MET, Finding.NOT_APPLICABLE})

# Characters no XML document may hold (python-docx refuses them) and that
# carry no meaning in a report: C0 controls, DEL, lone surrogates, non-characters.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """User text as one tidy line: every run of whitespace (newlines too) becomes one space.

    Reports list a note as one item; a stray newline or control character must
    neither break a Markdown table nor make python-docx refuse the document.
    """
    return _UNPRINTABLE.sub("", " ".join(text.split()))


def note_key(text: str) -> str:
    """What makes two notes the same note: their words, ignoring case and spacing."""
    return clean(text).casefold()
