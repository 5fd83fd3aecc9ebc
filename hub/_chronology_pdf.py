"""The chronology as a PDF for a strategy discussion (fpdf2, pure Python, with its built-in Helvetica: nothing is
downloaded and no font file is read at run time).

The built-in fonts hold Latin-1 only, so text is folded first: accents kept where Latin-1 has them, other letters
reduced to their base letter, anything else shown as "?". Nothing here touches the database: the caller audits.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from hub._chronology import Chronology, when_words


def latin1(text: str) -> str:
    out = []
    for char in text:
        try:
            char.encode("latin-1")
            out.append(char)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
            out.append(base or "?")
    return "".join(out)


def render(chronology: Chronology, tz: dt.tzinfo, *, printed_by: str, printed_at: float) -> bytes:
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_title("Chronology")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("helvetica", "B", 16)
    pdf.cell(0, 10, latin1(f"Chronology: {chronology.name}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("helvetica", "", 10)
    pdf.cell(0, 6, latin1(f"Date of birth: {chronology.date_of_birth}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    stamp = f"Printed by {printed_by} at {when_words(printed_at, tz)}. OFFICIAL-SENSITIVE: for the strategy discussion."
    pdf.cell(0, 6, latin1(stamp), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    with pdf.table(col_widths=(40, 55, 50, 45, 87), text_align="LEFT", line_height=5) as table:
        header = table.row()
        for title in ("When it happened", "What", "Agency", "Recorded by", "Details"):
            header.cell(title)
        for event in chronology.events:
            row = table.row()
            for value in (when_words(event.happened_at, tz), event.what, event.agency, event.recorded_by, event.detail):
                row.cell(latin1(value))
    if not chronology.events:
        pdf.cell(0, 8, "Nothing is recorded yet.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
