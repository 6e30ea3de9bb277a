"""Every speed target of issue 13 in one table: today's figure, the target, peak RSS.

    python benchmarks/run_all.py [--quick] [--repeat N] [--only ROW ...] [--season-rounds N]

Each figure is the median over N fresh processes (default 3; --quick: 1, a smaller season for the
memory row). f1nb and FastF1 run side by side in the same run, alternating, and are reported as a
ratio (FastF1 / f1nb). Peak RSS is the measured process's own high-water mark (for `f1nb demo` the
whole command; for the notebook the kernel). Rows:

  demo_fresh     `f1nb demo` from a fresh data folder (F1NB_HOME=<empty dir>): generate, load, build
  demo_again     `f1nb demo` a second time in the same data folder
  notebook       notebooks/01_quickstart.ipynb, Run All in a fresh kernel (clock starts when it is ready)
  lineage        Lake(path).lineage('gold.results') and `%f1 lineage gold.results`, first call in a process
  check / help   `%f1 check` on the demo lake / `%f1 help plot`, first call in a process
  picker         the picker loading the demo race through its button: longest pause of the bar
  baku           real 2018 Baku race, files -> Gold in-process, against FastF1 Session.load(laps=True)
  telemetry      race-size demo (4 Hz car + position data), archive -> Gold in-process (and FastF1)
  import         `import f1nb` + `%load_ext f1nb`
  memory         loading Baku into a lake holding a demo season against into an empty lake
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import run_all_children as child
from bench_fastf1 import BAKU, F1NB_COLD, FASTF1, HERE, REAL_ARCHIVE
from bench_telemetry import F1NB as F1NB_TELEMETRY

REPO = HERE.parent
sys.path.insert(0, str(REPO))  # the f1nb of this checkout, as in the children
ENV = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def run(args: list[str], env: dict | None = None) -> dict:
    """One fresh process; its last stdout line is JSON (if any). Adds wall_s.

    The parent does no heavy work itself (archives and recordings are written by children):
    a process's ru_maxrss starts from its parent's at fork, so a large parent would show up
    as every child's peak. The children report VmHWM, and `f1nb demo` runs from a parent
    that stays small."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env or ENV)
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, args[:4]))}… failed ({proc.returncode}):\n{err[-3000:]}")
    lines = [line for line in out.strip().splitlines() if line.startswith("{")]
    result = json.loads(lines[-1]) if lines else {}
    result["wall_s"] = wall
    return result


