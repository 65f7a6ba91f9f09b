"""The rights of the Victims' Code, held as data.

The rights live in app.yaml rather than in code because the Code changes
(a new edition was consulted on in 2026); every meeting records the edition
it was judged against, so old findings keep their meaning.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from bot.answers import AnswerGuide

AgencyName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[^\n]+$")
]

# Who owes each right of the 2021 Code, following the Code's own allocation of
# duties to service providers. A right a config leaves without ``agencies`` gets
# these, so a panel on the 2021 Code has per-agency figures without typing them.
AGENCIES_2021: dict[int, tuple[str, ...]] = {
    1: (
        "Police",
        "Crown Prosecution Service",
        "Witness Care Unit",
        "HM Courts and Tribunals Service",
        "Probation Service",
        "Youth Justice Service",
    ),
    2: ("Police",),
    3: ("Police",),
    4: ("Police", "Witness Care Unit"),
    5: ("Police", "Crown Prosecution Service"),
    6: ("Police", "Crown Prosecution Service"),
    7: ("Police", "Crown Prosecution Service"),
    8: ("Witness Care Unit", "Crown Prosecution Service", "HM Courts and Tribunals Service"),
    9: ("Witness Care Unit", "Crown Prosecution Service"),
    10: ("Crown Prosecution Service", "Police"),
    11: ("Probation Service", "Youth Justice Service"),
    12: (
        "Police",
        "Crown Prosecution Service",
        "Witness Care Unit",
        "HM Courts and Tribunals Service",
        "Probation Service",
        "Youth Justice Service",
    ),
}


class Right(BaseModel):
    """One right of the Code and what a reviewer checks under it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    number: int = Field(ge=1, le=99)
    short: str = Field(min_length=1, max_length=60, description="Short title for labels")
    title: str = Field(min_length=1, max_length=300, description="The Code's wording")
    checks: str = Field(min_length=1, max_length=1500, description="What a reviewer checks")
    agencies: tuple[AgencyName, ...] = Field(
        default=(), max_length=20, description="The agencies that owe this right"
    )

    @field_validator("agencies")
    @classmethod
    def _agencies_once(cls, agencies: tuple[str, ...]) -> tuple[str, ...]:
        seen: set[str] = set()
        for name in agencies:
            if name.casefold() in seen:
                raise ValueError(f"agency {name!r} is listed more than once")
            seen.add(name.casefold())
        return agencies

    @property
    def label(self) -> str:
        """The label every surface uses, e.g. ``Right 3 · Information when reporting``."""
        return f"Right {self.number} · {self.short}"


class RightsCatalogue(BaseModel):
    """The rights of one edition of the Code, numbered 1..N without gaps."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code_edition: str = Field(min_length=1, max_length=20)
    items: tuple[Right, ...] = Field(min_length=1, max_length=20)
    answers: AnswerGuide = AnswerGuide()

    @model_validator(mode="after")
    def _numbered_in_order(self) -> RightsCatalogue:
        numbers = [right.number for right in self.items]
        expected = list(range(1, len(self.items) + 1))
        if numbers != expected:
            raise ValueError(f"rights must be numbered {expected[0]}..{expected[-1]} in order")
        return self

    @model_validator(mode="after")
    def _default_agencies(self) -> RightsCatalogue:
        """Rights of the 2021 Code named with no agencies get the Code's own allocation."""
        if self.code_edition != "2021":
            return self
        items = tuple(
            right
            if right.agencies or right.number not in AGENCIES_2021
            else right.model_copy(update={"agencies": AGENCIES_2021[right.number]})
            for right in self.items
        )
        object.__setattr__(self, "items", items)
        return self

    @property
    def agencies(self) -> list[str]:
        """Every agency some right names, in first-mentioned order."""
        seen: dict[str, None] = {}
        for right in self.items:
            for name in right.agencies:
                seen.setdefault(name, None)
        return list(seen)

    def rights_of(self, agency: str) -> list[Right]:
        """The rights ``agency`` owes (names compared without regard to case)."""
        wanted = agency.casefold()
        return [r for r in self.items if any(a.casefold() == wanted for a in r.agencies)]

    def get(self, number: int) -> Right:
        """The right with this number; KeyError names the number when absent."""
        if 1 <= number <= len(self.items):
            return self.items[number - 1]
        raise KeyError(f"no right {number} in the {self.code_edition} Code")

    @property
    def numbers(self) -> list[int]:
        return [right.number for right in self.items]

    def __len__(self) -> int:
        return len(self.items)
