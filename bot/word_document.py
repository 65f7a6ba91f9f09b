"""A laid-out document (``bot.report_layout`` blocks) as a Word document fit to send.

The public report, the annex and the agencies' feedback packs all go out as
Word files a secretariat officer forwards as they are, so they share one
writer. What makes a file fit to send, rather than a data dump: a marking
in the page header of every page, a real PAGE field in the footer, real
heading styles and real (numbered or bulleted) lists, headings and list
introductions kept with what follows, widow control, table rows that never
split across pages with the header row repeated on each page, tables whose
columns are wide enough for their words (on a landscape page where a
layout asks for one), A4 paper, core properties that name the panel rather
than the library, and the date it was generated in the panel's own time.

With a template the document starts from the panel's own Word file instead,
so its styles, page header, footer and logo carry the organisation's look;
the template's body text is dropped, its headers and footers are kept and
the marking and the page number are added where missing.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import TypeVar

import docx
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.section import Section, _Footer, _Header
from docx.shared import Cm, Emu, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph as DocxParagraph

from bot import report_layout
from bot.errors import PanelError
from bot.report_layout import Document, Table, timestamp
from bot.report_text import clean

_Part = TypeVar("_Part", _Header, _Footer)

# python-docx refuses longer core properties.
_CORE_PROPERTY_MAX = 255
_A4 = (Cm(21.0), Cm(29.7))
_MARGIN = Cm(2.2)
#: How much of the page's height a picture may take, leaving room for its caption.
_PICTURE_HEIGHT_SHARE = 0.8
_HEADING_COLOUR = RGBColor(0x1F, 0x3A, 0x5F)
_BULLET = "bullet"
_DECIMAL = "decimal"


def write_docx(
    layout: Document,
    *,
    author: str,
    subject: str,
    generated_at: dt.datetime,
    template: str | None = None,
) -> bytes:
    """``layout`` as DOCX bytes; ``generated_at`` in the panel's timezone, as it is printed.

    ``author`` is who the document speaks for (the panel), so Word's Properties
    name it rather than the library that wrote the file or a template's author.
    """
    document = _start(template)
    _page_furniture(document, layout.page_header, generated_at)
    lists = _Lists(document)
    for block in layout.blocks:
        if isinstance(block, report_layout.Heading):
            heading = document.add_heading(clean(block.text), level=block.level)
            heading.paragraph_format.keep_with_next = True
        elif isinstance(block, report_layout.Paragraph):
            paragraph = document.add_paragraph()
            if block.label:
                paragraph.add_run(f"{clean(block.label)}: ").bold = True
            run = paragraph.add_run(clean(block.text))
            run.bold = block.bold or None
            run.italic = block.italic or None
            paragraph.paragraph_format.keep_with_next = block.lead or None
        elif isinstance(block, report_layout.Bullets | report_layout.Numbered):
            kind = _BULLET if isinstance(block, report_layout.Bullets) else _DECIMAL
            lists.add(block.items, kind, keep=block.keep)
        elif isinstance(block, Table):
            _table(document, block)
        elif isinstance(block, report_layout.Picture):
            _picture(document, block)
        elif isinstance(block, report_layout.Landscape):
            _landscape(document)
    _properties(document, layout, author, subject, generated_at)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# The starting document ------------------------------------------------------


def _start(template: str | None) -> DocxDocument:
    """A blank A4 document, or the panel's template emptied of its body text."""
    if template is None:
        document = docx.Document()
        section = document.sections[0]
        section.page_width, section.page_height = _A4
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, _MARGIN)
        _house_style(document)
        return document
    try:
        document = docx.Document(template)
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise PanelError(
            f"report.docx_template: {template!r} could not be opened as a Word document; "
            "open it in Word and save it as 'Word Document (*.docx)'"
        ) from exc
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    _paragraph_style(document, "Normal").paragraph_format.widow_control = True
    return document


