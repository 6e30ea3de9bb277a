"""Many sessions in one job, over HTTP: the next session downloads while this one is written
(ingest's `download_ahead`), with the same lake as one after the other, nothing lost or left
running when a download or a write fails; `f1nb load YEAR [MEETING]`."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading

import orjson
import pytest

import f1nb.bronze.load as bronze_load
from f1nb.archive.client import ArchiveClient
from f1nb.archive.serve import ArchiveServer
from f1nb.cli import main
from f1nb.demo import DemoConfig
from f1nb.errors import DownloadError, SessionNotAvailable, SessionSkipped
from f1nb.ingest import ArchiveSession, ingest
from f1nb.lake.lake import Lake
from f1nb.season import Season

from .conftest import REPO, SMALL_DEMO
from .test_live_replay import wait_until

SMALL = DemoConfig(**SMALL_DEMO)  # the demo_tree fixture's: its Qualifying, then its Race
WRITE_SOURCE = bronze_load.write_source


def watch_writes(monkeypatch, on_write) -> list[int]:
    """Call `on_write(session_key)` as each session's Bronze write starts; the keys written, in order."""
    written: list[int] = []

    def write_source(lake, src, topics=None):
        on_write(src.session_key)
        written.append(src.session_key)
        return WRITE_SOURCE(lake, src, topics=topics)

    monkeypatch.setattr(bronze_load, "write_source", write_source)
    return written


def race_requested(server: ArchiveServer, race_path: str) -> bool:
    return any(path.startswith("/" + race_path) for path in list(server.requests))


def test_season_load_downloads_the_next_session_while_writing_and_equals_one_after_another(
        demo_tree, tmp_path, monkeypatch):
    seen: dict[str, bool] = {}
    with ArchiveServer(demo_tree) as server:
        with ArchiveClient(base_url=server.url, cache_dir=tmp_path / "index-cache", progress=False) as client:
            refs = client.season(SMALL.year)
        assert [r.session_name for r in refs] == ["Qualifying", "Race"]
        race = refs[1]

        # ahead (Season.load, the user's way in): the race's files are asked for while the qualifying
        # is written; waiting for that request here would hang if they were fetched only afterwards
        def ahead(key: int) -> None:
            if key == refs[0].session_key:
                seen["ahead"] = wait_until(lambda: race_requested(server, race.path), timeout=120)

        written = watch_writes(monkeypatch, ahead)
        season = Season(SMALL.year, tmp_path / "ahead.duckdb", archive_url=server.url)
        loads = season.load(progress=False)
        season.lake.close()
        assert seen["ahead"], "the race was not requested while the qualifying was written"
        assert [load.session_key for load in loads] == written == [r.session_key for r in refs]

        # one after the other: no request for the race before the qualifying is in the lake
        server.clear_requests()
        written = watch_writes(monkeypatch, lambda key: seen.setdefault("sequential", race_requested(server, race.path)))
        with Lake(tmp_path / "sequential.duckdb") as lake, \
                ArchiveClient(base_url=server.url, cache_dir=tmp_path / "cache2", progress=False) as client:
            report = ingest([ArchiveSession(ref, client) for ref in refs], lake, download_ahead=False)
        assert seen["sequential"] is False
        assert report.session_keys == written == [r.session_key for r in refs] and report.built is not None

    same = subprocess.run([sys.executable, str(REPO / "tools" / "compare_lakes.py"), str(tmp_path / "ahead.duckdb"),
                           str(tmp_path / "sequential.duckdb")], capture_output=True, text=True, check=False)
    assert same.returncode == 0, same.stdout[-3000:] + same.stderr[-2000:]
    assert "silver.laps" in same.stdout and "gold.results" in same.stdout  # every layer was compared


def test_a_watched_load_of_many_sessions_still_downloads_ahead_and_reports_each(demo_tree, tmp_path, monkeypatch):
    heard: list[tuple[float, str]] = []
    seen: dict[int, bool] = {}
    with ArchiveServer(demo_tree) as server, Lake(tmp_path / "lake.duckdb") as lake, \
            ArchiveClient(base_url=server.url, cache_dir=tmp_path / "cache", progress=False) as client:
        refs = client.season(SMALL.year)

        def first_waits_for_race(key: int) -> None:
            if key == refs[0].session_key:
                seen[key] = wait_until(lambda: race_requested(server, refs[1].path), timeout=120)

        watch_writes(monkeypatch, first_waits_for_race)
        ingest([ArchiveSession(ref, client) for ref in refs], lake, report=lambda done, text: heard.append((done, text)))
    assert seen == {refs[0].session_key: True}
    assert [text for _, text in heard if text.startswith("loading")] == [f"loading {r.label} into Bronze" for r in refs]
    done = [fraction for fraction, _ in heard]
    assert done == sorted(done) and done[-1] > 0.99  # never backwards, to the end of the build


