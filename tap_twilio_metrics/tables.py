"""Aligned plain-text tables for the ``twilio-metrics`` command."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

ELLIPSIS: Final = "..."
_GAP: Final = "  "


def truncate(text: str, width: int) -> str:
    """Shorten ``text`` to ``width`` characters, marking the cut with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    return text[: max(width - len(ELLIPSIS), 0)] + ELLIPSIS


def render(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Return ``rows`` under ``headers`` as aligned columns; numbers align right."""
    given = [list(row) for row in rows]
    cells = [[_text(cell) for cell in row] for row in given]
    numeric = [
        bool(given) and all(_is_number(row[index]) for row in given)
        for index in range(len(headers))
    ]
    widths = [
        max([len(header)] + [len(row[index]) for row in cells])
        for index, header in enumerate(headers)
    ]
    lines = [_line(headers, widths, [False] * len(headers))]
    lines.append(_GAP.join("-" * width for width in widths))
    lines += [_line(row, widths, numeric) for row in cells]
    return "\n".join(lines) + "\n"


def _line(cells: Sequence[str], widths: Sequence[int], right: Sequence[bool]) -> str:
    padded = [
        cell.rjust(width) if align else cell.ljust(width)
        for cell, width, align in zip(cells, widths, right, strict=True)
    ]
    return _GAP.join(padded).rstrip()


def _text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, Decimal):
        return format_number(cell)
    return str(cell)


def _is_number(cell: object) -> bool:
    return isinstance(cell, int | float | Decimal) and not isinstance(cell, bool)


def format_number(value: Decimal) -> str:
    """Show a decimal plainly, with at most six decimal places."""
    if value == value.to_integral_value():
        return f"{value:.0f}"
    shown = f"{value:.6f}".rstrip("0")
    return shown.rstrip(".")
