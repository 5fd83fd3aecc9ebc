"""Full-text search over notes and case details, inside the encrypted database (SQLite FTS5).

``index_record`` is called in the same transaction that writes a record (by the repository, and by the sync engine
when it stores pulled records). The index is contentless: it holds the words, not a second copy of the text (which
lives in ``records.body``); ``search_docs`` names the record behind each index row, so re-indexing is a keyed delete
and insert, and a hit's snippet is cut here from the record's own text.

User input never reaches FTS5's query syntax: the query is split into words, each quoted as a prefix term, and all
must match. Spaced NHS and phone numbers (``943 476 5919``) are also indexed joined up, so they are found either way.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final
from uuid import UUID

if TYPE_CHECKING:
    from sync._sqlcipher import DbConnection

#: Record types whose text goes into the index ("notes and case details"); other kinds are ignored.
SEARCHED_KINDS: Final = frozenset({"case", "person", "note"})
_WORD: Final = re.compile(r"\w+", re.UNICODE)
# Runs of digit groups separated by one space or dash; NHS (3-3-4) and phone (4/5 + 5/6) shapes are picked out of
# them. A pattern that starts with \d lets the regex engine skip ahead fast over plain text.
_DIGIT_RUN: Final = re.compile(r"\d+(?:[ -]\d+)+")
_ASCII_DIGIT_RUN: Final = re.compile(rb"[0-9]+(?:[ -][0-9]+)+")  # the same on ASCII text, 2.5x faster
_ALL_DIGITS_ZERO: Final = bytes.maketrans(b"123456789", b"000000000")
_JOINED_SHAPES: Final = ((3, 3, 4), (4, 5), (4, 6), (5, 5), (5, 6))
_SHORTEST_JOINED: Final = min(sum(shape) + len(shape) - 1 for shape in _JOINED_SHAPES)  # digits and separators
MAX_QUERY_TERMS: Final = 16
SNIPPET_OPEN: Final = "["
SNIPPET_CLOSE: Final = "]"
SNIPPET_TOKENS: Final = 12
_SELECT_HITS: Final = (
    "SELECT d.record_id, r.case_id, r.type, r.body, s.rank FROM search s "
    "JOIN search_docs d ON d.doc = s.rowid JOIN records r ON r.id = d.record_id WHERE search MATCH ?"
)


@dataclass(frozen=True, slots=True)
class SearchHit:
    record_id: UUID
    case_id: UUID
    kind: str  # the record type
    snippet: str  # matched words wrapped in SNIPPET_OPEN / SNIPPET_CLOSE
    rank: float  # bm25: lower is better


def _strings(value: Any) -> list[str]:
    out: list[str] = []
    _collect(value, out)
    return out


def _collect(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, Mapping):
        for v in value.values():
            if isinstance(v, str):  # most values: no call for them
                out.append(v)
            else:
                _collect(v, out)
    elif isinstance(value, list | tuple):
        for v in value:
            _collect(v, out)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        out.append(str(value))


def _joined_numbers(text: str) -> list[str]:
    """NHS and phone numbers written with spaces or dashes, joined up (``943 476 5919`` -> ``9434765919``)."""
    out: list[str] = []
    if len(text) < _SHORTEST_JOINED:
        return out
    if text.isascii():  # the common case, made cheap: this runs on every field of every record saved or pulled
        # A digit, a space or dash, a digit: looked for with a byte table and two substring searches, several
        # times faster than the regex's scan of text that (as most text) holds no such run.
        raw = text.encode("ascii")
        zeroed = raw.translate(_ALL_DIGITS_ZERO)
        if b"0" not in zeroed or (b"0 0" not in zeroed and b"0-0" not in zeroed):  # no digit: one fast scan
            return out
        runs = [r.decode("ascii") for r in _ASCII_DIGIT_RUN.findall(raw)]
    else:
        runs = _DIGIT_RUN.findall(text)
    for run in runs:
        groups = re.split(r"[ -]", run)
        sizes = [len(g) for g in groups]
        for shape in _JOINED_SHAPES:
            for i in range(len(groups) - len(shape) + 1):
                if tuple(sizes[i : i + len(shape)]) == shape:
                    out.append("".join(groups[i : i + len(shape)]))
    return out


def document_text(fields: Mapping[str, Any]) -> str:
    """The searchable text of a record: every string (and number) in its fields, plus joined-up numbers."""
    parts = _strings(fields)
    joined = [n for p in parts for n in _joined_numbers(p)]
    return "\n".join(parts + joined)


def index_record(conn: DbConnection, record_id: UUID | str, kind: str, fields: Mapping[str, Any]) -> None:
    """(Re)index one record inside the caller's transaction. Empty text removes it from the index; kinds not in
    ``SEARCHED_KINDS`` are not indexed. New records go in faster with ``index_new_records``."""
    if kind not in SEARCHED_KINDS:
        return
    rid = str(record_id)
    row = conn.execute("SELECT doc FROM search_docs WHERE record_id = ?", (rid,)).fetchone()
    if row is not None:
        conn.execute("DELETE FROM search WHERE rowid = ?", (row[0],))
    text = document_text(fields)
    if not text:
        if row is not None:
            conn.execute("DELETE FROM search_docs WHERE doc = ?", (row[0],))
        return
    doc = (
        row[0] if row is not None else conn.execute("INSERT INTO search_docs (record_id) VALUES (?)", (rid,)).lastrowid
    )
    conn.execute("INSERT INTO search (rowid, text) VALUES (?, ?)", (doc, text))


def index_new_records(conn: DbConnection, records: Iterable[tuple[str, str, Mapping[str, Any]]]) -> None:
    """Index many records created in this transaction (id, kind, fields): two prepared statements for them all."""
    docs = [(rid, text) for rid, kind, fields in records if kind in SEARCHED_KINDS and (text := document_text(fields))]
    if not docs:
        return
    # The caller's transaction holds the write lock, so the next free row numbers stay free until it commits.
    first = int(conn.execute("SELECT coalesce(max(doc), 0) + 1 FROM search_docs").fetchone()[0])
    conn.executemany(
        "INSERT INTO search_docs (doc, record_id) VALUES (?, ?)", [(first + i, d[0]) for i, d in enumerate(docs)]
    )
    conn.executemany("INSERT INTO search (rowid, text) VALUES (?, ?)", [(first + i, d[1]) for i, d in enumerate(docs)])


def unindex_record(conn: DbConnection, record_id: UUID | str) -> None:
    row = conn.execute("SELECT doc FROM search_docs WHERE record_id = ?", (str(record_id),)).fetchone()
    if row is not None:
        conn.execute("DELETE FROM search WHERE rowid = ?", (row[0],))
        conn.execute("DELETE FROM search_docs WHERE doc = ?", (row[0],))


def match_expression(query: str) -> str | None:
    """A safe FTS5 MATCH string for free text: each word quoted as a prefix term. None when there are no words."""
    words = _WORD.findall(query)[:MAX_QUERY_TERMS]
    if not words:
        return None
    return " ".join(f'"{w}"*' for w in words)  # \w+ holds no quote, so nothing escapes the string


def search(conn: DbConnection, query: str, *, limit: int = 50, kinds: tuple[str, ...] = ()) -> list[SearchHit]:
    expr = match_expression(query)
    if expr is None or limit <= 0:
        return []
    sql = _SELECT_HITS
    params: list[object] = [expr]
    if kinds:
        sql += f" AND r.type IN ({', '.join('?' for _ in kinds)})"
        params.extend(kinds)
    sql += " ORDER BY s.rank LIMIT ?"
    params.append(limit)
    words = [_folded(w) for w in _WORD.findall(query)[:MAX_QUERY_TERMS]]
    return [
        SearchHit(
            record_id=UUID(r[0]),
            case_id=UUID(r[1]),
            kind=str(r[2]),
            snippet=snippet(document_text(json.loads(r[3])), words),
            rank=float(r[4]),
        )
        for r in conn.execute(sql, params)
    ]


def _folded(word: str) -> str:
    """As the index's tokenizer sees a word: case-folded, without diacritics."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def snippet(text: str, words: Iterable[str], size: int = SNIPPET_TOKENS) -> str:
    """Up to ``size`` words of ``text`` around the first word starting with one of ``words`` (folded), each such
    word wrapped in SNIPPET_OPEN / SNIPPET_CLOSE, with an ellipsis where text was cut."""
    prefixes = tuple(words)

    def matches(word: str) -> bool:
        return bool(prefixes) and _folded(word).startswith(prefixes)

    tokens = list(_WORD.finditer(text))
    first = next((i for i, t in enumerate(tokens) if matches(t.group())), 0)
    start = max(0, min(first - size // 4, len(tokens) - size))
    window = tokens[start : start + size]
    if not window:
        return ""
    parts, end = [], window[0].start()
    for token in window:  # keep the text between words (punctuation), marking the matching words
        word = token.group()
        parts += [text[end : token.start()], f"{SNIPPET_OPEN}{word}{SNIPPET_CLOSE}" if matches(word) else word]
        end = token.end()
    lead = "…" if start > 0 else ""
    tail = "…" if start + size < len(tokens) else ""
    return lead + " ".join("".join(parts).split()) + tail


def matching_docs(conn: DbConnection, query: str) -> set[int]:
    """Rowids of the index entries matching ``query`` (quoted and prefix-matched as in ``search``).

    Only rowids are read: reading FTS5's stored columns (record and case ids) costs about thirty times more over
    tens of thousands of notes, which an as-you-type search cannot afford.
    """
    expr = match_expression(query)
    if expr is None:
        return set()
    return {int(r[0]) for r in conn.execute("SELECT rowid FROM search WHERE search MATCH ?", (expr,))}


def doc_cases(conn: DbConnection) -> dict[int, str]:
    """Index entry rowid -> case id of the record it indexes (through ``search_docs``)."""
    rows = conn.execute("SELECT d.doc, r.case_id FROM search_docs d JOIN records r ON r.id = d.record_id")
    return {int(doc): str(case_id) for doc, case_id in rows}


def case_ids_matching(conn: DbConnection, query: str, cases_by_doc: Mapping[int, str] | None = None) -> set[str]:
    """Ids of the cases with an indexed record (the case itself, a note, a person) matching ``query``.

    ``cases_by_doc`` (from ``doc_cases``) may be kept by a caller running many queries over an unchanged vault,
    such as one per keystroke; without it the mapping is read here.
    """
    docs = matching_docs(conn, query)
    if not docs:
        return set()
    mapping = doc_cases(conn) if cases_by_doc is None else cases_by_doc
    return {mapping[d] for d in docs if d in mapping}


__all__ = [
    "SEARCHED_KINDS",
    "SearchHit",
    "case_ids_matching",
    "doc_cases",
    "document_text",
    "index_new_records",
    "index_record",
    "match_expression",
    "matching_docs",
    "search",
    "snippet",
    "unindex_record",
]
