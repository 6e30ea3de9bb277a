"""ArchiveClient against ArchiveServer: real sessions, cache, faults, token handling."""

from __future__ import annotations

import hashlib
import http.client
import json
import warnings
from pathlib import Path

import httpx
import pytest

from f1nb.archive.cache import MANIFEST
from f1nb.archive.client import ArchiveClient, SessionFiles
from f1nb.archive.index import parse_season_index
from f1nb.session_ref import SessionRef
from f1nb.archive.serve import ArchiveServer, generate_season_index
from f1nb.archive.topics import KNOWN_TOPICS
from f1nb.decode.jsonstream import encode_jsonstream
from f1nb.errors import ArchiveError, DownloadError, SessionNotFound

# the real indexes' holes warn (asserted in test_archive_index.py); not the subject here
pytestmark = pytest.mark.filterwarnings("ignore::f1nb.archive.index.ArchiveIndexWarning")

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
ARCHIVE = REALDATA / "archive"

# realdata sessions: path -> (year, meeting query, session query, key)
REAL_SESSIONS = {
    "2018/2018-04-29_Azerbaijan_Grand_Prix/2018-04-29_Race/": (2018, "Baku", "R", 5090),
    "2019/2019-09-08_Italian_Grand_Prix/2019-09-07_Qualifying/": (2019, "Monza", "Q", 5502),
    "2020/2020-08-09_70th_Anniversary_Grand_Prix/2020-08-07_Practice_2/": (2020, "70th Anniversary", "FP2", 5778),
    "2021/2021-09-12_Italian_Grand_Prix/2021-09-11_Practice_2/": (2021, "Italian Grand Prix", "FP2", 6271),
    "2024/2024-04-21_Chinese_Grand_Prix/2024-04-19_Sprint_Qualifying/": (2024, "China", "SQ", 9668),
    "2024/2024-07-07_British_Grand_Prix/2024-07-05_Practice_1/": (2024, "Silverstone", "FP1", 9551),
}
# sessions listed by the real season indexes (the others are found through generated indexes or by path)
IN_REAL_INDEX = {p for p in REAL_SESSIONS if p[:4] in ("2019", "2020", "2021")}


@pytest.fixture
def real_archive() -> Path:
    if not ARCHIVE.is_dir():
        pytest.skip(f"../shared/realdata not present: {ARCHIVE} is missing")
    return ARCHIVE


@pytest.fixture
def archive_real_server(real_archive):
    with ArchiveServer(real_archive) as server:
        yield server


_OPEN: list[ArchiveClient] = []


def client(url, cache, **kw) -> ArchiveClient:
    """A quiet, quick client, closed when the test ends (`_close_clients`)."""
    kw.setdefault("progress", False)
    kw.setdefault("timeout", 2.0)
    kw.setdefault("backoff", 0.01)
    made = ArchiveClient(base_url=url, cache_dir=cache, **kw)
    _OPEN.append(made)
    return made


@pytest.fixture(autouse=True)
def _close_clients():
    """Every client a test made is closed: an open one keeps its pooled keep-alive socket
    to the test server, and the ResourceWarning for it fires at garbage collection,
    inside whichever test runs next."""
    yield
    while _OPEN:
        _OPEN.pop().close()


def quiet_season(c: ArchiveClient, year: int, **kw) -> list[SessionRef]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return c.season(year, **kw)


def topic_files(folder: Path) -> dict[str, bytes]:
    return {p.name[: -len(".jsonStream")]: p.read_bytes() for p in sorted(folder.glob("*.jsonStream"))}


def no_partial_files(root: Path) -> bool:
    return not [p for p in root.rglob("*") if p.name.startswith(".part-")]


# ------------------------------------------------------------------ real archive, end to end


