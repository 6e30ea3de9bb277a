"""The child programs `run_all.py` runs, each in a fresh process. Each prints one JSON line last;
`peak_rss_mb` is the child's own high-water mark (VmHWM: getrusage's ru_maxrss would carry over
the parent's at fork)."""

from __future__ import annotations

HWM = r"""
def hwm_mb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024
"""

# `import f1nb` alone, then %load_ext in a shell made before the clock starts: IPython's own import and
# shell creation are the notebook's, not f1nb's.
IMPORT = HWM + r"""
import json, resource, time
from IPython.core.interactiveshell import InteractiveShell
ip = InteractiveShell.instance()
t0 = time.perf_counter()
import f1nb
t1 = time.perf_counter()
ip.run_line_magic("load_ext", "f1nb")
t2 = time.perf_counter()
print(json.dumps({"seconds": t2 - t0, "import_s": t1 - t0, "load_ext_s": t2 - t1,
                  "peak_rss_mb": hwm_mb()}))
"""

# One notebook action, timed from a fresh kernel-like shell that already has the extension loaded and the
# lake chosen (as a user's notebook would): the first call in the process, lazy imports included.
MAGIC = HWM + r"""
import contextlib, io, json, resource, sys, time
from IPython.core.interactiveshell import InteractiveShell
lake_file, line = sys.argv[1], sys.argv[2]
ip = InteractiveShell.instance()
ip.run_line_magic("load_ext", "f1nb")
with contextlib.redirect_stdout(io.StringIO()):
    ip.run_line_magic("f1", "backend " + lake_file)
out = io.StringIO()
t0 = time.perf_counter()
with contextlib.redirect_stdout(out):
    result = ip.run_line_magic("f1", line)
    if result is not None:
        ip.display_formatter.format(result)
t1 = time.perf_counter()
text = out.getvalue() + (str(result) if result is not None else "")
print(json.dumps({"seconds": t1 - t0, "chars": len(text), "head": text[:120],
                  "peak_rss_mb": hwm_mb()}))
"""

LINEAGE_API = HWM + r"""
import json, resource, sys, time
from f1nb.lake.lake import Lake
lake = Lake(sys.argv[1])
t0 = time.perf_counter()
text = str(lake.lineage(sys.argv[2]))
t1 = time.perf_counter()
print(json.dumps({"seconds": t1 - t0, "lines": len(text.splitlines()),
                  "peak_rss_mb": hwm_mb()}))
"""

# The picker loading the demo through its real button; every change of the bar's value is timed.
PICKER = HWM + r"""
import json, os, resource, sys, threading, time
from f1nb.demo import DemoConfig
from f1nb.lake.lake import Lake
from f1nb.notebook.widgets import SessionPicker, DEMO
lake = Lake(sys.argv[1])
picker = SessionPicker(lake=lake, offline=True, demo_config=eval(sys.argv[2], {"DemoConfig": DemoConfig}))
picker.season_select.value = DEMO
picker.session_select.value = "Race"
stamps = []
picker.progress.observe(lambda ch: stamps.append((time.perf_counter(), ch["new"])), "value")
t0 = time.perf_counter()
picker.load_button.click()
t1 = time.perf_counter()
times = [t0] + [t for t, _ in stamps] + [t1]
gaps = [b - a for a, b in zip(times, times[1:])]
print(json.dumps({"seconds": t1 - t0, "max_gap_s": max(gaps), "moves": len(stamps),
                  "ok": picker.session is not None, "status": picker.status.value[-120:],
                  "peak_rss_mb": hwm_mb()}))
"""

# Run All of a notebook in a fresh kernel: the clock starts when the kernel is ready; peak RSS is the
# kernel's (VmHWM read before it shuts down).
NOTEBOOK = HWM + r"""
import json, sys, time
import nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}})
with client.setup_kernel():
    t0 = time.perf_counter()
    for index, cell in enumerate(nb.cells):
        client.execute_cell(cell, index)
    t1 = time.perf_counter()
    pid = client.km.provisioner.process.pid
    hwm = [l for l in open(f"/proc/{pid}/status") if l.startswith("VmHWM")][0].split()[1]
print(json.dumps({"seconds": t1 - t0, "peak_rss_mb": int(hwm) / 1024, "cells": len(nb.cells)}))
"""

# Loading one session into a given lake (empty, or holding a season): time and peak RSS.
LOAD_INTO = HWM + r"""
import json, resource, sys, time
from f1nb.archive.client import ArchiveClient
from f1nb.bronze.load import load_archive_session
from f1nb.lake.lake import Lake
root, path, lake_file, cache = sys.argv[1:5]
t0 = time.perf_counter()
client = ArchiveClient(base_url=root, cache_dir=cache, progress=False)
lake = Lake(lake_file)
report = load_archive_session(lake, client, client.session_from_path(path))
lake.build([report.session_key])
t1 = time.perf_counter()
lake.close()
print(json.dumps({"seconds": t1 - t0, "peak_rss_mb": hwm_mb()}))
"""

# Untimed preparation, in a child so the parent stays small: FastF1's recording of an archive session.
RECORDING = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from fastf1_recording import write_recording
folder, rec, meta = sys.argv[2:5]
open(meta, "w").write(json.dumps(write_recording(__import__("pathlib").Path(folder), rec)))
"""

# Untimed: a demo archive (config given as Python) and FastF1's recording of one of its sessions.
DEMO_RECORDING = r"""
import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from fastf1_recording import write_recording
from f1nb.demo import DemoConfig, write_demo_archive
archive, cfg, path, rec, meta = sys.argv[2:7]
write_demo_archive(Path(archive), eval(cfg, {"DemoConfig": DemoConfig}))
open(meta, "w").write(json.dumps(write_recording(Path(archive) / path, rec)))
"""