def _house_style(document: DocxDocument) -> None:
    """A plain public-sector look for panels without a template: Arial, clear heading sizes."""
    normal = _paragraph_style(document, "Normal")
    _font(normal, "Arial")
    normal.font.size = Pt(11)
    normal.paragraph_format.widow_control = True
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    for name, size, before in (("Heading 1", 18, 0), ("Heading 2", 14, 14), ("Heading 3", 12, 10)):
        style = _paragraph_style(document, name)
        _font(style, "Arial")
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = _HEADING_COLOUR
        style.paragraph_format.space_before = Pt(before)
        style.paragraph_format.space_after = Pt(6)
        style.paragraph_format.keep_with_next = True


def _paragraph_style(document: DocxDocument, name: str) -> ParagraphStyle:
    style = document.styles[name]
    assert isinstance(style, ParagraphStyle)
    return style


def _font(style: ParagraphStyle, name: str) -> None:
    """Set a style's typeface outright: a theme font would otherwise win over the name."""
    style.font.name = name
    fonts = style.element.rPr.find(qn("w:rFonts")) if style.element.rPr is not None else None
    if fonts is not None:
        for attribute in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
            fonts.attrib.pop(qn(f"w:{attribute}"), None)
        fonts.set(qn("w:cs"), name)


# Header and footer ------------------------------------------------------------


def _page_furniture(document: DocxDocument, header_text: str, generated_at: dt.datetime) -> None:
    """DRAFT at the top of every page; the page number and generated date at the foot.

    A template may use a different first page or different even pages; each of
    those headers gets the marker too, or some pages would go out unmarked.
    """
    section = document.sections[0]
    for header in _headers(document, section):
        if "DRAFT" not in _part_text(header):
            paragraph = header.add_paragraph() if _has_text(header) else header.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            run = paragraph.add_run(header_text)
            run.bold = True
    generated = f"Generated {timestamp(generated_at)}"
    for footer in _footers(document, section):
        paragraph = footer.add_paragraph() if _has_text(footer) else footer.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if _has_page_field(footer):
            paragraph.add_run(generated)
        else:
            paragraph.add_run(f"{generated} · Page ")
            _field(paragraph, "PAGE")
            paragraph.add_run(" of ")
            _field(paragraph, "NUMPAGES")
        for run in paragraph.runs:
            run.font.size = Pt(9)


def _headers(document: DocxDocument, section: Section) -> list[_Header]:
    return _in_use(
        document, section, (section.header, section.first_page_header, section.even_page_header)
    )


def _footers(document: DocxDocument, section: Section) -> list[_Footer]:
    return _in_use(
        document, section, (section.footer, section.first_page_footer, section.even_page_footer)
    )


def _in_use(
    document: DocxDocument, section: Section, parts: tuple[_Part, _Part, _Part]
) -> list[_Part]:
    """Of a section's default, first-page and even-page parts, those Word shows."""
    shown = (
        True,
        section.different_first_page_header_footer,
        document.settings.odd_and_even_pages_header_footer,
    )
    return [part for part, on in zip(parts, shown, strict=True) if on]


def _part_text(part: _Header | _Footer) -> str:
    return "\n".join(p.text for p in part.paragraphs)


def _has_text(part: _Header | _Footer) -> bool:
    """Anything in the part already (text, a logo, a table) that a new line must go after."""
    element = part._element
    return bool(_part_text(part).strip()) or bool(
        element.xpath(".//w:drawing | .//w:pict | .//w:tbl")
    )


def _has_page_field(part: _Header | _Footer) -> bool:
    element = part._element
    instructions = element.xpath(".//w:instrText/text()") + element.xpath(".//w:fldSimple/@w:instr")
    return any(str(text).split()[:1] == ["PAGE"] for text in instructions)


def _field(paragraph: DocxParagraph, instruction: str) -> None:
    """A real Word field (begin, instruction, separate, result, end) Word updates itself."""

    def run_with(child: BaseOxmlElement) -> None:
        run = paragraph.add_run()
        run._r.append(child)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    run_with(text)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run_with(separate)
    paragraph.add_run("1")  # shown until the field is updated
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


# Lists --------------------------------------------------------------------------