def download_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("f1nb-download")]


def test_a_failed_download_ahead_keeps_the_sessions_written_before_it(demo_tree, tmp_path):
    with ArchiveServer(demo_tree) as server, Lake(tmp_path / "lake.duckdb") as lake, \
            ArchiveClient(base_url=server.url, cache_dir=tmp_path / "cache", progress=False,
                          retries=1, backoff=0.01) as client:
        qualifying, race = client.season(SMALL.year)
        server.add_faults(race.path + "TimingData.jsonStream", ["500"] * 10)
        with pytest.raises(DownloadError, match="TimingData"):
            ingest([ArchiveSession(qualifying, client), ArchiveSession(race, client)], lake)
        assert download_threads() == []
        held = dict(lake.raw.execute("SELECT session_key, count(*) FROM bronze.messages GROUP BY ALL").fetchall())
        assert set(held) == {qualifying.session_key} and held[qualifying.session_key] > 0
        assert not lake.columns("silver", "laps")  # a failed job builds nothing; a re-run loads and builds


def test_a_failed_write_waits_for_the_download_under_way_and_leaves_the_lake_as_it_was(
        demo_tree, tmp_path, monkeypatch):
    with ArchiveServer(demo_tree) as server, Lake(tmp_path / "lake.duckdb") as lake, \
            ArchiveClient(base_url=server.url, cache_dir=tmp_path / "cache", progress=False) as client:
        qualifying, race = client.season(SMALL.year)

        def fail(key: int) -> None:
            assert wait_until(lambda: race_requested(server, race.path), timeout=120)
            raise OSError("disk full (injected)")

        watch_writes(monkeypatch, fail)
        with pytest.raises(OSError, match="disk full"):
            ingest([ArchiveSession(qualifying, client), ArchiveSession(race, client)], lake)
        assert download_threads() == []  # ingest returned only once the race's download had ended
        assert not lake.session_keys()


def test_cli_loads_a_season_or_a_meeting_in_one_job(demo_tree, tmp_path, capsys):
    lake_file = tmp_path / "lake.duckdb"
    with ArchiveServer(demo_tree) as server:
        cli = ["-q", "--lake", str(lake_file), "--archive-url", server.url, "--cache", str(tmp_path / "cache"), "load"]
        assert main([*cli, "2099", "--session-types", "practice"]) == 1
        assert "no Practice session in the 2099 index (it has Qualifying, Race)" in capsys.readouterr().err
        assert not lake_file.exists()  # resolved before the lake is opened
        assert main([*cli, "2099", "--session-types", "Sprint"]) == 1
        assert "unknown session type 'Sprint'" in capsys.readouterr().err
        assert main([*cli, "2099", "--topics", "NoSuchFeed"]) == 1  # every session skipped: nothing stored
        assert "none of the 2 sessions has any of the data asked for" in capsys.readouterr().err

        assert main([*cli, "2099", "--session-types", "Race"]) == 0
        out = capsys.readouterr().out
        assert "— Race (session" in out and "Qualifying" not in out
        assert main([*cli[1:], "2099"]) == 0  # the season: its races and qualifyings, one build; not quiet
        out, err = capsys.readouterr()
        assert out.count("messages in") == 1 and "— Qualifying (session" in out and "built" in out.lower()
        assert "unchanged: 2099 f1nb Demo Grand Prix — Race (the lake holds it from the same files)" in out
        assert "2 sessions: loading 2099 f1nb Demo Grand Prix — Race into Bronze (" in err  # a log's line per stage
        assert "2 sessions: build Silver and Gold (" in err
        assert main([*cli, "2099"]) == 0  # again: nothing to write, nothing to build
        out = capsys.readouterr().out
        assert out.count("unchanged: ") == 2 and "messages in" not in out and "built" not in out.lower()
        assert main([*cli, "2099", "1", "--no-build", "--reload"]) == 0  # round 1: every session of the meeting
        assert capsys.readouterr().out.count("messages in") == 2
        assert main([*cli, "2099", "1", "R", "--reload"]) == 1
        assert "a single session is always loaded again" in capsys.readouterr().err
        assert main([*cli[:-1], "sessions", "2099"]) == 0  # the listing says what the lake holds
        header, _rule, *lines = capsys.readouterr().out.splitlines()
        assert "in lake" in header and len(lines) == 2 and all(" yes " in line for line in lines)
    with Lake(lake_file) as lake:
        refs = sorted(lake.session_keys())
        assert len(refs) == 2
        built = lake.raw.execute("SELECT count(DISTINCT session_key) FROM gold.results").fetchone()
        assert built == (2,)


