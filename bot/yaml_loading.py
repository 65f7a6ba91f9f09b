"""Reading YAML written by people, without YAML 1.1's surprises.

PyYAML turns unquoted ``2099-02-30`` into a date (and crashes on impossible
ones) and ``18:00`` into the base-60 integer 1080. Dates and times are left
as strings here, so pydantic parses them and reports a bad one as an
ordinary validation problem naming its field.
"""

from __future__ import annotations

import re
from typing import Any

import yaml


class _PlainLoader(yaml.SafeLoader):
    """SafeLoader without the timestamp resolver and with decimal-only integers."""


_PlainLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:int")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_PlainLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?(?:0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)


def load_yaml(text: str) -> Any:
    """Parse YAML safely, keeping dates, times and sexagesimal-looking values as strings."""
    return yaml.load(text, Loader=_PlainLoader)


def compose_yaml(text: str) -> yaml.Node | None:
    """The node tree (with line numbers) that ``load_yaml`` builds its values from."""
    return yaml.compose(text, Loader=_PlainLoader)


_QUOTE_HINT = (
    'put the text in quotes, such as outcome: "Fine: paid in full" '
    "(or, if there is no colon, check the line is indented like the ones above it)"
)
#: PyYAML's problem text → what a person should do about it.
_HINTS = (
    ("mapping values are not allowed here", "a colon and a space inside text; " + _QUOTE_HINT),
    ("expected ',' or '}', but got ':'", "a colon inside text in {...}; " + _QUOTE_HINT),
    ("expected ',' or '}', but got '{'", "a {...} entry is not closed with }"),
    ("expected ',' or ']', but got", "a [...] list is not closed with ], or its text needs quotes"),
    ("found character '\\t' that cannot start any token", "a tab; indent with spaces only"),
    ("found unknown escape character", "a backslash inside double quotes; use single quotes"),
    ("could not find expected ':'", "a line that is not `key: value`, or text that needs quotes"),
)


def describe_yaml_error(error: yaml.YAMLError) -> str:
    """Where, what and what to do; never PyYAML's quote of the line (it may hold personal data)."""
    mark = getattr(error, "problem_mark", None)
    problem = str(getattr(error, "problem", None) or "not valid YAML")
    hint = next((text for known, text in _HINTS if problem.startswith(known)), None)
    if mark is None:
        return hint or problem
    where = f"line {mark.line + 1}, column {mark.column + 1}"
    return f"{where}: {hint}" if hint else f"{problem} at {where}"
