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


def describe_yaml_error(error: yaml.YAMLError) -> str:
    """Where and what, without PyYAML's quote of the offending line (it may hold personal data)."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or "not valid YAML"
    if mark is not None:
        return f"{problem} at line {mark.line + 1}, column {mark.column + 1}"
    return str(problem)
