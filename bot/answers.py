"""What each of the seven answers means, shown where a member chooses it.

The wording is data (app.yaml ``rights.answers``) because a panel may want its
own phrasing; the defaults separate the answers members most often confuse:
Partially met from Not met, Not met from Information not recorded, and Victim
did not engage from Not applicable. Slack shows an option's description in at
most 75 characters, so longer wording is refused when app.yaml is read.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.models import VoteOption

DESCRIPTION_MAX = 75
KEY_MAX = 300

DEFAULT_DESCRIPTIONS: dict[VoteOption, str] = {
    VoteOption.MET: "Done in full and on time, as the Code asks",
    VoteOption.PARTIALLY_MET: "Some of it done, or done late; the file shows what",
    VoteOption.NOT_MET: "The file shows it was due and was not done",
    VoteOption.DID_NOT_ENGAGE: (
        "It arose and was offered, but the victim declined or was unreachable"
    ),
    VoteOption.NOT_RECORDED: "The file is silent: no record either way, so it cannot be judged",
    VoteOption.NOT_APPLICABLE: (
        "The right never arose in this case (e.g. no trial, so no witness care)"
    ),
    VoteOption.ABSTAIN: "No judgement from you; not counted in the finding",
}
DEFAULT_KEY = (
    "Not met = the file shows it was not done · Information not recorded = the file is "
    "silent · Not applicable = it never arose · Abstain is not counted."
)


class AnswerGuide(BaseModel):
    """A one-line key for the top of the vote modal and a description per answer."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(default=DEFAULT_KEY, min_length=1, max_length=KEY_MAX)
    descriptions: dict[VoteOption, str] = Field(default_factory=lambda: dict(DEFAULT_DESCRIPTIONS))

    @field_validator("descriptions", mode="before")
    @classmethod
    def _known_answers(cls, value: object) -> object:
        """Name an unknown answer with the seven that exist, rather than pydantic's enum dump."""
        if isinstance(value, dict):
            known = [option.value for option in VoteOption]
            for label in value:
                if label not in known:
                    raise ValueError(f"{label!r} is not an answer; use one of: {', '.join(known)}")
        return value

    @field_validator("descriptions")
    @classmethod
    def _short_and_complete(cls, value: dict[VoteOption, str]) -> dict[VoteOption, str]:
        for option, text in value.items():
            text = text.strip()
            if not text:
                raise ValueError(f"{option.value}: the description is empty")
            if len(text) > DESCRIPTION_MAX:
                raise ValueError(
                    f"{option.value}: the description is {len(text)} characters; Slack shows "
                    f"at most {DESCRIPTION_MAX}"
                )
        # Answers app.yaml leaves out keep their default wording.
        return {
            option: value.get(option, DEFAULT_DESCRIPTIONS[option]).strip() for option in VoteOption
        }

    def describe(self, option: VoteOption) -> str:
        return self.descriptions[option]
