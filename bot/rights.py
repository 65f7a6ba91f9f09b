"""The rights of the Victims' Code, held as data.

The rights live in app.yaml rather than in code because the Code changes
(a new edition was consulted on in 2026); every meeting records the edition
it was judged against, so old findings keep their meaning.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Right(BaseModel):
    """One right of the Code and what a reviewer checks under it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    number: int = Field(ge=1, le=99)
    short: str = Field(min_length=1, max_length=60, description="Short title for labels")
    title: str = Field(min_length=1, max_length=300, description="The Code's wording")
    checks: str = Field(min_length=1, max_length=1500, description="What a reviewer checks")

    @property
    def label(self) -> str:
        """The label every surface uses, e.g. ``Right 3 · Information when reporting``."""
        return f"Right {self.number} · {self.short}"


class RightsCatalogue(BaseModel):
    """The rights of one edition of the Code, numbered 1..N without gaps."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code_edition: str = Field(min_length=1, max_length=20)
    items: tuple[Right, ...] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _numbered_in_order(self) -> RightsCatalogue:
        numbers = [right.number for right in self.items]
        expected = list(range(1, len(self.items) + 1))
        if numbers != expected:
            raise ValueError(f"rights must be numbered {expected[0]}..{expected[-1]} in order")
        return self

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
