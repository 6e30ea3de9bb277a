"""Issue 14's display figures on a 20-car demo race (no telemetry; LAPS=57 by default): lines
drawn by the default lap-time chart, driver labels over the position chart's axis numbers,
the best-lap gap plot's axis label on a race, the results display, grey compounds, the
lineage tree's connectors, the names a bad driver's error lists, and silver's lap columns.
One line per figure. For the before figures run it with PYTHONPATH at an older checkout
(`git archive a9c50db | tar -x -C /tmp/old; cd /tmp/old; PYTHONPATH=/tmp/old python
/path/to/benchmarks/issue14_display.py`)."""
import os, re, sys, tempfile
import matplotlib; matplotlib.use("Agg")
from matplotlib.backends.backend_agg import FigureCanvasAgg
from IPython.core.interactiveshell import InteractiveShell
sh = InteractiveShell.instance()
import f1nb
from f1nb import plots
from f1nb.demo import DemoConfig
from f1nb.lake.lake import Lake
home = tempfile.mkdtemp(); os.environ["F1NB_HOME"] = home
cfg = DemoConfig(drivers=20, race_laps=int(os.environ.get("LAPS", "57")), quali_minutes=(4.0, 3.0, 3.0), telemetry=False)
lake = Lake(os.path.join(home, "lake.duckdb"))
race = f1nb.demo_session("Race", lake=lake, config=cfg)
laps = race.get_laps(); best = laps[laps.lap_time_s.notna() & ~laps.deleted].lap_time_s.min()
ax = plots.lap_times(race).axes[0]
lines = [l for l in ax.get_lines() if len(l.get_xdata())]
import numpy as np
ymax = max(np.nanmax(np.asarray(l.get_ydata(), float)) for l in lines)
labels = [h.get_label() for h in (ax.get_legend().legend_handles if hasattr(ax.get_legend(), "legend_handles") else [])]
print(f"2 lap chart, no drivers: {len(lines)} drivers drawn; highest lap drawn {ymax / best:.2f}x the fastest; "
      f"band in legend: {'Safety car' in labels}")
fig = plots.position_changes(race); c = FigureCanvasAgg(fig); c.draw(); r = c.get_renderer(); ax = fig.axes[0]
ticks = [t.get_window_extent(r) for t in ax.get_yticklabels() if t.get_text()]
names = set(race.get_drivers().abbreviation)
texts = [t.get_window_extent(r) for t in ax.texts if t.get_text() in names]
print(f"3 position chart: {sum(any(a.overlaps(b) for b in ticks) for a in texts)} driver labels over the axis numbers")
print(f"4 quali_gaps on a race: x label {plots.quali_gaps(race).axes[0].get_xlabel()!r}")
html = sh.display_formatter.format(race.get_results())[0]["text/html"].replace("<wbr>", "")
heads = re.findall(r"<th>([^<]*)</th>", html)
tt = race.get_results().total_time_s.iloc[0]
m, s = divmod(tt, 60); shown = f"{int(m)}:{s:06.3f}" in html or f"{int(m//60)}:{int(m%60):02d}:{s:06.3f}" in html
print(f"5 results display: {len(heads)} columns shown of {len(race.get_results().columns)}; winner's time as m:ss.mmm: {shown}; "
      f"points shown as '25.0': {'25.0' in html}")
from f1nb.plots.common import COMPOUND_COLOURS
grey = COMPOUND_COLOURS["UNKNOWN"]
names = ["HYPERSOFT", "ULTRASOFT", "SUPERSOFT", "SOFT", "MEDIUM", "HARD", "SUPERHARD", "INTERMEDIATE", "WET", "TEST_UNKNOWN"]
print(f"8 compound names coloured grey: {sum(COMPOUND_COLOURS.get(n, grey) == grey for n in names)} of {len(names)}")
text = lake.lineage("gold.results").to_text()
sql = lake.sql_of("gold.results")
print(f"9 lineage tree: {text.count('├─')} '├─' connectors; gold.results SQL {len(sql.splitlines())} lines")
try:
    race.driver_number("XXX")
except Exception as e:
    print(f"11 bad driver error lists {len(str(e).split('drivers: ')[1].split(', '))} names (RES among them: {'RES' in str(e)})")
cols = lake.raw.execute("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema='silver' AND column_name IN ('lap','abbreviation','team_name') AND table_name IN ('laps','pit_stops','race_control_messages') ORDER BY 1,2").fetchall()
print(f"12 silver columns named lap/abbreviation/team_name: {cols}")
