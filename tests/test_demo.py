"""The demo archive generator: determinism, wire format, real-data key structure, physics, traps."""

from __future__ import annotations

import hashlib
import json
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import orjson
import pytest

from f1nb.decode.jsonstream import BOM, parse_jsonstream
from f1nb.decode.zpayload import payload_json  # `.z` payloads are kept as received
from f1nb.demo import DEMO_YEAR, DemoConfig, demo_session_path, write_demo_archive
from f1nb.errors import F1nbError

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
SMALL = DemoConfig(seed=7, drivers=6, race_laps=6, quali_minutes=(9.0, 8.0, 7.0))


@pytest.fixture(scope="module")
def small_tree(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("demo_small")
    write_demo_archive(root, SMALL)
    return root


def _tree_hash(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _messages(folder: Path, topic: str) -> list[tuple[int, object]]:
    msgs, rejects = parse_jsonstream(topic, (folder / f"{topic}.jsonStream").read_bytes())
    assert rejects == []
    return [(m.offset_ms, orjson.loads(payload_json(m.payload))) for m in msgs]


def _session(root: Path, cfg: DemoConfig, name: str) -> Path:
    return root / demo_session_path(cfg, 1, name)


# ---------------------------------------------------------------- determinism / layout

def test_same_seed_same_bytes_different_seed_differs(tmp_path):
    cfg = DemoConfig(seed=11, drivers=4, race_laps=4, quali_minutes=(8.0, 8.0, 8.0), sample_hz=2.0)
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    write_demo_archive(a, cfg)
    write_demo_archive(b, cfg)
    write_demo_archive(c, DemoConfig(seed=12, drivers=4, race_laps=4, quali_minutes=(8.0, 8.0, 8.0), sample_hz=2.0))
    ha, hb, hc = _tree_hash(a), _tree_hash(b), _tree_hash(c)
    assert ha == hb and len(ha) > 50
    assert ha.keys() == hc.keys()
    assert sum(ha[k] != hc[k] for k in ha) > 20


def test_season_index_and_session_index(small_tree):
    body = (small_tree / str(DEMO_YEAR) / "Index.json").read_bytes()
    assert body.startswith(BOM.encode())
    season = json.loads(body.decode("utf-8")[1:])
    assert season["Year"] == DEMO_YEAR
    (meeting,) = season["Meetings"]
    assert meeting["Name"] == "f1nb Demo Grand Prix" and meeting["Key"] == 9001 and meeting["Number"] == 1
    assert set(meeting) >= {"Sessions", "Key", "Code", "Number", "Location", "OfficialName", "Name", "Country", "Circuit"}
    keys = [s["Key"] for s in meeting["Sessions"]]
    assert keys == [90010, 90011]
    for s in meeting["Sessions"]:
        assert set(s) == {"Key", "Type", "Name", "StartDate", "EndDate", "GmtOffset", "Path"}
        assert s["Path"] == demo_session_path(SMALL, 1, s["Name"])
        idx = (small_tree / s["Path"] / "Index.json").read_bytes()
        assert idx.startswith(BOM.encode())
        feeds = json.loads(idx.decode()[1:])["Feeds"]
        for topic, f in feeds.items():
            assert (small_tree / s["Path"] / f["StreamPath"]).is_file()
            assert (small_tree / s["Path"] / f["KeyFramePath"]).is_file()
        assert {"CarData.z", "Position.z", "TimingData", "Heartbeat", "WeatherData"} <= set(feeds)
        assert ("LapCount" in feeds) == (s["Name"] == "Race")


def test_rounds_have_unique_keys_and_names(tmp_path):
    cfg = DemoConfig(rounds=3, drivers=3, race_laps=3, telemetry=False, quali_minutes=(8.0, 8.0, 8.0))
    written = write_demo_archive(tmp_path, cfg)
    assert len(written) == 6
    assert len({w.session_key for w in written}) == 6
    assert len({w.meeting_name for w in written}) == 3
    assert len({w.path for w in written}) == 6
    tracks = {(tmp_path / w.path / "Index.json").exists() for w in written}
    assert tracks == {True}


# ---------------------------------------------------------------- wire format

def test_files_bom_crlf_monotonic_and_z_shapes(small_tree):
    for name in ("Qualifying", "Race"):
        folder = _session(small_tree, SMALL, name)
        for f in folder.glob("*.jsonStream"):
            raw = f.read_bytes()
            assert raw.startswith(BOM.encode()), f
            assert raw.endswith(b"\r\n") and raw.count(b"\n") == raw.count(b"\r\n"), f
            offsets = [m[0] for m in _messages(folder, f.name[: -len(".jsonStream")])]
            assert offsets == sorted(offsets), f
        for kf in folder.glob("*.json"):
            assert kf.read_bytes().startswith(BOM.encode())
        car = _messages(folder, "CarData.z")
        first = car[0][1]
        assert set(first) == {"Entries"} and len(first["Entries"]) >= 2
        entry = first["Entries"][0]
        assert entry["Utc"].endswith("Z") and len(entry["Utc"].split(".")[1]) == 8  # 7 digits + Z
        ch = next(iter(entry["Cars"].values()))["Channels"]
        assert set(ch) == {"0", "2", "3", "4", "5", "45"} and all(isinstance(v, int) for v in ch.values())
        pos = _messages(folder, "Position.z")[0][1]
        p = pos["Position"][0]
        assert set(p) == {"Timestamp", "Entries"}
        e = next(iter(p["Entries"].values()))
        assert set(e) == {"Status", "X", "Y", "Z"} and e["Status"] in ("OnTrack", "OffTrack")
        assert all(isinstance(e[k], int) for k in "XYZ")
        raw_line = (folder / "CarData.z.jsonStream").read_bytes().split(b"\r\n")[0]
        assert raw_line[3 + 12:3 + 13] == b'"'  # a quoted base64 string
        hb = _messages(folder, "Heartbeat")
        assert hb[0][1]["_kf"] is True and len(hb[0][1]["Utc"]) == len("2024-07-05T11:50:40.1747817Z")
        gaps = np.diff([m[0] for m in hb])
        assert 4500 <= gaps.min() and gaps.max() <= 5500


# ---------------------------------------------------------------- key structure vs real F1 data

def _walk(value, prefix, out):
    if isinstance(value, dict):
        for k, v in value.items():
            _walk(v, prefix + ("#" if k.isdigit() else k,), out)
    elif isinstance(value, list):
        for v in value:
            _walk(v, prefix + ("#",), out)
    else:
        out[".".join(prefix)].add(type(value).__name__)


def _real_paths() -> dict[str, dict[str, set]]:
    if not REALDATA.is_dir():
        pytest.skip(f"real data not present at {REALDATA}: cannot compare key structure")
    real: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for f in sorted((REALDATA / "archive").rglob("*.jsonStream")):
        topic = f.name[: -len(".jsonStream")]
        for m in parse_jsonstream(topic, f.read_bytes())[0]:
            _walk(orjson.loads(payload_json(m.payload)), (), real[topic])
    live = REALDATA / "live" / "2024_Silverstone_Practice_1"
    if live.is_dir():
        for topic, value in json.loads((live / "subscribe.txt").read_text()).items():
            _walk(value, (), real[topic])
        for line in (live / "live.txt").read_text().splitlines():
            rec = json.loads(line)
            _walk(rec["Json"], (), real[rec["Type"]])
    return real


def test_key_paths_and_types_match_real_data(small_tree):
    real = _real_paths()
    compared = set()
    for name in ("Qualifying", "Race"):
        folder = _session(small_tree, SMALL, name)
        for f in sorted(folder.glob("*.jsonStream")):
            topic = f.name[: -len(".jsonStream")]
            if topic not in real:
                continue
            demo: dict[str, set] = defaultdict(set)
            for _, value in _messages(folder, topic):
                _walk(value, (), demo)
            extra = sorted(set(demo) - set(real[topic]))
            assert not extra, f"{name} {topic}: key paths F1 never sends: {extra}"
            wrong = {k: (demo[k], real[topic][k]) for k in demo if not demo[k] <= real[topic][k]}
            assert not wrong, f"{name} {topic}: value types differ from real data: {wrong}"
            compared.add(topic)
    assert {"TimingData", "TimingAppData", "DriverList", "RaceControlMessages", "SessionInfo",
            "TrackStatus", "SessionStatus", "LapCount", "WeatherData"} <= compared


def test_sessions_written_by_worker_processes_are_the_same_bytes(tmp_path):
    """The season's sessions are shared out to fresh processes; the tree must not depend on how."""
    cfg = DemoConfig(seed=5, drivers=4, race_laps=4, rounds=2, quali_minutes=(8.0, 8.0, 8.0), sample_hz=2.0)
    one = write_demo_archive(tmp_path / "one", cfg, workers=1)
    three = write_demo_archive(tmp_path / "three", cfg, workers=3)
    assert _tree_hash(tmp_path / "one") == _tree_hash(tmp_path / "three")
    assert [(s.round, s.session_name, s.topics) for s in one] == [(s.round, s.session_name, s.topics) for s in three]
    assert [s.directory.relative_to(tmp_path / "three") for s in three] == [
        s.directory.relative_to(tmp_path / "one") for s in one]


def test_a_failing_worker_process_is_one_clear_error(tmp_path):
    from f1nb.demo.workers import write_on_workers

    cfg = DemoConfig(drivers=4, race_laps=4, quali_minutes=(8.0, 8.0, 8.0), sample_hz=2.0)
    seen = []
    with pytest.raises(F1nbError, match="writing the demo archive failed in a worker process: StopIteration"):
        write_on_workers(tmp_path, cfg, [(1, "Qualifying"), (1, "Sprint")], 2, lambda done, text: None, seen.append)
    assert [s.session_name for s in seen] in ([], ["Qualifying"])  # whichever ended first


def test_each_session_is_handed_over_complete_while_the_others_are_written(tmp_path):
    """`on_written` gets a session once all its files are on disk (a caller loads it there, while
    the other workers write theirs), with the season index already written; the tree and the
    sessions returned are those of a plain write."""
    cfg = DemoConfig(seed=5, drivers=4, race_laps=4, rounds=2, quali_minutes=(8.0, 8.0, 8.0), sample_hz=2.0)
    seen, steps = [], []

    def on_written(session):
        index = orjson.loads((session.directory / "Index.json").read_bytes().decode("utf-8-sig"))
        files = {name for feed in index["Feeds"].values() for name in feed.values()}
        assert files == {p.name for p in session.directory.iterdir()} - {"Index.json"}
        assert set(session.topics) == set(index["Feeds"])
        assert (tmp_path / "piped" / str(cfg.year) / "Index.json").is_file()
        seen.append((session.round, session.session_name, _tree_hash(session.directory)))

    written = write_demo_archive(tmp_path / "piped", cfg, lambda done, text: steps.append(done),
                                 workers=2, on_written=on_written)
    write_demo_archive(tmp_path / "plain", cfg, workers=1)
    assert _tree_hash(tmp_path / "piped") == _tree_hash(tmp_path / "plain")
    assert sorted((r, n) for r, n, _ in seen) == [(s.round, s.session_name) for s in written] == [
        (1, "Qualifying"), (1, "Race"), (2, "Qualifying"), (2, "Race")]
    assert all(digest == _tree_hash(tmp_path / "piped" / next(s.path for s in written if (s.round, s.session_name) == (r, n)))
               for r, n, digest in seen)  # handed over complete: nothing changed after
    assert steps and max(steps) <= 1.0


def test_writers_started_before_the_lake_write_the_same_tree_and_stop_when_left(tmp_path, monkeypatch):
    """`f1nb demo` starts the tree's writers before it opens the lake (`writers_started`);
    `demo_tree(started=)` collects them into the tree a plain write makes. Left before
    collecting (say the lake would not open), they are stopped, and the tree, left without
    its completion mark, is made again next time."""
    import f1nb.demo.workers as workers
    from f1nb.demo.tree import demo_tree, writers_started

    monkeypatch.setattr(workers, "worker_count", lambda jobs: 2)  # as on the 2-core machine of CI
    cfg = DemoConfig(seed=5, drivers=4, race_laps=4, quali_minutes=(8.0, 8.0, 8.0), sample_hz=2.0)
    out, seen = tmp_path / "started", []
    with writers_started(cfg, out) as writers:
        assert writers is not None and all(proc.poll() is None for proc in writers.procs)
        procs = list(writers.procs)
    assert all(proc.returncode is not None for proc in procs)  # stopped on leaving
    assert not (out / ".f1nb-demo-complete").exists()
    with writers_started(cfg, out) as writers:
        assert writers is not None  # the incomplete tree is made again
        demo_tree(cfg, out, on_written=lambda session: seen.append(session.session_name), started=writers)
    write_demo_archive(tmp_path / "plain", cfg, workers=1)
    assert _tree_hash(out) == {**_tree_hash(tmp_path / "plain"), ".f1nb-demo-complete": _tree_hash(out)[".f1nb-demo-complete"]}
    assert sorted(seen) == ["Qualifying", "Race"]
    with writers_started(cfg, out) as writers:
        assert writers is None  # complete: nothing to write
