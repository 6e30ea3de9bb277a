"""The engine that runs the models: collects them (`registry`), compiles them
once to a SQL plan (`compiled`, shipped as `compiled_models.json`), runs the
plan on DuckDB (`duckdb_build`) or the models on Spark (`spark`), and answers
lineage from the plan (`lineage`).

Above the layers and below the lake: `Lake.build`, `Lake.check` and
`Lake.lineage` call it with the lake, and it never imports `f1nb.lake`.
Submodules are imported where used: a build from the plan never imports Ibis.
"""
