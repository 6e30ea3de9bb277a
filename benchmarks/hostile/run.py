"""Hostile inputs (issue 17): run each case in a fresh process and print a table of outcomes.

    python benchmarks/hostile/run.py                 # the code of this checkout
    python benchmarks/hostile/run.py --code DIR      # another checkout (e.g. the commit before the fixes)
    python benchmarks/hostile/run.py --only merge    # cases whose name contains "merge"

Outcome: `crash` (a traceback), `hang` (killed after --timeout s), `error` (one line, exit != 0),
`ok` (exit 0). `rejects` is the load's count of rejected lines; RSS is the process's peak.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from cases import all_cases  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def run_case(case, code: Path, timeout: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="f1nb-hostile-") as tmp:
        tmp = Path(tmp)
        argv, cleanup = case.setup(tmp)
        env = dict(os.environ, PYTHONPATH=str(code), F1NB_CACHE=str(tmp / "cache"), F1NB_LAKE=str(tmp / "l.duckdb"))
        started = time.monotonic()
        with open(tmp / "out", "wb") as fo, open(tmp / "err", "wb") as fe:
            proc = subprocess.Popen(argv, cwd=tmp, env=env, stdout=fo, stderr=fe, stdin=subprocess.DEVNULL)
        watchdog = threading.Timer(timeout, proc.kill)
        watchdog.start()
        _, status, usage = os.wait4(proc.pid, 0)  # the child's own peak RSS
        watchdog.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        hung = proc.returncode == -9
        out, err = (tmp / "out").read_bytes(), (tmp / "err").read_bytes()
        seconds = time.monotonic() - started
        if cleanup:
            cleanup()
        text = (out + err).decode("utf-8", "replace")
        outside = case.outside(tmp) if case.outside else False
    rejects = ""
    for token in text.split(","):
        if "rejected lines" in token:
            rejects = token.split()[0]
    lines = err.decode("utf-8", "replace").splitlines() + out.decode("utf-8", "replace").splitlines()
    notes = [ln[6:] for ln in lines if ln.startswith("NOTE: ")]  # what the case's own script observed
    last = next((ln for ln in reversed(err.decode("utf-8", "replace").splitlines())
                 if ln.strip() and not ln.startswith("NOTE: ")), "")
    if not last:
        last = next((ln for ln in reversed(out.decode("utf-8", "replace").splitlines())
                     if ln.strip() and not ln.startswith("NOTE: ")), "")
    if hung:
        outcome = "hang"
    elif "Traceback" in text:
        outcome = "crash"
    elif proc.returncode:
        outcome = "error"
    else:
        outcome = "ok"
    if case.check and outcome != "hang":
        outcome += case.check(text)
    if outside:
        outcome += ", WROTE OUTSIDE"
    for note in notes:
        outcome += ", " + note
    return {"outcome": outcome, "rc": proc.returncode, "rejects": rejects, "s": seconds, "last": last[:110],
            "rss_mb": usage.ru_maxrss / 1024}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--code", default=str(ROOT), help="checkout whose f1nb runs (default: this one)")
    ap.add_argument("--only", default="")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--show-commands", action="store_true")
    args = ap.parse_args()
    code = Path(args.code).resolve()
    print(f"code: {code}\n")
    print("| item | input | outcome | rejects | peak RSS MB | s | last line |")
    print("|---|---|---|---|---|---|---|")
    for case in all_cases():
        if args.only and (str(case.item) != args.only if args.only.isdigit() else args.only not in case.name):
            continue
        r = run_case(case, code, args.timeout)
        rss = f"{r['rss_mb']:.0f}"
        last = r["last"].replace("|", "/")
        print(f"| {case.item} | {case.name} | {r['outcome']} | {r['rejects']} | {rss} | {r['s']:.1f} | {last} |",
              flush=True)
        if args.show_commands:
            print("   ", case.describe)


if __name__ == "__main__":
    main()
