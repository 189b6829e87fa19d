"""Records as PDF printouts: one record (its fields, its facts with their sources, its links by
role, its timeline) or a list of search results.

Each page carries the classification marking in its header and, in its footer, who exported it
and for what purpose, so a printout found where it should not be leads back to the export and
its audit entry (``lookups.export_*_pdf`` write that entry). Times are Ho Chi Minh City's,
dd/mm/yyyy HH:MM, whatever the server's clock zone. Labels follow the active language, like the
pages.

PDF's built-in fonts have no Vietnamese letters, so the text is set in DejaVu Sans, shipped in
``fonts/`` with its licence (Bitstream Vera and Arev terms, fonts/LICENSE) and embedded as a
subset. Everything printed is NFC, the form the records store.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from safecity.accounts.models import Clearance
from safecity.records.models import EntityKind, Gender, Role
from safecity.records.search import Hit
from safecity.records.selectors import MODELS

HCMC = ZoneInfo("Asia/Ho_Chi_Minh")
FONTS = Path(__file__).resolve().parent / "fonts"
FAMILY = "DejaVu"
MARGIN = 15.0  # mm
GREY = (90, 90, 90)
BLACK = (0, 0, 0)
LINE = 5.0  # mm, one line of body text
# Where the page count goes, replaced when the document is done: a private-use character, which
# ``text`` keeps out of what is printed, so a purpose typed as "{nb}" (fpdf2's default) stays.
PAGES = "\ue000"

# fpdf2 subsets the fonts with fontTools, which logs some forty INFO lines per document.
logging.getLogger("fontTools").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Stamp:
    """Who exported, when and why: on the first page in full, in every page's footer short."""

    username: str
    name: str  # the officer's full name and unit, as the first page prints them
    at: datetime
    purpose: str


# --- Text -----------------------------------------------------------------------------------------


def _printable(char: str) -> str:
    category = unicodedata.category(char)
    if category in {"Cc", "Zl", "Zp"}:
        return " "
    if category in {"Cs", "Co"}:  # lone surrogates; private use (``PAGES``)
        return "?"
    return char


def text(value: Any) -> str:
    """NFC, one line, nothing the PDF cannot carry (control characters, lone surrogates) or
    that it would take for the page count (private-use characters)."""
    return "".join(map(_printable, unicodedata.normalize("NFC", str(value)))).strip()


def paragraph(value: Any) -> str:
    """Like ``text`` but keeps line breaks (a case summary's paragraphs)."""
    lines = unicodedata.normalize("NFC", str(value)).replace("\r\n", "\n").split("\n")
    return "\n".join(text(line) for line in lines).strip()