def test_every_real_session_by_name_bytes_exact_then_cached(archive_real_server, real_archive, tmp_path):
    server = archive_real_server
    c = client(server.url, tmp_path / "cache")
    fetched: dict[str, SessionFiles] = {}
    for path, (year, meeting, session, key) in REAL_SESSIONS.items():
        ref = c.find(year, meeting, session)
        assert (ref.path, ref.session_key) == (path, key)
        files = c.fetch_session(ref)
        expected = topic_files(real_archive / path)
        assert files.files == expected  # byte-exact, every topic present
        assert files.absent == []
        assert files.feeds_source == "index"  # the server generated the session Index.json
        assert files.sha256 == {t: hashlib.sha256(b).hexdigest() for t, b in expected.items()}
        assert files.requests == 1 + len(expected)  # session Index.json + one per topic
        fetched[path] = files
    # the raw cache mirrors the URL layout, byte for byte
    site = tmp_path / "cache" / f"127.0.0.1_{server.url.rsplit(':', 1)[1].strip('/')}"
    for path, files in fetched.items():
        for topic, body in files.files.items():
            assert (site / path / f"{topic}.jsonStream").read_bytes() == body
        assert (site / path / MANIFEST).is_file()
    assert no_partial_files(tmp_path / "cache")

    # second load, new client, same cache: zero requests
    before = len(server.requests)
    c2 = client(server.url, tmp_path / "cache")
    for path in REAL_SESSIONS:
        ref = c2.session_from_path(path)  # SessionInfo and season index come from the cache too
        again = c2.fetch_session(ref)
        assert again.files == fetched[path].files and again.requests == 0
    assert server.requests[before:] == []


def test_real_sessions_by_path_without_generated_indexes(real_archive, tmp_path):
    """Without generated indexes (like F1's archive for 2018/2024 here): by path, feeds by fallback."""
    with ArchiveServer(real_archive, generate_indexes=False) as server:
        c = client(server.url, tmp_path / "cache")
        for year in (2018, 2024):
            with pytest.raises(SessionNotFound, match="--path"):
                c.season(year)
        for path, (year, meeting, session, key) in REAL_SESSIONS.items():
            if path in IN_REAL_INDEX:
                assert c.find(year, meeting, session).path == path
            ref = c.session_from_path(path)
            assert (ref.path, ref.session_key, ref.year) == (path, key, year)
            if path in IN_REAL_INDEX:
                assert ref.round is not None  # filled in from the season index
            feeds, source = c.session_feeds(ref)
            assert source == "fallback" and feeds["CarData.z"] == "CarData.z.jsonStream"
            assert set(feeds) == set(KNOWN_TOPICS)
            files = c.fetch_session(ref)
            present = topic_files(real_archive / path)
            assert files.feeds_source == "fallback"
            assert files.files == present
            assert sorted(files.absent) == sorted(set(KNOWN_TOPICS) - set(present))
        n = len(server.requests)
        c2 = client(server.url, tmp_path / "cache")
        for path in REAL_SESSIONS:
            again = c2.fetch_session(c2.session_from_path(path))
            assert again.requests == 0 and again.feeds_source == "fallback"
        assert len(server.requests) == n  # absent feeds remembered, not re-requested


def test_real_season_indexes_served_unchanged(archive_real_server, real_archive, tmp_path):
    c = client(archive_real_server.url, tmp_path / "cache")
    for year in (2019, 2020, 2021, 2022, 2023):
        assert c.fetch_file(f"{year}/Index.json") == (real_archive / str(year) / "Index.json").read_bytes()


def test_generated_season_index_mirrors_real_format(real_archive):
    body = generate_season_index(real_archive, 2024)
    assert body.startswith(b"\xef\xbb\xbf")
    doc = json.loads(body.decode("utf-8-sig"))
    assert doc["Year"] == 2024
    names = [m["Name"] for m in doc["Meetings"]]
    assert names == ["Chinese Grand Prix", "British Grand Prix"]  # ordered by date
    china = doc["Meetings"][0]
    assert {"Key", "Name", "Location", "Country", "Circuit", "Sessions"} <= set(china)
    assert china["Country"]["Name"] == "China" and china["Circuit"]["ShortName"] == "Shanghai"
    (s,) = china["Sessions"]
    assert s == {"Key": 9668, "Type": "Qualifying", "Name": "Sprint Qualifying", "StartDate": "2024-04-19T15:30:00",
                 "EndDate": "2024-04-19T16:14:00", "GmtOffset": "08:00:00",
                 "Path": "2024/2024-04-21_Chinese_Grand_Prix/2024-04-19_Sprint_Qualifying/"}
    refs = parse_season_index(body, 2024)
    assert [r.session_key for r in refs] == [9668, 9551]
    assert generate_season_index(real_archive, 1950) is None


def test_file_url_reads_tree_directly(real_archive, tmp_path):
    c = client(real_archive.as_uri(), tmp_path / "cache")
    path = "2018/2018-04-29_Azerbaijan_Grand_Prix/2018-04-29_Race/"
    ref = c.session_from_path(path)
    files = c.fetch_session(ref, topics=["TimingData", "LapCount", "CarData.z"])
    assert files.files["TimingData"] == (real_archive / path / "TimingData.jsonStream").read_bytes()
    assert files.absent == ["CarData.z"]
    assert c.fetch_file(path + "Nope.jsonStream") is None
    assert len(quiet_season(c, 2019)) == 104
    with pytest.raises(SessionNotFound):
        c.season(2018)
    assert not (tmp_path / "cache").exists()  # a local tree is not copied into the cache