def test_a_session_the_archive_does_not_have_yet_is_skipped_and_the_season_loads(demo_tree, tmp_path, capsys):
    tree = tmp_path / "tree"
    shutil.copytree(demo_tree, tree)
    index_file = tree / str(SMALL.year) / "Index.json"
    index = orjson.loads(index_file.read_bytes().removeprefix(b"\xef\xbb\xbf"))
    sessions = index["Meetings"][0]["Sessions"]
    path = sessions[0]["Path"].rsplit("/", 2)[0] + "/2099-03-01_Sprint/"  # listed, never published
    sessions.insert(1, {**sessions[1], "Key": 90019, "Name": "Sprint", "Path": path})
    index_file.write_bytes(orjson.dumps(index))
    with ArchiveServer(tree) as server:
        season = Season(SMALL.year, tmp_path / "lake.duckdb", archive_url=server.url)
        with pytest.warns(SessionSkipped, match="Sprint.*the archive has none of its data"):
            loads = season.load(progress=False)
        assert [load.session_key for load in loads] == [sessions[0]["Key"], sessions[2]["Key"]]
        assert sorted(season.lake.session_keys()) == sorted(load.session_key for load in loads)
        season.lake.close()

        cli = ["-q", "--lake", str(tmp_path / "cli.duckdb"), "--archive-url", server.url, "--cache", str(tmp_path / "c")]
        assert main([*cli, "load", str(SMALL.year)]) == 0
        assert "skipped: 2099 f1nb Demo Grand Prix — Sprint: the archive has none of its data" in capsys.readouterr().out
        with Lake(tmp_path / "cli.duckdb") as lake, ArchiveClient(base_url=server.url, progress=False) as client:
            sprint = ArchiveSession(client.season(SMALL.year)[1], client)
            assert sprint.ref.session_name == "Sprint"
            with pytest.raises(SessionNotAvailable):  # alone, it is an error
                ingest(sprint, lake)


def test_a_season_loaded_again_writes_only_the_sessions_whose_files_changed(demo_tree, tmp_path):
    tree = tmp_path / "tree"
    shutil.copytree(demo_tree, tree)
    with ArchiveServer(tree) as server:
        season = Season(SMALL.year, tmp_path / "lake.duckdb", archive_url=server.url)
        first = season.load(progress=False)
        assert len(first) == 2
        loaded_at = season.lake.raw.execute("SELECT session_key, loaded_at FROM bronze.sessions").fetchall()
        server.clear_requests()
        assert season.load(progress=False) == []  # the cache answers, the lake holds the same files
        assert server.requests == []
        assert season.lake.raw.execute("SELECT session_key, loaded_at FROM bronze.sessions").fetchall() == loaded_at

        with ArchiveClient(base_url=server.url, cache_dir=tmp_path / "fresh-cache", progress=False) as client:
            refs = client.season(SMALL.year)
            feed = tree / refs[1].path / "RaceControlMessages.jsonStream"
            feed.write_bytes(feed.read_bytes() + b'00:59:59.000{"Messages": {"99": {"Message": "ADDED LATER"}}}\r\n')
            report = ingest([ArchiveSession(ref, client, skip_loaded=True) for ref in refs], season.lake)
        assert report.session_keys == [refs[1].session_key] == [first[1].session_key]
        assert report.unchanged == [refs[0].label]
        assert report.built is not None
        added = season.lake.raw.execute("SELECT count(*) FROM bronze.fields WHERE value = 'ADDED LATER'").fetchone()
        assert added == (1,)
        season.lake.close()


