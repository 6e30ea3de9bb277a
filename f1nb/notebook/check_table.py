"""What `%f1 check` returns: the check rows, shown as an HTML table in a notebook
and as text elsewhere, without importing pandas (0.3-0.9 s on a fresh kernel, more
than the checks themselves). `to_pandas()` / `to_arrow()` give the table as a
DataFrame or Arrow; any other DataFrame attribute (`.head()`, `.violations`,
`checks[mask]`...) converts on first use, so code written for the DataFrame that
`%f1 check` used to return keeps working.
"""

from __future__ import annotations

import html

COLUMNS = ("table", "check", "violations")

_CSS = ("<style>.f1nb-checks{border-collapse:collapse;font-size:12px;font-family:system-ui,sans-serif}"
        ".f1nb-checks th{text-align:left;border-bottom:1px solid #999;padding:3px 8px}"
        ".f1nb-checks td{padding:2px 8px;border-bottom:1px solid rgba(127,127,127,0.2)}"
        ".f1nb-checks td.num{text-align:right;font-variant-numeric:tabular-nums}"
        ".f1nb-checks tr.bad td{color:#c00;font-weight:600}"
        ".f1nb-checks-scroll{max-height:420px;overflow:auto;display:inline-block;max-width:100%}</style>")


class CheckTable:
    """One row per check: {"table", "check", "violations"} (see `Lake.check`)."""

    def __init__(self, rows: list[dict]):
        self.rows = [{c: r[c] for c in COLUMNS} for r in rows]
        self._frame = None

    @property
    def columns(self) -> list[str]:
        return list(COLUMNS)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    @property
    def failing(self) -> CheckTable:
        """The checks with violations."""
        return CheckTable([r for r in self.rows if r["violations"] > 0])

    def summary(self) -> str:
        """'N checks, M failing[: table check, ...]'."""
        bad = self.failing.rows
        names = ", ".join(f"{r['table']} {r['check']}" for r in bad)
        return f"{len(self.rows)} checks, {len(bad)} failing" + (f": {names}" if bad else "")

    def to_arrow(self):
        import pyarrow as pa

        return pa.Table.from_pylist(self.rows, schema=pa.schema(
            [("table", pa.string()), ("check", pa.string()), ("violations", pa.int64())]))

    def to_pandas(self):
        if self._frame is None:
            import pandas as pd

            self._frame = pd.DataFrame(self.rows, columns=self.columns)
        return self._frame

    def __getattr__(self, name: str):
        # Only public DataFrame API is forwarded: IPython's display probes `_repr_*_` and
        # `_ipython_*` names, which must not import pandas.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.to_pandas(), name)

    def __getitem__(self, key):
        return self.to_pandas()[key]

    def __repr__(self) -> str:
        width = [max([len(c)] + [len(str(r[c])) for r in self.rows]) for c in COLUMNS]
        lines = ["  ".join(c.ljust(w) for c, w in zip(COLUMNS, width))]
        lines += ["  ".join(str(r[c]).rjust(w) if c == "violations" else str(r[c]).ljust(w)
                            for c, w in zip(COLUMNS, width)) for r in self.rows]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{c}</th>" for c in COLUMNS)
        body = "".join(_row_html(r) for r in self.rows)
        return (f'{_CSS}<div class="f1nb-checks-scroll"><table class="f1nb-checks">'
                f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")


def _row_html(r: dict) -> str:
    cls = ' class="bad"' if r["violations"] > 0 else ""
    return (f"<tr{cls}><td>{html.escape(r['table'])}</td><td>{html.escape(r['check'])}</td>"
            f'<td class="num">{r["violations"]}</td></tr>')
