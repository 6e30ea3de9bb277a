"""Plain-text rendering of Arrow tables for the terminal."""

from __future__ import annotations

import csv
import io
from datetime import UTC

import pyarrow as pa


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if value == value else "NaN"
    return str(value)


def _cut(text: str, width: int) -> str:
    """`text`, shortened to `width` characters with '…' where it was cut."""
    return text if len(text) <= width else text[: width - 1] + "…"


def format_table(table: pa.Table, max_rows: int = 200, max_width: int = 60) -> str:
    """Aligned columns with a header rule; long cells are cut; row count when truncated."""
    names = table.column_names
    rows = [[_cut(_cell(v), max_width) for v in row] for row in _rows(table.slice(0, max_rows))]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]
    numeric = [pa.types.is_integer(t) or pa.types.is_floating(t) for t in table.schema.types]

    def line(cells):
        return "  ".join(c.rjust(w) if num else c.ljust(w) for c, w, num in zip(cells, widths, numeric)).rstrip()

    out = [line(names), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    if table.num_rows > max_rows:
        out.append(f"... {table.num_rows - max_rows} more rows ({table.num_rows} in all)")
    return "\n".join(out)


def format_csv(table: pa.Table) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(table.column_names)
    for row in _rows(table):
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue()


def _rows(table: pa.Table) -> list[tuple]:
    """Rows as tuples by position: a query may repeat a column name (`SELECT x, * …`),
    which row dicts would fold into one."""
    return list(zip(*(_values(column) for column in table.columns))) if table.num_columns else []


_UTC_ZONES = ("UTC", "Etc/UTC", "+00:00")


def _values(column) -> list:
    """The column as Python values. UTC times are made here: pyarrow makes zoned datetimes
    through pandas, which it imports for that (~0.4 s of a `f1nb demo` that has nothing to do)."""
    kind = column.type
    if pa.types.is_timestamp(kind) and kind.tz in _UTC_ZONES and kind.unit != "ns":  # ns: pandas Timestamps
        return [None if v is None else v.replace(tzinfo=UTC) for v in column.cast(pa.timestamp(kind.unit)).to_pylist()]
    return column.to_pylist()