def moment(value: datetime | date | None) -> str:
    """dd/mm/yyyy HH:MM in Ho Chi Minh City time; dd/mm/yyyy for a date."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        aware = value if timezone.is_aware(value) else timezone.make_aware(value, HCMC)
        return aware.astimezone(HCMC).strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


def marking(classification: int) -> str:
    """The secrecy stamp (Law 29/2018/QH14): MẬT, TỐI MẬT, TUYỆT MẬT; THƯỜNG below them."""
    if classification not in Clearance.values:
        return str(classification)
    return str(Clearance(classification).label).upper()


def kind_label(kind: str) -> str:
    model = MODELS.get(kind)
    if model is not None:
        return str(capfirst(model._meta.verbose_name))
    return str(EntityKind(kind).label) if kind in EntityKind.values else kind


# --- The document ---------------------------------------------------------------------------------


class Printout(FPDF):
    """An A4 page with the classification header and the traceability footer."""

    def __init__(self, *, title: str, classification: int, stamp: Stamp) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.alias_nb_pages(PAGES)
        self.add_font(FAMILY, "", FONTS / "DejaVuSans.ttf")
        self.add_font(FAMILY, "B", FONTS / "DejaVuSans-Bold.ttf")
        self.heading = text(f"SafeCity — {title} — {marking(classification)}")
        self.stamp = stamp
        self.set_margins(MARGIN, MARGIN + 4, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 3)
        self.set_title(self.heading)
        self.set_author(text(stamp.username))
        self.set_subject(text(stamp.purpose))
        self.set_creator("SafeCity")
        self.set_creation_date(stamp.at)
        self.set_lang(get_language() or "vi")
        self.add_page()

    def header(self) -> None:
        self.set_xy(MARGIN, 8)
        self.set_font(FAMILY, "B", 10)
        self.set_text_color(*BLACK)
        self.cell(self.w - 2 * MARGIN, 6, self.heading, align="C")
        self.line(MARGIN, 15, self.w - MARGIN, 15)
        self.set_xy(self.l_margin, MARGIN + 4)

    def footer(self) -> None:
        width = self.w - 2 * MARGIN
        self.line(MARGIN, self.h - 14, self.w - MARGIN, self.h - 14)
        self.set_xy(MARGIN, self.h - 13)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(*GREY)
        page = _("Page %(page)s/%(pages)s") % {"page": self.page_no(), "pages": PAGES}
        page_width = self.get_string_width(page) + 4
        who = _("Exported by %(user)s on %(at)s for %(purpose)s") % {
            "user": text(self.stamp.username),
            "at": moment(self.stamp.at),
            "purpose": text(self.stamp.purpose),
        }
        self.cell(width - page_width, 5, self.fit(who, width - page_width))
        self.cell(page_width, 5, page, align="R")
        self.set_text_color(*BLACK)

    def fit(self, line: str, width: float) -> str:
        """``line`` cut with an ellipsis to fit ``width`` in the current font."""
        if self.get_string_width(line) <= width:
            return line
        while line and self.get_string_width(line + "…") > width:
            line = line[:-1]
        return line + "…"

    # Body helpers: everything flows through multi_cell/write, which break pages by themselves.

    def title_line(self, value: str) -> None:
        self.set_font(FAMILY, "B", 14)
        self.multi_cell(0, 7, text(value), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def section(self, value: str) -> None:
        self.ln(3)
        if self.will_page_break(3 * LINE):
            self.add_page()
        self.set_font(FAMILY, "B", 11)
        self.multi_cell(0, 6, text(value), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1)

    def pair(self, label: str, value: Any) -> None:
        """``label: value`` on one flowing line, the label bold."""
        self.set_font(FAMILY, "B", 10)
        self.write(LINE, text(label) + ": ")
        self.set_font(FAMILY, "", 10)
        self.write(LINE, paragraph(value).replace("\n", " / "))
        self.ln(LINE)

    def body(self, value: Any, *, size: float = 10, bold: bool = False, grey: bool = False) -> None:
        self.set_font(FAMILY, "B" if bold else "", size)
        if grey:
            self.set_text_color(*GREY)
        self.multi_cell(
            0,
            LINE if size >= 10 else 4,
            paragraph(value),
            align="L",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.set_text_color(*BLACK)

    @contextmanager
    def indented(self, by: float = 6) -> Iterator[None]:
        self.set_left_margin(self.l_margin + by)
        self.set_x(self.l_margin)
        try:
            yield
        finally:
            self.set_left_margin(self.l_margin - by)
            self.set_x(self.l_margin)

    def stamp_block(self) -> None:
        self.pair(_("Exported by"), f"{self.stamp.name} ({self.stamp.username})")
        self.pair(_("Exported at"), moment(self.stamp.at))
        self.pair(_("Purpose"), self.stamp.purpose)

    def none(self) -> None:
        self.body(_("None."), grey=True)

    def finish(self) -> bytes:
        return bytes(self.output())


# --- One record -----------------------------------------------------------------------------------

# Names in a record's fields (``selectors.record_detail``) and in its sources' facts that are not
# the model field's own name.
_FIELD_NAMES = {
    "permanent_ward_code": "permanent_ward",
    "temporary_ward_code": "temporary_ward",
    "ward_code": "ward",
    "unit_name": "unit",
    "unit_code": "unit",
    "merged_into_id": "merged_into",
    "color": "colour",
    "chassis": "chassis_number",
    "engine": "engine_number",
    "type": "kind",
}
_HIDDEN_FIELDS = {"id", "plate_key", "classification", "unit_id", "photo", "birth_year"}


def _model_field(model: type[Model], name: str) -> Any:
    candidates = [name, _FIELD_NAMES.get(name, name)]
    if model.__name__ == "Person" and name == "ward_code":
        candidates.append("permanent_ward")
    if model.__name__ == "Vehicle" and name == "status":
        candidates.append("registration")
    for candidate in reversed(candidates):
        try:
            return model._meta.get_field(candidate)
        except FieldDoesNotExist:
            continue
    return None


def _attribute_label(model: type[Model], name: str) -> str:
    field = _model_field(model, name)
    if field is not None and getattr(field, "verbose_name", None):
        return str(capfirst(field.verbose_name))
    others = {
        "phones": _("Phones"),
        "owner_cccd": _("Owner's CCCD"),
        "incident_ids": _("Incidents"),
        "external_id": _("External ID"),
    }
    return others.get(name, capfirst(name.replace("_", " ")))


def _shown(model: type[Model], name: str, value: Any) -> str:
    """A field's or fact's value as a reader wants it: choice labels, dates dd/mm/yyyy."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(text(v) for v in value)
    if isinstance(value, datetime | date):
        return moment(value)
    field = _model_field(model, name)
    choices = dict(getattr(field, "flatchoices", None) or []) if field is not None else {}
    for key, label in choices.items():
        if str(key) == str(value):
            return str(label)
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-":
        try:  # an ISO date or moment as the sources keep them
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        return moment(parsed if "T" in value or " " in value else parsed.date())
    return str(value)


