"""A referral as a document for the page: sections of label and answer in words, body maps drawn as pictures, the
photographs, consent and lawful basis, the 999 record, and the receipt's hash checked against the stored body.

Every value taken from the record stays plain text (escaped by the template); the only markup made here is the
body map SVG, built from our own figure (``forms/assets/``) and numbers, never from the record's text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

import forms
from protocol import content_hash

ASSETS: Final = forms.ASSETS
_SHA: Final = re.compile(r"^[0-9a-f]{64}$")
_SVG_INNER: Final = re.compile(r"<svg[^>]*>(.*)</svg>", re.S)
_TITLE: Final = re.compile(r"<title>.*?</title>", re.S)


_CONSENT_LABELS: Final = {
    "parent_informed": "Parents or carers told about the referral",
    "not_informed_reason": "Why they were not told",
    "approving_manager": "Manager who approved not telling them",
    "consent": "Consent to share information",
    "given_by": "Consent given by",
    "covers": "Whom the consent covers",
    "reason_if_not_given": "Why consent was refused or not sought",
}
_RIGHT_NOW: Final = (
    ("child_location_now", "Where the child is now"),
    ("child_safe_now", "Child safe now"),
    ("action_taken", "Done so far to keep the child safe"),
)
_CONSENT_WORDS: Final = {"given": "Given", "refused": "Refused", "not_sought": "Not sought"}


@dataclass
class Section:
    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Mark:
    number: int
    owner: str  # whose body: "Child 1" (each child has their own figures)
    view: str
    x: float | None
    y: float | None
    words: str
    figure: str | None = None  # "infant" or "child"; None for a mark of the first body map (its own figure)


@dataclass
class Photo:
    sha256: str
    name: str
    media_type: str
    caption: str


@dataclass
class Document:
    forms: list[tuple[str, list[Section]]] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    photos: list[Photo] = field(default_factory=list)
    consent: list[tuple[str, str]] = field(default_factory=list)
    emergency: list[tuple[str, str]] = field(default_factory=list)
    summary: str = ""
    receipt_ref: str = ""
    receipt_hash: str = ""
    hash_matches: bool = False
    document_hash_matches: bool = False

    def figures(self) -> list[tuple[str, Markup, list[Mark]]]:
        """(caption, picture, marks) for each child, figure and view that has a mark."""
        out = []
        owners = list(dict.fromkeys(m.owner for m in self.marks))
        for owner in owners:
            figures = list(dict.fromkeys(m.figure for m in self.marks if m.owner == owner))
            for figure in figures:
                for view in ("front", "back"):
                    marks = [m for m in self.marks if (m.owner, m.figure, m.view) == (owner, figure, view)]
                    if not marks:
                        continue
                    body = f"{forms.figure_label(figure).lower()}, " if figure else ""
                    caption = f"{owner}, {body}{view}"
                    out.append((caption, body_map_svg(view, marks, caption, figure), marks))
        return out


def _figure(view: str) -> str:
    text = (ASSETS / f"body_{view}.svg").read_text(encoding="utf-8")
    match = _SVG_INNER.search(text)
    return _TITLE.sub("", match.group(1)) if match else ""


def body_map_svg(view: str, marks: list[Mark], caption: str = "", figure: str | None = None) -> Markup:
    """The figure with a numbered circle at each mark that has a point (marks with a region only are listed): the
    infant or child figure drawn from the region table, or the first body map's figure for its marks."""
    if figure is not None:
        points = [(m.number, m.x, m.y) for m in marks if m.x is not None and m.y is not None]
        svg = forms.figure_svg(figure, view, points, label=f"Body map, {caption or view}")
        return Markup(svg)  # noqa: S704 - drawn from our region table; labels escaped, marks are numbers only
    label = escape(f"Body map, {caption or view}, {len(marks)} mark{'s' if len(marks) != 1 else ''}")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 400" role="img" aria-label="{label}">',
        _figure(view),
    ]
    for mark in marks:
        if mark.x is None or mark.y is None:
            continue
        cx, cy = round(mark.x * 200, 1), round(mark.y * 400, 1)
        parts.append(f'<circle cx="{cx}" cy="{cy}" r="9" fill="#d4351c" stroke="#ffffff" stroke-width="2"/>')
        parts.append(
            f'<text x="{cx}" y="{cy + 4}" font-size="11" font-weight="700" text-anchor="middle" '
            f'fill="#ffffff">{mark.number}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - our figure, numbers and coordinates only


def _words(item: Any, value: Any, tz: ZoneInfo) -> str:
    kind = getattr(item, "kind", "")
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, Mapping):
        if forms.is_not_known(value):
            return forms.NOT_KNOWN_TEXT  # "Not known", given explicitly
        if kind == "attachment":
            what = "Photograph" if _is_image(value) else "Attached file"  # an early help assessment is a document
            return f"{what}: {value.get('name', 'unnamed')}"
        if kind == "body_map":
            marks = [forms.placed_mark(m, n) for n, m in enumerate(forms.raw_marks(value), start=1)]
            return "; ".join(m.words() for m in marks if m is not None)
        if kind == "signature":
            return f"Signed by {value.get('signed_by', '')} at {value.get('signed_at', '')}"
        if "value" in value:
            return f"{_words(item, value.get('value'), tz)} (estimated)"
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if kind == "datetime" and isinstance(value, str):
        try:
            when = dt.datetime.fromisoformat(value).astimezone(tz)
            return f"{when:%H:%M} on {when.day} {when:%B %Y}"
        except ValueError:
            return value
    if kind == "date" and isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value)
            return f"{day.day} {day:%B %Y}"
        except ValueError:
            return value
    return _say(item, value)


