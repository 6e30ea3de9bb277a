"""Issue 17 items 3-7: a bad download is never cached, is bounded in size and time, and ends in one line."""

from __future__ import annotations

import base64
import zlib

import pytest

from f1nb.archive.client import ArchiveClient
from f1nb.cli import main
from f1nb.errors import DownloadError
from tests.hostile_http import BOM, SESSION_INFO, HostileServer, session_routes

TIMING = BOM + b"".join(b'00:00:0%d.000{"Lines":{"44":{"Position":"%d"}}}\r\n' % (i, i) for i in range(1, 9))


def _client(server, tmp_path, **kw) -> ArchiveClient:
    kw.setdefault("retries", 0)
    return ArchiveClient(base_url=server.url, cache_dir=tmp_path / "cache", progress=False, **kw)


def _cached(tmp_path) -> list[str]:
    return sorted(p.name for p in (tmp_path / "cache").rglob("*") if p.is_file())


@pytest.mark.parametrize("name", ["SessionInfo.jsonStream", "Index.json", "TimingData.jsonStream"])
def test_a_captive_portal_page_is_refused_and_never_cached(tmp_path, name):
    routes = session_routes(**{"TimingData.jsonStream": ("body", TIMING)})
    good = routes["/2031/M/S/" + name]
    routes["/2031/M/S/" + name] = ("html",)
    with HostileServer(routes) as server, _client(server, tmp_path) as c:
        with pytest.raises(DownloadError) as exc:
            c.fetch_session(c.session_from_path("2031/M/S/"))
        assert "<!DOCTYPE html>" in str(exc.value) and "f1nb load --refresh" in str(exc.value)
        assert name not in _cached(tmp_path)
        server.routes["/2031/M/S/" + name] = good
        files = c.fetch_session(c.session_from_path("2031/M/S/"))  # the portal has gone: the same call now works
        assert files.files["TimingData"] == TIMING


def test_a_body_cut_short_is_refused_and_never_cached(tmp_path):
    with HostileServer(session_routes(**{"TimingData.jsonStream": ("cut", TIMING)})) as server, \
            _client(server, tmp_path) as c:
        with pytest.raises(DownloadError, match="cut short"):
            c.fetch_session(c.session_from_path("2031/M/S/"))
        assert "TimingData.jsonStream" not in _cached(tmp_path)


def test_a_bad_body_already_in_the_cache_is_fetched_again(tmp_path):
    with HostileServer(session_routes(**{"TimingData.jsonStream": ("body", TIMING)})) as server, \
            _client(server, tmp_path) as c:
        ref = c.session_from_path("2031/M/S/")
        c.fetch_session(ref)
        cached = next((tmp_path / "cache").rglob("TimingData.jsonStream"))
        cached.write_bytes(b"<html>portal</html>")  # as an older f1nb would have kept it
        assert c.fetch_session(ref).files["TimingData"] == TIMING
        assert cached.read_bytes() == TIMING


def test_refresh_downloads_every_file_again(tmp_path, capsys):
    with HostileServer(session_routes(**{"TimingData.jsonStream": ("body", TIMING)})) as server:
        lake, url = str(tmp_path / "l.duckdb"), server.url
        args = ["-q", "--lake", lake, "--archive-url", url, "--cache", str(tmp_path / "cache"), "load", "--path",
                "2031/M/S/", "--no-build"]
        assert main(args) == 0
        server.requests.clear()
        assert main(args) == 0 and server.requests == []  # all from the cache
        newer = TIMING + b'00:00:09.000{"Lines":{"44":{"Position":"9"}}}\r\n'
        server.routes["/2031/M/S/TimingData.jsonStream"] = ("body", newer)
        assert main([*args, "--refresh"]) == 0
        assert "/2031/M/S/TimingData.jsonStream" in server.requests and "/2031/M/S/Index.json" in server.requests
        assert next((tmp_path / "cache").rglob("TimingData.jsonStream")).read_bytes() == newer
        assert "9 messages in 1 topics" in capsys.readouterr().out.splitlines()[-1]


def test_refresh_in_the_python_api(tmp_path):
    from f1nb.bronze.load import load_archive_session
    from f1nb.lake.lake import Lake

    with HostileServer(session_routes(**{"TimingData.jsonStream": ("body", TIMING)})) as server, \
            _client(server, tmp_path) as c, Lake(tmp_path / "l.duckdb") as lake:
        ref = c.session_from_path("2031/M/S/")
        assert load_archive_session(lake, c, ref).messages["TimingData"] == 8
        server.routes["/2031/M/S/TimingData.jsonStream"] = ("body", TIMING + b'00:00:09.000{"A":1}\r\n')
        assert load_archive_session(lake, c, ref).messages["TimingData"] == 8
        assert load_archive_session(lake, c, ref, refresh=True).messages["TimingData"] == 9