# ------------------------------------------------------------------ synthetic tree


SYN_MEETING = "2030/2030-11-03_São_Paulo_Grand_Prix"
SYN_PATH = f"{SYN_MEETING}/2030-11-03_Race/"


@pytest.fixture
def archive_tree(tmp_path) -> Path:
    root = tmp_path / "tree"
    d = root / SYN_MEETING / "2030-11-03_Race"
    d.mkdir(parents=True)
    info = {"Meeting": {"Key": 77, "Name": "São Paulo Grand Prix", "Number": 20, "Location": "São Paulo",
                        "Country": {"Key": 10, "Code": "BRA", "Name": "Brazil"},
                        "Circuit": {"Key": 14, "ShortName": "Interlagos"}},
            "Key": 9999, "Type": "Race", "Name": "Race", "StartDate": "2030-11-03T14:00:00",
            "EndDate": "2030-11-03T16:00:00", "GmtOffset": "-03:00:00", "Path": SYN_PATH}
    (d / "SessionInfo.jsonStream").write_bytes(encode_jsonstream([(0, info)]))
    big = [(i * 250, {"Lines": {str(i % 20 + 1): {"NumberOfLaps": i // 20, "GapToLeader": f"+{i / 7:.3f}"}}})
           for i in range(4000)]
    (d / "TimingData.jsonStream").write_bytes(encode_jsonstream(big))
    (d / "TrackStatus.jsonStream").write_bytes(encode_jsonstream([(0, {"Status": "1", "Message": "AllClear"})]))
    (d / "CarData.z.jsonStream").write_bytes(encode_jsonstream([(0, {"Entries": []})], compressed=True))
    return root


def syn_files(root: Path) -> dict[str, bytes]:
    return topic_files(root / SYN_PATH)


def test_non_ascii_path_served_and_cached(archive_tree, tmp_path):
    with ArchiveServer(archive_tree) as server:
        c = client(server.url, tmp_path / "cache")
        ref = c.find(2030, "Sao Paulo", "R")
        assert ref.path == SYN_PATH and ref.round == 20 and ref.country == "Brazil"
        assert c.url_for(ref.path).endswith("/2030/2030-11-03_S%C3%A3o_Paulo_Grand_Prix/2030-11-03_Race/")
        files = c.fetch_session(ref)
        assert files.files == syn_files(archive_tree)
        assert set(files.files) == {"SessionInfo", "TimingData", "TrackStatus", "CarData.z"}
        assert f"/{SYN_PATH}TimingData.jsonStream" in server.requests  # percent-decoded by the server
        cached = list((tmp_path / "cache").rglob("TimingData.jsonStream"))
        assert len(cached) == 1 and "São_Paulo" in str(cached[0])


def test_server_refuses_traversal_and_serves_content_length(archive_tree, real_archive):
    secret = archive_tree.parent / "secret.txt"
    secret.write_text("nope")
    with ArchiveServer(archive_tree) as server:
        host, port = server.url[len("http://"):].strip("/").split(":")
        for bad in ("/../secret.txt", "/2030/..%2F..%2Fsecret.txt", "/%2e%2e/secret.txt", "/2030/../../secret.txt"):
            conn = http.client.HTTPConnection(host, int(port), timeout=2)
            conn.request("GET", bad)
            resp = conn.getresponse()
            assert resp.status == 404 and b"nope" not in resp.read()
            conn.close()
        conn = http.client.HTTPConnection(host, int(port), timeout=2)
        conn.request("GET", "/" + SYN_PATH.replace("ã", "%C3%A3") + "TimingData.jsonStream")
        resp = conn.getresponse()
        body = resp.read()
        assert resp.status == 200 and int(resp.headers["Content-Length"]) == len(body)
        assert body == (archive_tree / SYN_PATH / "TimingData.jsonStream").read_bytes()
        conn.request("GET", "/" + SYN_PATH.replace("ã", "%C3%A3") + "Index.json")  # generated session index
        feeds = json.loads(conn.getresponse().read().decode("utf-8-sig"))["Feeds"]
        assert feeds["CarData.z"] == {"KeyFramePath": "CarData.z.json", "StreamPath": "CarData.z.jsonStream"}
        assert set(feeds) == {"SessionInfo", "TimingData", "TrackStatus", "CarData.z"}
        conn.close()


def test_season_index_cached_but_refreshable(archive_tree, tmp_path):
    with ArchiveServer(archive_tree) as server:
        c = client(server.url, tmp_path / "cache")
        assert len(c.season(2030)) == 1
        assert len(c.season(2030)) == 1
        assert server.requests.count("/2030/Index.json") == 1
        # a new session appears mid-season
        d = archive_tree / SYN_MEETING / "2030-11-02_Qualifying"
        d.mkdir()
        info = {"Meeting": {"Key": 77, "Name": "São Paulo Grand Prix", "Number": 20}, "Key": 9998, "Type": "Qualifying",
                "Name": "Qualifying", "StartDate": "2030-11-02T14:00:00", "Path": f"{SYN_MEETING}/2030-11-02_Qualifying/"}
        (d / "SessionInfo.jsonStream").write_bytes(encode_jsonstream([(0, info)]))
        assert len(c.season(2030)) == 1  # still the cached copy
        refs = c.season(2030, refresh=True)
        assert server.requests.count("/2030/Index.json") == 2
        assert [r.session_name for r in refs] == ["Qualifying", "Race"]
        assert c.find(2030, "Interlagos", "Q").session_key == 9998


def test_topics_subset_and_unknown_topic(archive_tree, tmp_path):
    with ArchiveServer(archive_tree) as server:
        c = client(server.url, tmp_path / "cache")
        ref = c.session_from_path(SYN_PATH)
        files = c.fetch_session(ref, topics=["TimingData", "Bogus"])
        assert list(files.files) == ["TimingData"] and files.absent == ["Bogus"]
        n = len(server.requests)
        assert c.fetch_session(ref, topics=["TimingData", "Bogus"]).requests == 0
        assert len(server.requests) == n


# ------------------------------------------------------------------ faults


def fetch_with_faults(tree, tmp_path, faults, **kw):
    with ArchiveServer(tree, faults=faults, timeout_delay=kw.pop("delay", 1.0)) as server:
        c = client(server.url, tmp_path / "cache", **kw)
        ref = c.session_from_path(SYN_PATH)
        server.clear_requests()
        return server, c, ref, c.fetch_session(ref)


@pytest.mark.parametrize("kinds", [["500", "500"], ["503"], ["reset"], ["truncate"], ["truncate", "reset", "503"]])
def test_transient_faults_are_retried(archive_tree, tmp_path, kinds):
    server, c, ref, files = fetch_with_faults(archive_tree, tmp_path, {"TimingData.jsonStream": kinds})
    assert files.files == syn_files(archive_tree)
    assert server.requests.count(f"/{SYN_PATH}TimingData.jsonStream") == len(kinds) + 1
    cached = next((tmp_path / "cache").rglob("TimingData.jsonStream"))
    assert cached.read_bytes() == (archive_tree / SYN_PATH / "TimingData.jsonStream").read_bytes()
    assert no_partial_files(tmp_path / "cache")


def test_timeout_is_retried(archive_tree, tmp_path):
    server, c, ref, files = fetch_with_faults(archive_tree, tmp_path, {"TrackStatus.jsonStream": ["timeout"]},
                                              timeout=1.0, delay=4.0)
    assert files.files["TrackStatus"] == (archive_tree / SYN_PATH / "TrackStatus.jsonStream").read_bytes()
    assert server.requests.count(f"/{SYN_PATH}TrackStatus.jsonStream") == 2


def test_injected_404_is_absent_not_retried(archive_tree, tmp_path):
    server, c, ref, files = fetch_with_faults(archive_tree, tmp_path, {"TrackStatus.jsonStream": ["404"]})
    assert files.absent == ["TrackStatus"] and "TrackStatus" not in files.files
    assert server.requests.count(f"/{SYN_PATH}TrackStatus.jsonStream") == 1


@pytest.mark.parametrize("kind", ["500", "truncate"])
def test_persistent_failure_raises_and_caches_nothing(archive_tree, tmp_path, kind):
    with ArchiveServer(archive_tree, faults={"TimingData.jsonStream": [kind] * 3}) as server:
        c = client(server.url, tmp_path / "cache", retries=2)
        ref = c.session_from_path(SYN_PATH)
        with pytest.raises(DownloadError) as exc:
            c.fetch_session(ref)
        msg = str(exc.value)
        assert f"{server.url}2030/2030-11-03_S%C3%A3o_Paulo_Grand_Prix/2030-11-03_Race/TimingData.jsonStream" in msg
        assert "after 3 attempts" in msg and "--archive-url" in msg
        assert ("HTTP 500" if kind == "500" else "RemoteProtocolError") in msg or "truncated" in msg
        assert server.requests.count(f"/{SYN_PATH}TimingData.jsonStream") == 3
        cache = tmp_path / "cache"
        assert not list(cache.rglob("TimingData.jsonStream"))  # never cached, not even short
        assert not list(cache.rglob(MANIFEST))  # the session is not marked complete
        assert no_partial_files(cache)
        # a re-run completes it, fetching only what is missing
        server.clear_requests()
        files = c.fetch_session(ref)
        assert files.files == syn_files(archive_tree)
        assert server.requests == [f"/{SYN_PATH}TimingData.jsonStream"]


def test_connection_refused_is_a_download_error(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = client(f"http://127.0.0.1:{port}/", tmp_path / "cache", retries=1)
    with pytest.raises(DownloadError, match="Check the network"):
        c.fetch_file("2030/Index.json")


# ------------------------------------------------------------------ token


TOKEN = "tok-SECRET-0123456789"


def test_token_sent_only_to_f1_host_and_never_stored(archive_tree, tmp_path):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("Broken.jsonStream"):
            return httpx.Response(500)
        if request.url.path.endswith("TimingData.jsonStream"):
            return httpx.Response(200, content=b"\xef\xbb\xbf00:00:00.000{}\r\n")
        return httpx.Response(404)

    cache = tmp_path / "cache"
    f1 = client("https://livetiming.formula1.com/static/", cache, token=TOKEN, transport=httpx.MockTransport(handler),
                retries=1)
    assert f1.fetch_file("2030/x/y/TimingData.jsonStream") is not None
    assert seen[-1].headers["Authorization"] == f"Bearer {TOKEN}"
    with pytest.raises(DownloadError) as exc:
        f1.fetch_file("2030/x/y/Broken.jsonStream")
    assert TOKEN not in str(exc.value) and TOKEN not in repr(exc.value)
    assert TOKEN not in repr(f1)

    mirror = client("https://mirror.example.org/static/", cache, token=TOKEN, transport=httpx.MockTransport(handler))
    mirror.fetch_file("2030/x/y/TimingData.jsonStream")
    assert "Authorization" not in seen[-1].headers

    # the real local server never sees it either, even from the environment
    import os

    os.environ["F1NB_F1TV_TOKEN"] = TOKEN
    try:
        with ArchiveServer(archive_tree) as server:
            c = client(server.url, cache)
            c.fetch_session(c.session_from_path(SYN_PATH))
            assert server.request_headers and all(
                "authorization" not in {k.lower() for k in h} for h in server.request_headers
            )
            assert all(TOKEN not in json.dumps(h) for h in server.request_headers)
    finally:
        del os.environ["F1NB_F1TV_TOKEN"]
    for p in cache.rglob("*"):
        if p.is_file():
            assert TOKEN.encode() not in p.read_bytes(), p
        assert TOKEN not in str(p)


def test_bad_base_url(tmp_path):
    with pytest.raises(ArchiveError, match="--archive-url"):
        ArchiveClient(base_url="ftp://example.org/", cache_dir=tmp_path)
    c = client("http://127.0.0.1:9/", tmp_path)
    with pytest.raises(ArchiveError, match="refusing"):
        c.fetch_file("../etc/passwd")


@pytest.mark.parametrize("concurrency", [1, 3])
def test_concurrency_is_bounded(real_archive, tmp_path, concurrency):
    # every request is slowed down, so overlapping requests really overlap
    slow = {t + ".jsonStream": ["timeout"] for t in KNOWN_TOPICS}
    path = "2019/2019-09-08_Italian_Grand_Prix/2019-09-07_Qualifying/"
    with ArchiveServer(real_archive, faults=slow, timeout_delay=0.05) as server:
        c = client(server.url, tmp_path / "cache", concurrency=concurrency)
        ref = c.session_from_path(path)
        server.max_inflight = 0
        files = c.fetch_session(ref, topics=["TimingData", "DriverList", "TrackStatus", "WeatherData", "LapCount",
                                             "TimingAppData"])
        assert files.absent == ["LapCount"] and len(files.files) == 5
        assert server.max_inflight == concurrency
