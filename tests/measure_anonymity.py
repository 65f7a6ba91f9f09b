"""Measure the personal-data screen against the labelled evaluation set.

Run from the repository root:

    .venv/bin/python tests/measure_anonymity.py             # tuning set, then held-out set
    .venv/bin/python tests/measure_anonymity.py --heldout   # the held-out set only
    .venv/bin/python tests/measure_anonymity.py path/to/labelled.yaml

The tuning set (tests/data/anonymity_labelled.yaml) is what the rules were shaped on; the
held-out set (tests/data/anonymity_heldout.yaml) was written before the rules and is only
ever measured, so its figures are the honest ones.

For each set it prints text-level recall (a text with personal data counts as caught if
the screen finds anything in it) and false-positive rate (a clean text with any finding),
per-kind counts, and the misclassified texts. The texts are printed redacted, because the
point of the screen is that personal data does not end up in terminals, CI logs or Slack:
a finding's span is replaced by its masked excerpt and any other token that could be
personal data keeps only its first character.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script, tests/ is on sys.path but the root is not
    sys.path.insert(0, str(ROOT))

from bot.anonymity import PersonalDataFinding, screen_text  # noqa: E402

DEFAULT_SET = Path(__file__).resolve().parent / "data" / "anonymity_labelled.yaml"
HELDOUT_SET = Path(__file__).resolve().parent / "data" / "anonymity_heldout.yaml"
_RISKY_TOKEN = re.compile(r"\S*(?:\d|@|[A-Z])\S*")


def load_items(path: Path = DEFAULT_SET) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)["items"]


def redact(text: str, findings: list[PersonalDataFinding]) -> str:
    """The text with findings masked and every other risky-looking token masked too."""

    def mask_token(m: re.Match[str]) -> str:
        token = m.group()
        if m.start() == 0 and token.isalpha():
            return token  # the first word is capitalised because it starts the sentence
        return token[0] + re.sub(r"[^\W_]", "*", token[1:])

    pieces: list[str] = []
    pos = 0
    for finding in findings:
        pieces.append(_RISKY_TOKEN.sub(mask_token, text[pos : finding.start]))
        pieces.append(f"[{finding.kind.value}: {finding.excerpt}]")
        pos = finding.end
    pieces.append(_RISKY_TOKEN.sub(mask_token, text[pos:]))
    return "".join(pieces)


def main(argv: list[str]) -> int:
    args = argv[1:]
    if not args:
        paths = [DEFAULT_SET, HELDOUT_SET]
    elif args == ["--heldout"]:
        paths = [HELDOUT_SET]
    else:
        paths = [Path(arg) for arg in args]
    for index, path in enumerate(paths):
        if index:
            print("\n" + "=" * 78 + "\n")
        measure(path)
    return 0


def measure(path: Path) -> tuple[float, float]:
    """Print the figures for one labelled set; return (recall, false-positive rate)."""
    items = load_items(path)
    positives = [item for item in items if item["has_personal_data"]]
    negatives = [item for item in items if not item["has_personal_data"]]

    missed: list[tuple[dict, list[PersonalDataFinding]]] = []
    false_alarms: list[tuple[dict, list[PersonalDataFinding]]] = []
    expected_kinds: Counter[str] = Counter()
    caught_kinds: Counter[str] = Counter()
    found_kinds: Counter[str] = Counter()
    for item in items:
        findings = screen_text(item["text"], "text")
        kinds_found = {f.kind.value for f in findings}
        found_kinds.update(f.kind.value for f in findings)
        if item["has_personal_data"]:
            expected = set(item.get("kinds", []))
            expected_kinds.update(expected)
            caught_kinds.update(expected & kinds_found)
            if not findings:
                missed.append((item, findings))
        elif findings:
            false_alarms.append((item, findings))

    recall = 1 - len(missed) / len(positives) if positives else 1.0
    fp_rate = len(false_alarms) / len(negatives) if negatives else 0.0
    print(f"labelled set: {path}")
    print(f"texts: {len(items)} ({len(positives)} with personal data, {len(negatives)} clean)")
    print(f"recall:              {recall:.3f} ({len(positives) - len(missed)}/{len(positives)})")
    print(f"false-positive rate: {fp_rate:.3f} ({len(false_alarms)}/{len(negatives)})")
    print()
    print(f"{'kind':<22}{'expected':>9}{'caught':>8}{'findings':>10}")
    for kind in sorted(set(expected_kinds) | set(found_kinds)):
        print(f"{kind:<22}{expected_kinds[kind]:>9}{caught_kinds[kind]:>8}{found_kinds[kind]:>10}")
    wrong_kind = [
        item
        for item in positives
        if not set(item.get("kinds", []))
        <= {f.kind.value for f in screen_text(item["text"], "text")}
    ]
    if missed:
        print("\nmissed (personal data not found):")
        for item, findings in missed:
            print(f"  expected {item.get('kinds', [])}: {redact(item['text'], findings)}")
    if false_alarms:
        print("\nfalse alarms (clean text flagged):")
        for item, findings in false_alarms:
            print(f"  {redact(item['text'], findings)}")
    if wrong_kind:
        print("\ncaught, but not every expected kind was reported:")
        for item in wrong_kind:
            findings = screen_text(item["text"], "text")
            print(f"  expected {item.get('kinds', [])}: {redact(item['text'], findings)}")
    return recall, fp_rate


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