def test_a_gzip_bomb_stops_at_the_size_bound(tmp_path):
    with HostileServer(session_routes(**{"TimingData.jsonStream": ("gzip", 64 * 1024 * 1024)})) as server, \
            _client(server, tmp_path, max_file_bytes=1024 * 1024) as c:
        with pytest.raises(DownloadError, match=r"larger than 1 MiB \(decoded\).*F1NB_MAX_FILE_MB"):
            c.fetch_session(c.session_from_path("2031/M/S/"))
        assert "TimingData.jsonStream" not in _cached(tmp_path)


def test_the_size_bound_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("F1NB_MAX_FILE_MB", "0.5")
    assert ArchiveClient(base_url="http://127.0.0.1:1/", cache_dir=tmp_path).max_file_bytes == 512 * 1024
    monkeypatch.setenv("F1NB_MAX_FILE_MB", "lots")
    with pytest.raises(Exception, match="F1NB_MAX_FILE_MB"):
        ArchiveClient(base_url="http://127.0.0.1:1/", cache_dir=tmp_path)


def test_a_body_dripping_a_byte_at_a_time_meets_the_deadline(tmp_path):
    drip = ("drip", TIMING, 0.2)  # each byte well within the read timeout: only a total deadline ends it
    with HostileServer(session_routes(**{"TimingData.jsonStream": drip})) as server, \
            _client(server, tmp_path, retries=3, file_deadline=1.0, timeout=5) as c:
        with pytest.raises(DownloadError, match=r"did not finish downloading within 1 s.*F1NB_FILE_DEADLINE_S"):
            c.fetch_session(c.session_from_path("2031/M/S/"))
        assert server.requests.count("/2031/M/S/TimingData.jsonStream") == 1  # the deadline covers the retries
        assert "TimingData.jsonStream" not in _cached(tmp_path)


def test_a_redirect_loop_is_one_clear_line(tmp_path, capsys):
    with HostileServer({"/2031/Index.json": ("loop",)}) as server:
        rc = main(["-q", "--archive-url", server.url, "--cache", str(tmp_path / "c"), "sessions", "2031"])
    err = capsys.readouterr().err
    assert rc == 1 and err.count("\n") == 1 and "redirects in a loop" in err and "Traceback" not in err


def _z_line(offset_s: int, mib: int) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    text = b'{"Entries":[],"pad":"' + b"0" * (mib * 1024 * 1024) + b'"}'
    return b'00:00:%02d.000"%s"\r\n' % (offset_s, base64.b64encode(c.compress(text) + c.flush()))


def test_the_inflated_size_of_all_z_payloads_is_bounded_per_session(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("F1NB_MAX_INFLATED_MB", "2.5")
    d = tmp_path / "r" / "2031" / "M" / "S"
    d.mkdir(parents=True)
    (d / "SessionInfo.jsonStream").write_bytes(SESSION_INFO)
    (d / "CarData.z.jsonStream").write_bytes(BOM + _z_line(1, 1) + _z_line(2, 1))
    (d / "Position.z.jsonStream").write_bytes(BOM + _z_line(1, 1) + _z_line(2, 1))  # shares the session's bound
    (d / "TimingData.jsonStream").write_bytes(TIMING)
    rc = main(["-q", "--lake", str(tmp_path / "l.duckdb"), "--archive-url", f"file://{tmp_path}/r/", "load",
               "--path", "2031/M/S/", "--no-build"])
    assert rc == 0
    from f1nb.lake.lake import Lake

    with Lake(tmp_path / "l.duckdb") as lake:
        reasons = [r for (r,) in lake.raw.execute("SELECT reason FROM bronze.rejects").fetchall()]
        inflated = [r for r in reasons if "inflate past 2 MiB in total" in r and "F1NB_MAX_INFLATED_MB" in r]
        assert len(inflated) == 2  # two of the four 1 MiB payloads fit in 2.5 MiB
        assert lake.raw.execute("SELECT count(*) FROM bronze.messages WHERE topic = 'TimingData'").fetchone() == (8,)


def test_the_token_goes_to_f1_over_https_only(tmp_path):
    from f1nb.live.signalr import LiveClient

    c = ArchiveClient(base_url="https://livetiming.formula1.com/static/", cache_dir=tmp_path, token="secret")
    assert c._headers_for("https://livetiming.formula1.com/static/x") == {"Authorization": "Bearer secret"}
    assert c._headers_for("http://livetiming.formula1.com/static/x") == {}
    assert c._headers_for("https://example.org/static/x") == {}
    live = LiveClient("http://livetiming.formula1.com/signalr", token="secret")
    assert live._headers("http://livetiming.formula1.com/signalr") == {}
    assert live._headers("https://livetiming.formula1.com/signalr") == {"Authorization": "Bearer secret"}


@pytest.mark.parametrize("url", ["http://[::1", "http://127.0.0.1:99999/"])
def test_a_malformed_archive_url_is_one_clear_line(tmp_path, capsys, url):
    rc = main(["-q", "--archive-url", url, "--cache", str(tmp_path / "c"), "sessions", "2019"])
    err = capsys.readouterr().err
    assert rc == 1 and err.startswith("f1nb: error: archive URL") and "malformed" in err and err.count("\n") == 1
