"""`%f1 lineage TABLE --sql`: each model's SQL folded in a `<details>` block, so a
deep table's 900 lines of SQL do not flood the notebook. Plain text (a terminal,
`print`) is the table's own SQL."""

from __future__ import annotations

import html


class ModelSql:
    """The SQL of `table` and of every model upstream of it, one foldable block each."""

    def __init__(self, lake, table: str):
        lineage = lake.lineage(table)
        self.table = lineage.table
        models = [n for n in lineage.tables if n.split(".")[0] in ("silver", "gold")]
        self.sql = {n: lake.sql_of(n) for n in [self.table] + [n for n in models if n != self.table]}

    def __repr__(self) -> str:
        return self.sql[self.table]

    def _repr_html_(self) -> str:
        blocks = []
        for i, (name, sql) in enumerate(self.sql.items()):
            lines = sql.count("\n") + 1
            label = "" if i else " (this table)"
            blocks.append(f"<details class='f1nb-sql'><summary><code>{html.escape(name)}</code>{label} — "
                          f"{lines} lines of SQL</summary><pre style='max-height:480px;overflow:auto'>"
                          f"{html.escape(sql)}</pre></details>")
        return (f"<div class='f1nb-sql-list'><div>SQL of <code>{html.escape(self.table)}</code> and the "
                f"{len(self.sql) - 1} models it reads (click to open)</div>{''.join(blocks)}</div>")
