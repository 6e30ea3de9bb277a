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
    numeric = [pa.types.is_integer(t) or pa.types.is_floating(t) for t in table.schema.types]
    return _layout(table.column_names, _rows(table.slice(0, max_rows)), numeric, table.num_rows, max_rows, max_width)


def format_records(records: list[dict], max_rows: int = 200, max_width: int = 60) -> str:
    """`format_table` of row dicts with the same keys, without an Arrow table: pyarrow imports
    pandas (~0.4 s) for the first table it builds from Python values. A column is numeric, as
    Arrow would infer it, when its values are ints or floats (bools are not)."""
    names = list(records[0]) if records else []
    rows = [tuple(r[n] for n in names) for r in records[:max_rows]]

    def is_number(value) -> bool:
        return isinstance(value, (int, float)) and not isinstance(value, bool)

    numeric = [any(r[n] is not None for r in records) and all(is_number(r[n]) for r in records if r[n] is not None)
               for n in names]
    return _layout(names, rows, numeric, len(records), max_rows, max_width)


def _layout(names: list[str], values: list[tuple], numeric: list[bool], total: int, max_rows: int, max_width: int) -> str:
    rows = [[_cut(_cell(v), max_width) for v in row] for row in values]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]

    def line(cells):
        return "  ".join(c.rjust(w) if num else c.ljust(w) for c, w, num in zip(cells, widths, numeric)).rstrip()

    out = [line(names), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    if total > max_rows:
        out.append(f"... {total - max_rows} more rows ({total} in all)")
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
