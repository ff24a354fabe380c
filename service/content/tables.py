"""Where a table cell sits, said in words for the translator: its row's and its column's headers.

"800 micrograms (8 puffs)" alone does not say for whom; "row: Adults; column: Maximum dose" does.
A column's header is the cell of the header row above it; a row's is the row's first cell, as a
reader takes them (CommonMark's GFM tables have one header row and no header column).
"""

from __future__ import annotations

from markdown_it.token import Token

__all__ = ["cell_places", "plain"]

_SHOWN = 40  # characters of a header kept in a comment


def plain(inline: Token) -> str:
    """An inline token's words without their markup (`**Adults**` → Adults), on one line."""
    text = "".join(
        c.content if c.type in ("text", "code_inline") else " "
        for c in inline.children or []
        if c.type in ("text", "code_inline", "softbreak", "hardbreak")
    )
    words = " ".join(text.split())
    return words if len(words) <= _SHOWN else words[: _SHOWN - 1].rstrip() + "…"


def _place(head: bool, column: int, row_header: str, headers: list[str]) -> str:
    above = headers[column] if column < len(headers) else ""
    if head:
        return "column header"
    if column == 0:
        return f"row header; column: {above}" if above else "row header"
    parts = [f"row: {row_header}" if row_header else "", f"column: {above}" if above else ""]
    return "; ".join(p for p in parts if p)


def cell_places(tokens: list[Token]) -> dict[int, str]:
    """For the inline token of each table cell (by its index in `tokens`), its place in words:
    "column header", "row header; column: Patient", "row: Adults; column: Maximum dose"."""
    places: dict[int, str] = {}
    headers: list[str] = []
    row: list[tuple[int, bool, str]] = []  # (inline index, in the header row, its words)
    head = False
    for i, tok in enumerate(tokens):
        if tok.type == "table_open":
            headers = []
        elif tok.type in ("thead_open", "tbody_open"):
            head = tok.type == "thead_open"
        elif tok.type == "tr_open":
            row = []
        elif tok.type == "inline" and i > 0 and tokens[i - 1].type in ("th_open", "td_open"):
            row.append((i, head, plain(tok)))
        elif tok.type == "tr_close":
            if head:
                headers = [words for _, _, words in row]
            row_header = row[0][2] if row else ""
            for column, (index, in_head, _) in enumerate(row):
                places[index] = _place(in_head, column, row_header, headers)
    return places