class _Lists:
    """Real Word lists: one numbering definition per kind, one fresh instance per list.

    Each numbered list gets its own ``w:num`` so it starts again at 1 (a
    template's "List Number" style would otherwise carry on counting from the
    list before). The numbering is written into the document itself, so a
    template without list styles still gets proper lists.
    """

    def __init__(self, document: DocxDocument) -> None:
        self._document = document
        self._numbering = document.part.numbering_part.element
        self._abstract: dict[str, str] = {}
        styles = {style.name for style in document.styles}
        self._style = {
            _BULLET: "List Bullet" if "List Bullet" in styles else None,
            _DECIMAL: "List Number" if "List Number" in styles else None,
        }
        self._fallback = "List Paragraph" if "List Paragraph" in styles else None

    def add(self, items: tuple[str, ...], kind: str, *, keep: bool = False) -> None:
        num_id = self._new_num(kind)
        last = len(items) - 1
        for index, item in enumerate(items):
            paragraph = self._document.add_paragraph(
                clean(item), style=self._style[kind] or self._fallback
            )
            properties = paragraph._p.get_or_add_pPr()
            numbering = OxmlElement("w:numPr")
            level = OxmlElement("w:ilvl")
            level.set(qn("w:val"), "0")
            number = OxmlElement("w:numId")
            number.set(qn("w:val"), num_id)
            numbering.append(level)
            numbering.append(number)
            properties.insert_element_before(
                numbering,
                *(
                    f"w:{tag}"
                    for tag in (
                        "suppressLineNumbers",
                        "pBdr",
                        "shd",
                        "tabs",
                        "suppressAutoHyphens",
                        "kinsoku",
                        "wordWrap",
                        "overflowPunct",
                        "topLinePunct",
                        "autoSpaceDE",
                        "autoSpaceDN",
                        "bidi",
                        "adjustRightInd",
                        "snapToGrid",
                        "spacing",
                        "ind",
                        "contextualSpacing",
                        "mirrorIndents",
                        "suppressOverlap",
                        "jc",
                        "textDirection",
                        "textAlignment",
                        "textboxTightWrap",
                        "outlineLvl",
                        "divId",
                        "cnfStyle",
                        "rPr",
                        "sectPr",
                        "pPrChange",
                    )
                ),
            )
            format_ = paragraph.paragraph_format
            format_.space_after = Pt(3) if index < last else Pt(8)
            if keep or last <= 3:  # a short list stays together on one page
                format_.keep_with_next = keep or index < last or None

    def _new_num(self, kind: str) -> str:
        abstract_id = self._abstract.get(kind) or self._add_abstract(kind)
        ids = [int(n) for n in self._numbering.xpath("./w:num/@w:numId")]
        num_id = str(max(ids, default=0) + 1)
        num = OxmlElement("w:num")
        num.set(qn("w:numId"), num_id)
        abstract_ref = OxmlElement("w:abstractNumId")
        abstract_ref.set(qn("w:val"), abstract_id)
        num.append(abstract_ref)
        override = OxmlElement("w:lvlOverride")
        override.set(qn("w:ilvl"), "0")
        start = OxmlElement("w:startOverride")
        start.set(qn("w:val"), "1")
        override.append(start)
        num.append(override)
        self._numbering.append(num)
        return num_id

    def _add_abstract(self, kind: str) -> str:
        ids = [int(n) for n in self._numbering.xpath("./w:abstractNum/@w:abstractNumId")]
        abstract_id = str(max(ids, default=0) + 1)
        abstract = OxmlElement("w:abstractNum")
        abstract.set(qn("w:abstractNumId"), abstract_id)
        multi = OxmlElement("w:multiLevelType")
        multi.set(qn("w:val"), "singleLevel")
        abstract.append(multi)
        level = OxmlElement("w:lvl")
        level.set(qn("w:ilvl"), "0")
        for tag, value in (
            ("start", "1"),
            ("numFmt", kind),
            ("lvlText", "•" if kind == _BULLET else "%1."),
            ("lvlJc", "left"),
        ):
            element = OxmlElement(f"w:{tag}")
            element.set(qn("w:val"), value)
            level.append(element)
        properties = OxmlElement("w:pPr")
        indent = OxmlElement("w:ind")
        indent.set(qn("w:left"), "720")
        indent.set(qn("w:hanging"), "432")
        properties.append(indent)
        level.append(properties)
        abstract.append(level)
        # Schema order: every abstractNum comes before the first num.
        first_num = self._numbering.find(qn("w:num"))
        if first_num is not None:
            first_num.addprevious(abstract)
        else:
            self._numbering.append(abstract)
        self._abstract[kind] = abstract_id
        return abstract_id