def _say(item: Any, value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    options = {o.code: o.label for o in getattr(item, "options", ())}
    if isinstance(value, list):
        return "; ".join(options.get(v, str(v)) for v in value)
    if kind_is(item, "nhs_number") and isinstance(value, str):
        return forms.format_nhs_number(value)
    return options.get(value, str(value)) if isinstance(value, str) else str(value)


def _is_image(value: Mapping[str, Any]) -> bool:
    """Only a picture is shown as a photograph; any other file (a PDF) is named, not drawn."""
    media = value.get("media_type")
    return isinstance(media, str) and media.startswith("image/")


def kind_is(item: Any, kind: str) -> bool:
    return getattr(item, "kind", "") == kind


class _Walker:
    def __init__(self, doc: Document, tz: ZoneInfo) -> None:
        self.doc = doc
        self.tz = tz

    def walk(self, items: Any, answers: Mapping[str, Any], section: Section, out: list[Section], prefix: str) -> None:
        for item in items:
            kind = getattr(item, "kind", "")
            if kind == "group":
                sub = Section(f"{prefix}{item.label}")
                out.append(sub)
                self.walk(item.items, answers, sub, out, prefix)
            elif kind == "repeat":
                entries = answers.get(item.id)
                for n, entry in enumerate(entries if isinstance(entries, list) else [], start=1):
                    if not isinstance(entry, Mapping):
                        continue
                    sub = Section(f"{prefix}{item.item_label} {n}")
                    out.append(sub)
                    self.walk(item.items, entry, sub, out, f"{sub.title} – ")
                    if getattr(item, "presentation", "") == "body_map":
                        self._mark(item, entry, sub.title, prefix.removesuffix(" – ") or "The child")
            elif kind == "display":
                continue
            else:
                value = answers.get(item.id)
                words = _words(item, value, self.tz)
                if words:
                    section.rows.append((item.label, words))
                if kind == "attachment" and isinstance(value, Mapping):
                    self._photo(value, section.title)

    def _mark(self, repeat: Any, entry: Mapping[str, Any], title: str, owner: str) -> None:
        """Every mark of the entry's body map, numbered across the referral, with the injury's own words."""
        position = next((entry.get(f.id) for f in repeat.items if kind_is(f, "body_map")), None)
        described = []
        for f in repeat.items:
            words = "" if kind_is(f, "body_map") or kind_is(f, "attachment") else _words(f, entry.get(f.id), self.tz)
            if words:
                described.append(f"{f.label}: {words}")
        for raw in forms.raw_marks(position):
            placed = forms.placed_mark(raw, len(self.doc.marks) + 1)
            if placed is None:
                continue
            self.doc.marks.append(
                Mark(
                    number=placed.number,
                    owner=owner,
                    view=placed.view,
                    x=placed.x,
                    y=placed.y,
                    words=f"{title}. " + "; ".join([*described, f"Mark: {placed.words()}"]),
                    figure=placed.figure,
                )
            )

    def _photo(self, value: Mapping[str, Any], caption: str) -> None:
        sha = value.get("sha256")
        media = value.get("media_type")
        if isinstance(sha, str) and _SHA.match(sha) and isinstance(media, str) and _is_image(value):
            self.doc.photos.append(Photo(sha, str(value.get("name") or "photograph"), media, caption))


def build(fields: Mapping[str, Any], row: Mapping[str, Any], tz: ZoneInfo) -> Document:
    doc = Document(summary=str(fields.get("summary") or ""), receipt_ref=str(row.get("receipt_ref") or ""))
    doc.receipt_hash = str(row.get("receipt_hash") or "")
    try:
        doc.hash_matches = bool(doc.receipt_hash) and content_hash(dict(fields)) == doc.receipt_hash
    except (TypeError, ValueError):
        doc.hash_matches = False
    document = fields.get("document")
    document = document if isinstance(document, Mapping) else {}
    try:
        doc.document_hash_matches = forms.content_hash(dict(document)) == fields.get("content_hash")
    except (TypeError, ValueError):
        doc.document_hash_matches = False
    walker = _Walker(doc, tz)
    for form in document.get("forms") or []:
        if not isinstance(form, Mapping) or not isinstance(form.get("answers"), Mapping):
            continue
        try:
            spec = forms.load_spec(str(form.get("form_id")), int(form.get("form_version") or 1))
        except (forms.FormsError, ValueError, TypeError):
            continue
        sections: list[Section] = []
        walker.walk(spec.items, form["answers"], Section(spec.title), sections, "")
        sections = [s for s in sections if s.rows]
        doc.forms.append((spec.title, sections))
        answers = form["answers"]
        if not doc.emergency:
            danger = answers.get("immediate_danger")
            doc.emergency = [
                ("Child in immediate danger", "Yes" if danger is True else "No" if danger is False else "Not answered")
            ]
            if answers.get("call_999_time"):
                doc.emergency.append(("999 called at", _words(_Kind("datetime"), answers.get("call_999_time"), tz)))
            if answers.get("police_reference"):
                doc.emergency.append(("Police reference", str(answers.get("police_reference"))))
            for key, label in _RIGHT_NOW:  # version 2 asks these first: where the child is, and whether safe now
                if answers.get(key) is not None:
                    doc.emergency.append((label, _words(_Kind("yes_no" if key == "child_safe_now" else "long_text"),
                                                        answers.get(key), tz)))  # fmt: skip
    consent = fields.get("consent")
    if isinstance(consent, Mapping):
        doc.consent = [
            (_CONSENT_LABELS.get(k, k.replace("_", " ").capitalize()), _CONSENT_WORDS.get(str(v), _say(None, v)))
            for k, v in consent.items()
            if v not in (None, "")
        ]
    basis = fields.get("lawful_basis")
    if isinstance(basis, Mapping):
        try:
            doc.consent.append(("Lawful basis", forms.LawfulBasis.model_validate(dict(basis)).words()))
        except ValueError:
            doc.consent += [(f"Lawful basis ({k.replace('_', ' ')})", str(v)) for k, v in basis.items() if v]
    return doc


@dataclass(frozen=True)
class _Kind:
    kind: str
    options: tuple[Any, ...] = ()
