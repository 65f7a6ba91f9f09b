"""The panel's own words in the public report: the ``report:`` section of app.yaml.

A published report carries text the panel writes once and reuses at every
meeting: an introduction to the Code and to why the partnership scrutinises
it, a description of how the panel works, and closing information for the
public. The defaults below are written for a generic Local Criminal Justice
Board panel, so a new panel gets a readable report on day one and names its
own organisation, contacts and support services when it is ready.

Text is plain: paragraphs are separated by a blank line, and a paragraph
whose lines all start with ``- `` is a bulleted list.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

TEXT_MAX_CHARS = 20_000

DEFAULT_INTRODUCTION = """\
The Victims' Code of Practice sets out the minimum service that organisations \
in the criminal justice system in England and Wales must give to victims of \
crime. The Code is built around 12 rights, which follow a victim from the \
moment a crime is reported to the end of the case and beyond.

The Local Criminal Justice Board brings together the agencies that deliver \
those rights. Its scrutiny panel looks closely at finished cases to see how \
well the Code was followed in practice: to recognise and share what worked \
well, to find where the service fell short, and to help each agency learn \
and improve. The panel publishes what it finds so that the public can form \
their own view of how victims are treated.

Looking at real cases helps the partnership to see:

- what worked well for victims, so that it can be repeated;
- where a victim did not receive a service they were entitled to;
- lessons that agencies can learn from and share;
- where a change of policy or practice would help victims;
- how well the agencies work together across the criminal justice system."""

DEFAULT_METHOD = """\
The panel brings together representatives of the police, the Crown \
Prosecution Service, the courts, the probation service and the youth justice \
service. At each meeting it looks at a sample of six to eight cases that have \
finished their journey through the criminal justice system, chosen at random \
around a theme. Every detail that could identify a victim, a witness or a \
suspect is removed before the panel sees a case.

Each agency supplies its record of the case. Panel members follow the case \
from the first report to its outcome and consider, right by right, whether \
the victim received the service the Code promises. Each member records a view \
on their own before the panel discusses the case together.

On the information available to it, the panel places each case in one of \
seven categories:"""

DEFAULT_FURTHER_INFORMATION = """\
The panel shares its findings with the agencies that took part and with \
every organisation that has duties under the Code. The Local Criminal \
Justice Board reviews the findings, follows up the learning with the \
agencies concerned and agrees the themes of future panels.

Victims of crime can get free and confidential support whether or not they \
reported the crime to the police. The local Police and Crime Commissioner's \
website lists the support services available in the area.

To ask for this report in another language or format, or to ask about the \
panel's work, please contact the Local Criminal Justice Board."""


class ReportSettings(BaseModel):
    """The ``report:`` section: the panel's standing text and its Word template."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    introduction: str = Field(default=DEFAULT_INTRODUCTION, max_length=TEXT_MAX_CHARS)
    method: str = Field(default=DEFAULT_METHOD, max_length=TEXT_MAX_CHARS)
    further_information: str = Field(default=DEFAULT_FURTHER_INFORMATION, max_length=TEXT_MAX_CHARS)
    docx_template: str | None = Field(
        default=None,
        description="A Word .docx whose styles, header, footer and logo the DOCX uses; "
        "relative to the folder holding app.yaml",
    )

    @field_validator("introduction", "method", "further_information")
    @classmethod
    def _not_blank(cls, text: str) -> str:
        if not text:
            raise ValueError(
                "this text is empty; write the text, or leave the key out to use the default"
            )
        return text

    @field_validator("docx_template")
    @classmethod
    def _a_docx(cls, path: str | None) -> str | None:
        if path is None:
            return None
        if not path:
            raise ValueError("give the path of a Word .docx file, or leave the key out")
        if not path.lower().endswith(".docx"):
            raise ValueError(
                f"{path!r} is not a .docx file; save the template from Word as "
                "'Word Document (*.docx)' and name that file here"
            )
        return path