def _provenance(source: dict[str, Any]) -> str:
    parts = [
        text(source.get("source", "")),
        text(source.get("external_id", "")),
        moment(source.get("imported_at")),
        text(source.get("imported_by", "")),
    ]
    return " · ".join(p for p in parts if p)


def _record_fields(pdf: Printout, model: type[Model], obj: Any, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        if name in _HIDDEN_FIELDS or name == "unit_name" and not value:
            continue
        if name.endswith("ward_code") and value:
            field = _model_field(model, name)
            ward = getattr(obj, field.name, None) if field is not None else None
            value = f"{ward} ({value})" if ward is not None else value
        if name == "birth_date" and not value and fields.get("birth_year"):
            value = str(fields["birth_year"])
        if name == "merged_into_id" and value:
            value = f"#{value}"
        shown = _shown(model, name, value)
        if not shown:
            continue
        if name == "summary":
            pdf.body(_attribute_label(model, name), bold=True)
            pdf.body(shown)
        else:
            pdf.pair(_attribute_label(model, name), shown)


def _facts(pdf: Printout, model: type[Model], facts: Sequence[dict[str, Any]]) -> None:
    if not facts:
        pdf.none()
    for fact in facts:
        label = _attribute_label(model, fact["attribute"])
        if fact["conflict"]:
            label = f"{label} — {_('sources disagree')}"
        pdf.body(label, bold=True)
        with pdf.indented():
            for value in fact["values"]:
                pdf.body(_shown(model, fact["attribute"], value["value"]))
                with pdf.indented():
                    for source in value["sources"]:
                        pdf.body(_provenance(source), size=8, grey=True)


def _links(pdf: Printout, links: Sequence[dict[str, Any]]) -> None:
    if not links:
        pdf.none()
    order = {role.value: index for index, role in enumerate(Role)}
    by_role: dict[str, list[dict[str, Any]]] = {}
    for link in sorted(links, key=lambda lk: (order.get(lk["role"], 99), lk["id"])):
        by_role.setdefault(link["role"], []).append(link)
    for group in by_role.values():
        pdf.body(f"{group[0]['role_label']} ({len(group)})", bold=True)
        with pdf.indented():
            for link in group:
                other = link["other"]
                line = f"{kind_label(other['kind'])}: {other['label']}"
                if link["valid_from"] or link["valid_to"]:
                    line += f" ({moment(link['valid_from'])} – {moment(link['valid_to'])})"
                if link["detail"]:
                    line += f" · {link['detail']}"
                pdf.body(line)
                with pdf.indented():
                    pdf.body(_provenance(link), size=8, grey=True)


def _event_label(event: str) -> str:
    labels = {
        "case_opened": _("Case opened"),
        "case_closed": _("Case closed"),
        "link_started": _("Link started"),
        "link_ended": _("Link ended"),
        "incident": _("Incident"),
    }
    return labels.get(event, capfirst(event.replace("_", " ")))


def _timeline(pdf: Printout, items: Sequence[dict[str, Any]]) -> None:
    if not items:
        pdf.none()
    for item in items:
        pdf.pair(moment(item["at"]), f"{_event_label(item['event'])} — {item['label']}")


def record_pdf(
    *,
    kind: str,
    obj: Any,
    detail: dict[str, Any],
    timeline: Sequence[dict[str, Any]],
    stamp: Stamp,
) -> bytes:
    """One record as ``selectors.record_detail`` and ``timeline.timeline`` give it."""
    model = type(obj)
    pdf = Printout(title=kind_label(kind), classification=obj.classification, stamp=stamp)
    pdf.title_line(detail["label"])
    pdf.stamp_block()
    pdf.section(_("Details"))
    _record_fields(pdf, model, obj, detail["fields"])
    pdf.section(_("Facts and their sources"))
    _facts(pdf, model, detail["facts"])
    pdf.section(_("Links by role"))
    _links(pdf, detail["links"])
    pdf.section(_("Timeline"))
    _timeline(pdf, timeline)
    return pdf.finish()


# --- Search results -------------------------------------------------------------------------------


def _birth_year_label() -> str:
    return _attribute_label(MODELS[EntityKind.PERSON], "birth_year")


def search_pdf(
    *,
    query: str,
    kind: str,
    filters: dict[str, Any],
    hits: Sequence[Hit],
    classification: int,
    stamp: Stamp,
) -> bytes:
    """The results of one search, best first; marked with the highest classification among
    them."""
    pdf = Printout(title=_("Search results"), classification=classification, stamp=stamp)
    pdf.title_line(_("Search results"))
    pdf.stamp_block()
    pdf.pair(_("Search"), query)
    pdf.pair(_("Kind"), kind_label(kind) if kind != "any" else _("Any"))
    filter_labels = {
        "ward": _("Ward"),
        "birth_year_from": _("Born in or after"),
        "birth_year_to": _("Born in or before"),
        "gender": _("Gender"),
    }
    for name, value in filters.items():
        shown = dict(Gender.choices).get(value, value) if name == "gender" else value
        pdf.pair(filter_labels.get(name, name), shown)
    pdf.pair(_("Results"), len(hits))
    pdf.ln(2)
    if not hits:
        pdf.none()
        return pdf.finish()
    pdf.set_font(FAMILY, "", 9)
    headings = ("#", _("Kind"), _("Record"), _("Identifier"), _birth_year_label(), _("Score"))
    with pdf.table(
        col_widths=(8, 24, 72, 38, 18, 20),
        text_align=("RIGHT", "LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT"),
        line_height=LINE,
        repeat_headings=1,
    ) as table:
        row = table.row()
        for heading in headings:
            row.cell(text(heading))
        for rank, hit in enumerate(hits, start=1):
            row = table.row()
            row.cell(str(rank))
            row.cell(kind_label(hit.kind))
            row.cell(text(hit.label)[:200])
            row.cell(text(hit.cccd or hit.plate or hit.number or ""))
            row.cell(str(hit.birth_year or ""))
            row.cell(f"{hit.score:.2f}")
    return pdf.finish()