# Tables and sections ------------------------------------------------------------


def _table(document: DocxDocument, table: Table) -> None:
    grid = document.add_table(rows=1 + len(table.rows), cols=len(table.header))
    if "Table Grid" in {style.name for style in document.styles}:
        grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.LEFT
    _fixed_widths(document, grid, table)
    for row_index, values in enumerate((table.header, *table.rows)):
        row = grid.rows[row_index]
        row_properties = row._tr.get_or_add_trPr()
        row_properties.append(OxmlElement("w:cantSplit"))
        if row_index == 0:
            row_properties.append(OxmlElement("w:tblHeader"))
        for cell, value in zip(row.cells, values, strict=True):
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.space_before = Pt(1)
            paragraph.paragraph_format.space_after = Pt(1)
            paragraph.paragraph_format.keep_with_next = row_index < len(table.rows) or None
            run = paragraph.add_run(clean(value))
            run.bold = row_index == 0 or None
            if table.small:
                run.font.size = Pt(9)
    document.add_paragraph().paragraph_format.space_after = Pt(0)


def _fixed_widths(document: DocxDocument, grid: DocxTable, table: Table) -> None:
    """Columns sized in proportion to their content and fixed, so Word never squeezes them."""
    usable, _ = _usable_size(document)
    weights = table.weights or tuple(1.0 for _ in table.header)
    total = sum(weights)
    grid.autofit = False
    properties = grid._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    properties.append(layout)
    for index, column in enumerate(grid.columns):
        width = int(usable * weights[index] / total)
        column.width = width
        for cell in column.cells:
            cell.width = width


def _usable_size(document: DocxDocument) -> tuple[int, int]:
    """The width and height inside the margins of the page being written."""
    section = document.sections[-1]
    width = (
        (section.page_width or _A4[0]) - (section.left_margin or 0) - (section.right_margin or 0)
    )
    height = (
        (section.page_height or _A4[1]) - (section.top_margin or 0) - (section.bottom_margin or 0)
    )
    return width, height


def _picture(document: DocxDocument, picture: report_layout.Picture) -> None:
    """The picture as wide as the page allows, its caption kept on the same page.

    A tall picture is narrowed to leave room for its caption on the page, so
    Word never has to push the caption to the next one.
    """
    width, height = _usable_size(document)
    paragraph = document.add_paragraph()
    shape = paragraph.add_run().add_picture(io.BytesIO(picture.png), width=width)
    room = int(height * _PICTURE_HEIGHT_SHARE)
    if shape.height > room:
        shape.width = Emu(int(shape.width * room / shape.height))
        shape.height = Emu(room)
    paragraph.paragraph_format.keep_with_next = True
    styles = {style.name for style in document.styles}
    document.add_paragraph(clean(picture.caption), style="Caption" if "Caption" in styles else None)


def _landscape(document: DocxDocument) -> None:
    section = document.add_section(WD_SECTION.NEW_PAGE)
    width, height = section.page_width, section.page_height
    if width < height:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = height, width


def _properties(
    document: DocxDocument, layout: Document, author: str, subject: str, moment: dt.datetime
) -> None:
    properties = document.core_properties
    properties.title = clean(layout.title)[:_CORE_PROPERTY_MAX]
    properties.subject = subject
    # The template's (or python-docx's) own author and comments would misstate who wrote it.
    properties.author = clean(author)[:_CORE_PROPERTY_MAX]
    properties.last_modified_by = properties.author
    properties.comments = layout.page_header
    properties.keywords = ""
    # Word's Properties hold UTC; python-docx writes the clock time it is given as UTC.
    properties.created = moment.astimezone(dt.UTC)
    properties.modified = properties.created
    properties.revision = 1
