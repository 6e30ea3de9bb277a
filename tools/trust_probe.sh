#!/usr/bin/env bash
# Issue 12 data-loss probes against the checkout in $1 (put on PYTHONPATH), one line per probe:
#   tools/trust_probe.sh /path/to/checkout   (e.g. a `git worktree add /tmp/old 06bd4ab` for the before column)
set -u
export PYTHONPATH=$1
W=$(mktemp -d); cd $W
export F1NB_HOME=$W/home
python - <<'PY' 2>/dev/null
from f1nb.demo import DemoConfig, write_demo_archive
write_demo_archive("tree", DemoConfig(drivers=6, race_laps=6, quali_minutes=(6.0, 5.0, 4.0)))
PY
URL="file://$W/tree/"
f1nb --lake l.duckdb --archive-url $URL -q load 2099 demo R >/dev/null 2>&1
python - <<PY 2>&1 | tail -1
from f1nb.lake.lake import Lake
from f1nb.archive.client import ArchiveClient
from f1nb.session import Session
lake = Lake("l.duckdb"); c = ArchiveClient(base_url="$URL", progress=False)
s = Session(c.find(2099, "demo", "R"), lake, c)
topics = lambda: lake.raw.execute("SELECT count(DISTINCT topic) FROM bronze.messages").fetchone()[0]
t0 = topics(); s.load_data(topics=["TimingData"], force=True)
print(f"topic subset reload: topics {t0} -> {topics()}, silver.drivers rows {lake.raw.execute('SELECT count(*) FROM silver.drivers').fetchone()[0]}")
PY
f1nb --lake $W/typo/lake.duckdb tables >/dev/null 2>e.txt; echo "tables on a mistyped lake: exit $?, created: $(test -e $W/typo && echo yes || echo no), $(head -c 90 e.txt)"
echo hi > notes.txt; f1nb --lake notes.txt tables >/dev/null 2>e.txt; echo "tables on a text file: exit $?, $(head -c 120 e.txt)"
f1nb --lake l.duckdb sql "DROP TABLE silver.laps" >/dev/null 2>e.txt; echo "sql DROP TABLE silver.laps: exit $?, silver.laps still there: $(f1nb --lake l.duckdb sql 'SELECT count(*) AS n FROM silver.laps' --format csv 2>/dev/null | tail -1 || echo no)"
mkdir -p ghost/2031; printf '\xef\xbb\xbf{"Year":2031,"Meetings":[{"Key":1,"Name":"Ghost Grand Prix","Location":"X","Number":1,"Country":{"Name":"X"},"Circuit":{"ShortName":"X"},"Sessions":[{"Key":77001,"Type":"Race","Name":"Race","StartDate":"2031-03-02T15:00:00","EndDate":"2031-03-02T17:00:00","GmtOffset":"00:00:00","Path":"2031/G/R/"}]}]}' > ghost/2031/Index.json
f1nb --lake g.duckdb --archive-url file://$W/ghost/ -q load 2031 Ghost R >/dev/null 2>e.txt; echo "all feeds 404: exit $?, sessions stored: $(f1nb --lake g.duckdb sql 'SELECT count(*) AS n FROM bronze.sessions' --format csv 2>/dev/null | tail -1)"
rm -rf $W