def run_tree(args: list[str], env: dict) -> dict:
    """Wall time and peak RSS (the largest process of the tree, from wait4) of a command."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as log:  # not a pipe: a full pipe would block the child's progress bars
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=log, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        log.seek(0)
        err = log.read().decode(errors="replace")
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}):\n{err[-3000:]}")
    return {"seconds": wall, "peak_rss_mb": usage.ru_maxrss / 1024, "stderr": err}


def py(code: str, *args) -> list[str]:
    return [sys.executable, "-c", code, *map(str, args)]


def med(runs: list[dict], key: str = "seconds") -> float:
    return statistics.median(r[key] for r in runs)


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str]] = []

    def add(self, action: str, figure: str, target: str, met: bool | None, peak_mb: float | None) -> None:
        verdict = "" if met is None else ("met" if met else "MISSED")
        self.rows.append((action, figure, target, f"{peak_mb:.0f} MB" if peak_mb else "", verdict))
        print(f"  {action}: {figure}  [{target}] {verdict}", file=sys.stderr, flush=True)

    def markdown(self) -> str:
        head = ("action", "today", "target", "peak RSS", "")
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)


# --- rows -------------------------------------------------------------------------------------------

def row_demo(table: Table, tmp: Path, repeat: int) -> None:
    fresh, again = [], []
    for i in range(repeat):
        home = tmp / f"demo-home{i}"
        env = {**ENV, "F1NB_HOME": str(home)}
        cmd = [sys.executable, "-m", "f1nb", "demo"]
        fresh.append(run_tree(cmd, env))
        again.append(run_tree(cmd, env))
        shutil.rmtree(home, ignore_errors=True)
    a, b = med(fresh), med(again)
    table.add("`f1nb demo`, fresh data folder", f"{a:.1f} s", "≤ 8 s, ≤ 600 MB",
              a <= 8 and med(fresh, "peak_rss_mb") <= 600, med(fresh, "peak_rss_mb"))
    table.add("`f1nb demo`, second time", f"{b:.1f} s", "≤ 3 s", b <= 3, med(again, "peak_rss_mb"))


def row_notebook(table: Table, tmp: Path, repeat: int) -> None:
    runs = []
    for i in range(repeat):
        home = tmp / f"nb-home{i}"
        env = {**ENV, "F1NB_HOME": str(home)}
        runs.append(run(py(child.NOTEBOOK, REPO / "notebooks" / "01_quickstart.ipynb", REPO / "notebooks"), env))
        shutil.rmtree(home, ignore_errors=True)
    a = med(runs)
    table.add("quickstart notebook, Run All (fresh kernel, fresh data folder)", f"{a:.1f} s", "≤ 10 s",
              a <= 10, med(runs, "peak_rss_mb"))


def demo_lake(tmp: Path) -> Path:
    """A lake holding the full demo weekend (built once, not timed)."""
    home = tmp / "lake-home"
    lake = home / "lake.duckdb"
    if not lake.exists():
        run_tree([sys.executable, "-m", "f1nb", "demo"], {**ENV, "F1NB_HOME": str(home)})
    return lake


def row_notebook_actions(table: Table, tmp: Path, repeat: int) -> None:
    lake = demo_lake(tmp)
    api = [run(py(child.LINEAGE_API, lake, "gold.results")) for _ in range(repeat)]
    magic = [run(py(child.MAGIC, lake, "lineage gold.results")) for _ in range(repeat)]
    a, b = med(api), med(magic)
    table.add("`Lake().lineage('gold.results')` / `%f1 lineage gold.results`", f"{a:.2f} s / {b:.2f} s",
              "≤ 0.5 s", max(a, b) <= 0.5, max(med(api, "peak_rss_mb"), med(magic, "peak_rss_mb")))
    check = [run(py(child.MAGIC, lake, "check")) for _ in range(repeat)]
    helps = [run(py(child.MAGIC, lake, "help plot")) for _ in range(repeat)]
    a, b = med(check), med(helps)
    table.add("`%f1 check` / `%f1 help plot`", f"{a:.2f} s / {b:.2f} s", "≤ 1 s / ≤ 0.3 s",
              a <= 1 and b <= 0.3, max(med(check, "peak_rss_mb"), med(helps, "peak_rss_mb")))


def row_picker(table: Table, tmp: Path, repeat: int) -> None:
    runs = []
    for i in range(repeat):
        home = tmp / f"picker-home{i}"
        env = {**ENV, "F1NB_HOME": str(home)}
        runs.append(run(py(child.PICKER, home / "lake.duckdb", "DemoConfig()"), env))
        if not runs[-1]["ok"]:
            raise SystemExit(f"picker did not load the demo: {runs[-1]['status']}")
        shutil.rmtree(home, ignore_errors=True)
    gap, total = med(runs, "max_gap_s"), med(runs)
    table.add("picker, loading the demo (fresh data folder)",
              f"longest pause of the bar {gap:.1f} s ({med(runs, 'moves'):.0f} moves in {total:.1f} s)",
              "bar moves at least once a second", gap <= 1.0, med(runs, "peak_rss_mb"))


def row_baku(table: Table, tmp: Path, repeat: int) -> None:
    folder = REAL_ARCHIVE / BAKU
    if not folder.is_dir():
        table.add("Baku 2018 race, files → Gold vs FastF1", "skipped: no ../shared/realdata", "", None, None)
        return
    rec, meta = tmp / "baku-recording.txt", tmp / "baku-meta.json"
    run(py(child.RECORDING, HERE, folder, rec, meta))  # (in a child: the parent stays small, see `run`)
    ours, theirs = [], []
    for i in range(repeat):
        ours.append(run(py(F1NB_COLD, REAL_ARCHIVE.as_uri() + "/", BAKU, tmp / f"baku{i}.duckdb", tmp / f"bc{i}")))
        theirs.append(run(py(FASTF1, HERE, rec, meta, tmp / f"bff{i}", "0")))
    a, b = med(ours, "load_s"), med(theirs, "load_s")
    table.add("real 2018 Baku race, files → Gold, in-process, vs FastF1 (laps=True, telemetry=False)",
              f"{a:.2f} s vs {b:.2f} s = {b / a:.1f}×", "≥ 6× and ≤ 0.6 s", b / a >= 6 and a <= 0.6,
              med(ours, "peak_rss_mb"))
    print(f"    baku f1nb split: bronze {med(ours, 'bronze_s'):.3f} s, build {med(ours, 'build_s'):.3f} s; "
          f"FastF1 peak {med(theirs, 'peak_rss_mb'):.0f} MB", file=sys.stderr)


def row_telemetry(table: Table, tmp: Path, repeat: int) -> None:
    from f1nb.demo import DemoConfig, demo_session_path

    cfg = DemoConfig(sessions=("Race",))
    archive = tmp / "tel-archive"
    path = demo_session_path(cfg, session="Race")
    rec, meta = tmp / "tel-recording.txt", tmp / "tel-meta.json"
    run(py(child.DEMO_RECORDING, HERE, archive, "DemoConfig(sessions=('Race',))", path, rec, meta))
    ours, theirs = [], []
    for i in range(repeat):
        ours.append(run(py(F1NB_TELEMETRY, archive.resolve().as_uri() + "/", path, tmp / f"tel{i}.duckdb",
                           tmp / f"tc{i}")))
        theirs.append(run(py(FASTF1, HERE, rec, meta, tmp / f"tff{i}", "1")))
        (tmp / f"tel{i}.duckdb").unlink(missing_ok=True)
    a, b, mb = med(ours, "load_s"), med(theirs, "load_s"), med(ours, "peak_rss_mb")
    table.add("race-size demo, 4 Hz car + position data, archive → Gold, in-process, vs FastF1 (telemetry=True)",
              f"{a:.2f} s vs {b:.2f} s = {b / a:.1f}×", "≤ 2.5 s, ≤ 800 MB", a <= 2.5 and mb <= 800, mb)
    print(f"    telemetry f1nb split: bronze {med(ours, 'bronze_s'):.2f} s, silver {med(ours, 'silver_s'):.2f} s, "
          f"gold {med(ours, 'gold_s'):.2f} s", file=sys.stderr)


def row_import(table: Table, tmp: Path, repeat: int) -> None:
    runs = [run(py(child.IMPORT)) for _ in range(max(repeat, 3))]
    a = med(runs)
    table.add("`import f1nb` + `%load_ext f1nb`",
              f"{a:.2f} s ({med(runs, 'import_s'):.2f} + {med(runs, 'load_ext_s'):.2f})", "≤ 0.3 s", a <= 0.3,
              med(runs, "peak_rss_mb"))


def row_memory(table: Table, tmp: Path, repeat: int, rounds: int) -> None:
    if not (REAL_ARCHIVE / BAKU).is_dir():
        table.add("memory: one session into a full lake", "skipped: no ../shared/realdata", "", None, None)
        return
    home = tmp / "season-home"
    env = {**ENV, "F1NB_HOME": str(home)}
    full = home / "lake.duckdb"
    run_tree([sys.executable, "-m", "f1nb", "demo", "--rounds", str(rounds), "--no-telemetry"], env)
    root = REAL_ARCHIVE.as_uri() + "/"
    empty_runs, full_runs = [], []
    for i in range(repeat):
        empty_runs.append(run(py(child.LOAD_INTO, root, BAKU, tmp / f"empty{i}.duckdb", tmp / f"mc{i}")))
        copy = tmp / f"full{i}.duckdb"
        shutil.copy(full, copy)
        full_runs.append(run(py(child.LOAD_INTO, root, BAKU, copy, tmp / f"mc{i}")))
        copy.unlink()
    e, f = med(empty_runs, "peak_rss_mb"), med(full_runs, "peak_rss_mb")
    table.add(f"memory: Baku → Gold into a lake holding {2 * rounds} demo sessions vs an empty lake",
              f"{f:.0f} MB vs {e:.0f} MB; {med(full_runs):.2f} s vs {med(empty_runs):.2f} s",
              "no more than into an empty lake (≤ +10 %)", f <= e * 1.1, f)


ROWS = {
    "demo": row_demo, "notebook": row_notebook, "actions": row_notebook_actions, "picker": row_picker,
    "baku": row_baku, "telemetry": row_telemetry, "import": row_import, "memory": row_memory,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="one run per row and a 4-round season: for iterating")
    ap.add_argument("--repeat", type=int, help="fresh processes per figure (default 3; --quick: 1)")
    ap.add_argument("--only", nargs="+", choices=sorted(ROWS), help="only these rows")
    ap.add_argument("--season-rounds", type=int, help="rounds in the memory row's lake (default 24; --quick: 4)")
    args = ap.parse_args()
    repeat = args.repeat or (1 if args.quick else 3)
    rounds = args.season_rounds or (4 if args.quick else 24)
    tmp = Path(tempfile.mkdtemp(prefix="f1nb-run-all-"))
    table = Table()
    try:
        for name in args.only or ROWS:
            if name == "memory":
                row_memory(table, tmp, repeat, rounds)
            else:
                ROWS[name](table, tmp, repeat)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"python benchmarks/run_all.py{' --quick' if args.quick else ''}: median of {repeat} fresh "
          f"process(es) per figure, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    print()
    print(table.markdown())


if __name__ == "__main__":
    main()