def test_magic_loads_a_meeting_in_one_job_and_binds_a_season(demo_tree, tmp_path, monkeypatch, capsys):
    from .test_cli_hostile import _failed_cell, _shell

    ip = _shell()
    with ArchiveServer(demo_tree) as server:
        monkeypatch.setenv("F1NB_ARCHIVE_URL", server.url)
        Lake(tmp_path / "m.duckdb").close()
        ip.run_line_magic("f1", f"backend {tmp_path / 'm.duckdb'}")
        capsys.readouterr()
        shown = ip.run_line_magic("f1", "load 2099 1 --as weekend")
        out, err = capsys.readouterr()
        assert "2 sessions: loading 2099 f1nb Demo Grand Prix — Race into Bronze (" in err  # a line per session
        assert isinstance(ip.user_ns["weekend"], Season) and "bound to `weekend`" in out
        assert sorted(shown.session_name) == ["Qualifying", "Race"] and out.count("messages in") == 2
        ip.run_line_magic("f1", "load 2099 --as weekend")  # the season: both held from the same files
        assert capsys.readouterr().out.count("unchanged: ") == 2
        assert "leave SESSION out" in _failed_cell(ip, "load 2099 1 R --session-types Race")
        assert "are for one session" in _failed_cell(ip, "load 2099 --no-telemetry")
        assert "unknown session type 'Sprint'" in _failed_cell(ip, "load 2099 --session-types sprint")


def test_choose_sessions_by_meeting_and_type(demo_tree):
    from f1nb.archive.lookup import choose_sessions
    from f1nb.errors import InvalidChoice, SessionNotFound

    with ArchiveClient(base_url=demo_tree.as_uri() + "/", progress=False) as client:
        refs = client.season(SMALL.year)
    assert choose_sessions(refs) == refs  # a season: races and qualifyings
    assert choose_sessions(refs, "Demoville") == refs  # a meeting: all of it
    assert [r.session_name for r in choose_sessions(refs, 1, "race")] == ["Race"]  # one type, any case
    assert choose_sessions(refs, None, ["ALL"]) == refs
    with pytest.raises(InvalidChoice, match="unknown session type '5'"):
        choose_sessions(refs, None, ["Race", 5])
    with pytest.raises(SessionNotFound, match=r"no Practice session in 2099 f1nb Demo Grand Prix \(it has Qualifying, Race\)"):
        choose_sessions(refs, "Demo", ["practice"])


def test_ctrl_c_does_not_wait_for_the_download_under_way(demo_tree, tmp_path, monkeypatch):
    with ArchiveServer(demo_tree) as server, Lake(tmp_path / "lake.duckdb") as lake, \
            ArchiveClient(base_url=server.url, cache_dir=tmp_path / "cache", progress=False, timeout=600) as client:
        qualifying, race = client.season(SMALL.year)
        client.fetch_session(qualifying)  # in the cache: only the race goes over the slow link
        server.bandwidth = 4_000  # bytes/s: the race's ~1 MB would take minutes

        def interrupted(key: int) -> None:
            assert wait_until(lambda: race_requested(server, race.path), timeout=120)
            raise KeyboardInterrupt

        watch_writes(monkeypatch, interrupted)
        with pytest.raises(KeyboardInterrupt):
            ingest([ArchiveSession(qualifying, client), ArchiveSession(race, client)], lake)
        assert [t.daemon for t in download_threads()] == [True]  # returned at once, the download still going
        assert not lake.session_keys()
        server.bandwidth = None  # let it finish, so the thread ends within the test
        assert wait_until(lambda: not download_threads(), timeout=300)


@pytest.mark.parametrize("what", [["2099"], ["2099", "1", "R"]], ids=["season", "one session"])
def test_ctrl_c_stops_the_command_at_once_while_files_download(demo_tree, tmp_path, what):
    import signal

    with ArchiveServer(demo_tree, bandwidth=300) as server:  # bytes/s: the session's files would take an hour
        # `python -m f1nb`, with Ctrl-C raising KeyboardInterrupt as in a terminal even where this run
        # inherited SIGINT ignored (a command started with `&` by a non-interactive shell)
        run = ("import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
               "sys.argv = ['f1nb', *sys.argv[1:]]; runpy.run_module('f1nb', run_name='__main__')")
        cmd = [sys.executable, "-c", run, "--lake", str(tmp_path / "lake.duckdb"), "--archive-url", server.url,
               "--cache", str(tmp_path / "cache"), "load", *what]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert wait_until(lambda: any(p.endswith(".jsonStream") for p in list(server.requests)), timeout=120)
            proc.send_signal(signal.SIGINT)
            _out, err = proc.communicate(timeout=120)  # a hang guard: waiting for the files would take minutes
        finally:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130 and "f1nb: interrupted; the lake is unchanged" in err and "Traceback" not in err
