"""Season index parsing, SessionInfo refs and fuzzy session lookup."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from f1nb.archive.index import ArchiveIndexWarning, parse_season_index
from f1nb.archive.lookup import find_meeting, find_session
from f1nb.archive.topics import CORE_TOPICS, KNOWN_TOPICS
from f1nb.errors import ArchiveError, SessionNotFound
from f1nb.session_ref import SessionRef, normalize, sanitize_path, session_ref_from_info

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
ARCHIVE = REALDATA / "archive"


def real_index(year: int) -> bytes:
    path = ARCHIVE / str(year) / "Index.json"
    if not path.is_file():
        pytest.skip(f"../shared/realdata not present: {path} is missing")
    return path.read_bytes()


def parse_quiet(body, year):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        refs = parse_season_index(body, year)
    return refs, [str(w.message) for w in caught if issubclass(w.category, ArchiveIndexWarning)]


_cache: dict[int, list[SessionRef]] = {}


def season(year: int) -> list[SessionRef]:
    if year not in _cache:
        _cache[year] = parse_quiet(real_index(year), year)[0]
    return _cache[year]


# ------------------------------------------------------------------ parsing real indexes

# (year, sessions kept, skipped-entry warnings, BOM, CRLF pretty-printed)
REAL = [
    (2019, 104, 1, True, False),
    (2020, 83, 0, False, False),
    (2021, 109, 2, True, True),
    (2022, 113, 0, True, True),
    (2023, 113, 3, True, False),
]


@pytest.mark.parametrize("year,count,skipped,bom,crlf", REAL)
def test_real_season_index(year, count, skipped, bom, crlf):
    body = real_index(year)
    assert body.startswith(b"\xef\xbb\xbf") == bom
    assert (b"\r\n" in body) == crlf
    refs, warned = parse_quiet(body, year)
    assert len(refs) == count
    assert len(warned) == skipped
    raw = json.loads(body.decode("utf-8-sig"))
    listed = sum(len(m["Sessions"]) for m in raw["Meetings"])
    assert listed == count + skipped  # every entry is either a ref or a warning
    for r in refs:
        assert r.year == year
        assert r.path.startswith(f"{year}/") and r.path.endswith("/")
        assert r.session_key > 0 and r.session_name and r.meeting_name
        assert ".." not in r.path.split("/")
    keys = [r.session_key for r in refs]
    assert len(keys) == len(set(keys))


def test_real_index_holes_are_named_in_warnings():
    _, w2019 = parse_quiet(real_index(2019), 2019)
    assert w2019 == [
        "2019 season index: skipped session #3 of 'Japanese Grand Prix' (Key 5525, Type 'Practice', "
        "Name 'Practice 3'): no Path"
    ]
    _, w2021 = parse_quiet(real_index(2021), 2021)
    assert any("Emilia Romagna" in w and "no Path" in w for w in w2021)
    # 2021's index lists a test session under ../uat/static/...: refused, never fetched
    assert any("High Speed Track Test" in w and "'..'" in w for w in w2021)
    _, w2023 = parse_quiet(real_index(2023), 2023)
    assert len(w2023) == 3 and all("Qatar Grand Prix" in w and "Key -1" in w for w in w2023)


def test_real_ref_fields():
    r = find_session(season(2019), "Monza", "Q")
    assert (r.year, r.round, r.meeting_key, r.meeting_name) == (2019, 14, 1013, "Italian Grand Prix")
    assert (r.location, r.country, r.circuit) == ("Monza", "Italy", "Monza")
    assert (r.session_key, r.session_name, r.session_type, r.session_number) == (5502, "Qualifying", "Qualifying", None)
    assert (r.start_date, r.end_date, r.gmt_offset) == ("2019-09-07T15:00:00", "2019-09-07T16:00:00", "02:00:00")
    assert r.path == "2019/2019-09-08_Italian_Grand_Prix/2019-09-07_Qualifying/"
    assert r.meeting_official_name and "2019" in r.meeting_official_name
    assert r.label == "2019 Italian Grand Prix — Qualifying"


# ------------------------------------------------------------------ synthetic holes


def synthetic_index(sessions, *, bom=True, crlf=False, meetings_extra=()):
    doc = {
        "Year": 2030,
        "Meetings": [
            {"Key": 1, "Number": 1, "Name": "Test Grand Prix", "Location": "Nowhere",
             "Country": {"Name": "Utopia"}, "Circuit": {"ShortName": "Ring"}, "Sessions": sessions},
            *meetings_extra,
        ],
    }
    text = json.dumps(doc, indent=2 if crlf else None, ensure_ascii=False)
    if crlf:
        text = text.replace("\n", "\r\n")
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def S(key, name, path, typ="Race", **kw):
    d = {"Key": key, "Type": typ, "Name": name, "StartDate": "2030-01-01T12:00:00", "EndDate": "2030-01-01T14:00:00",
         "GmtOffset": "00:00:00"}
    if path is not None:
        d["Path"] = path
    d.update(kw)
    return d


GOOD = "2030/2030-01-01_Test_Grand_Prix/2030-01-01_Race/"


@pytest.mark.parametrize("bom", [True, False])
@pytest.mark.parametrize("crlf", [True, False])
def test_synthetic_holes_each_warned(bom, crlf):
    sessions = [
        S(10, "Race", GOOD),
        S(11, "Practice 1", None, "Practice"),  # no Path
        S(-1, "Practice 2", "2030/x/y/", "Practice"),  # Key -1
        {"Type": "Practice", "Name": "Practice 3", "Path": "2030/x/z/"},  # no Key
        "junk",  # not an object
        S(12, None, "2030/x/q/"),  # no Name
        S(13, "Qualifying", "2030/../../etc/", "Qualifying"),  # traversal
        S(14, "Sprint", "/abs/path/"),  # absolute
        S(15, "Sprint 2", "2030\\win\\path\\"),  # backslash
        S(16, "Sprint 3", "https://evil.example/x/"),  # URL
        S(17, "Práctica", "2030/2030-01-01_Gran_Premio_de_México/2030-01-01_Práctica/", "Practice"),  # non-ASCII ok
    ]
    extra = [42, {"Key": 2, "Sessions": []}, {"Key": 3, "Name": "No Sessions"}]
    refs, warned = parse_quiet(synthetic_index(sessions, bom=bom, crlf=crlf, meetings_extra=extra), 2030)
    assert [r.session_key for r in refs] == [10, 17]
    assert refs[1].path == "2030/2030-01-01_Gran_Premio_de_México/2030-01-01_Práctica/"
    assert len(warned) == 9 + 3
    joined = "\n".join(warned)
    for needle in ("Key 11", "no Path", "Key -1", "no Key", "not an object (str)", "no Name", "'..'",
                   "absolute", "backslash", "is a URL", "meeting #2: not an object (int)", "no Sessions list"):
        assert needle in joined, needle
    assert refs[0].country == "Utopia" and refs[0].circuit == "Ring" and refs[0].round == 1


def test_not_an_index():
    with pytest.raises(ArchiveError, match="Meetings"):
        parse_season_index(b'{"Feeds": {}}', 2020)
    with pytest.raises(ArchiveError, match="not valid JSON"):
        parse_season_index(b"\xef\xbb\xbf{truncated", 2020)


@pytest.mark.parametrize("bad", ["", "/2020/x/", "2020/../x/", "a\\b/", "http://x/y/", "file:///etc/", "2020//x/",
                                 "2020/./x/", "2020/x?y/", "2020/%2e%2e/"])
def test_sanitize_rejects(bad):
    with pytest.raises(ValueError):
        sanitize_path(bad)


def test_sanitize_keeps_unicode_and_adds_slash():
    assert sanitize_path("2021/2021-11-14_São_Paulo_Grand_Prix/x") == "2021/2021-11-14_São_Paulo_Grand_Prix/x/"


# ------------------------------------------------------------------ SessionInfo refs


def test_session_ref_from_real_session_info():
    from f1nb.decode.jsonstream import parse_jsonstream

    infos = sorted(ARCHIVE.glob("*/*/*/SessionInfo.jsonStream")) if ARCHIVE.is_dir() else []
    if not infos:
        pytest.skip(f"../shared/realdata not present: {ARCHIVE}")
    assert len(infos) == 6
    for f in infos:
        msgs, rejects = parse_jsonstream("SessionInfo", f.read_bytes())
        assert not rejects and msgs
        ref = session_ref_from_info(json.loads(msgs[0].payload))
        assert ref.path == f.parent.relative_to(ARCHIVE).as_posix() + "/"
        assert ref.year == int(ref.path[:4])
        assert ref.session_key > 0 and ref.location and ref.country and ref.circuit
    china = session_ref_from_info(json.loads(parse_jsonstream(
        "SessionInfo", (ARCHIVE / "2024/2024-04-21_Chinese_Grand_Prix/2024-04-19_Sprint_Qualifying/SessionInfo.jsonStream").read_bytes()
    )[0][0].payload))
    assert (china.session_key, china.session_name, china.session_type) == (9668, "Sprint Qualifying", "Qualifying")
    assert china.meeting_official_name == "FORMULA 1 LENOVO CHINESE GRAND PRIX 2024"
    assert china.round is None and china.country == "China"


def test_session_ref_from_info_errors():
    with pytest.raises(ArchiveError, match="Key"):
        session_ref_from_info({"Name": "Race", "Path": GOOD})
    with pytest.raises(ArchiveError, match="Path"):
        session_ref_from_info({"Key": 5, "Name": "Race", "Path": "../x/"})
    r = session_ref_from_info({"Key": 5, "Type": "Race", "Path": GOOD})
    assert r.session_name == "Race" and r.year == 2030 and r.meeting_name == "Unknown meeting"


# ------------------------------------------------------------------ fuzzy lookup on real indexes


@pytest.mark.parametrize(
    "year,meeting,session,key",
    [
        (2019, "Italian Grand Prix", "Qualifying", 5502),
        (2019, "monza", "q", 5502),
        (2019, "ITALY", "Q", 5502),
        (2019, 14, "Q", 5502),
        (2019, "14", "Q", 5502),
        (2019, "Monacco", "R", 5434),  # typo -> close match
        (2019, "Montreal", "FP3", 5445),  # accent-insensitive (Montréal)
        (2019, "Sao Paulo", "Race", 5546),
        (2019, "italian gp", "qualifying", 5502),
        (2020, "70th anniversary", "FP2", 5778),
        (2020, "Sakhir", "Q", 5930),  # the Sakhir GP, not the Bahrain GP held at Sakhir
        (2020, "Bahrain", "R", 5918),
        (2020, "Imola", "FP1", 5905),  # 2020 Imola had one session named "Practice"
        (2020, "Imola", "Practice", 5905),
        (2020, "Nurburgring", "R", 5888),
        (2021, "Italy", "FP2", 6271),  # Italy -> Italian GP, not Emilia Romagna (also in Italy)
        (2021, "Monza", "Practice 2", 6271),
        (2022, "Bahrain", "R", 6993),  # not the Pre-Season Test, also in Bahrain
        (2022, 2, "R", 6994),  # round 2 is Saudi Arabia; the test's Number 2 is ignored
        (2022, "Pre-Season Testing", "Day 2", 7175),
        (2022, "testing", "T3", 7176),
        (2023, "testing", "Day 1", 9222),
        (2023, "pre-season test", "day1", 9222),
        (2023, "São Paulo", "R", 9205),
        (2023, "mexico", "r", 9181),
    ],
)
def test_find_real(year, meeting, session, key):
    assert find_session(season(year), meeting, session).session_key == key


# Sprint naming: 2021 "Sprint Qualifying" was the sprint race; 2023 "Sprint Shootout" is SQ.
@pytest.mark.parametrize(
    "year,meeting,session,key",
    [
        (2021, "Monza", "S", 6272),
        (2021, "Monza", "Sprint", 6272),
        (2021, "Monza", "Sprint Qualifying", 6272),
        (2021, "Silverstone", "S", 6425),
        (2021, "Sao Paulo", "sprint", 6674),
        (2022, "Imola", "S", 7024),
        (2022, "Austria", "Sprint", 7197),
        (2023, "Baku", "SQ", 9278),
        (2023, "Baku", "SS", 9278),
        (2023, "Baku", "Sprint Shootout", 9278),
        (2023, "Baku", "S", 9069),
        (2023, "Qatar", "SQ", 9298),
        (2023, "Qatar", "S", 9220),
        (2023, "Qatar", "R", 9221),
        (2023, "Austin", "sprint", 9212),
    ],
)
def test_sprint_naming_real(year, meeting, session, key):
    assert find_session(season(year), meeting, session).session_key == key


def test_2021_has_no_shootout_and_says_so():
    with pytest.raises(SessionNotFound) as exc:
        find_session(season(2021), "Monza", "SQ")
    msg = str(exc.value)
    assert "no sprint shootout" in msg and "'Sprint Qualifying'" in msg and "pass 'S'" in msg


def sprint_2024_index() -> list[SessionRef]:
    def s(key, name, typ, day):
        return S(key, name, f"2024/2024-04-21_Chinese_Grand_Prix/2024-04-{day}_{name.replace(' ', '_')}/", typ)

    doc = {"Year": 2024, "Meetings": [
        {"Key": 1233, "Number": 5, "Name": "Chinese Grand Prix", "Location": "Shanghai",
         "Country": {"Name": "China"}, "Circuit": {"ShortName": "Shanghai"},
         "Sessions": [s(9664, "Practice 1", "Practice", 19), s(9668, "Sprint Qualifying", "Qualifying", 19),
                      s(9672, "Sprint", "Race", 20), s(9673, "Qualifying", "Qualifying", 20),
                      s(9678, "Race", "Race", 21)]},
        {"Key": 1234, "Number": 6, "Name": "Miami Grand Prix", "Location": "Miami",
         "Country": {"Name": "United States"}, "Circuit": {"ShortName": "Miami"},
         "Sessions": [S(9570, "Race", "2024/2024-05-05_Miami_Grand_Prix/2024-05-05_Race/")]},
        {"Key": 1235, "Number": 19, "Name": "United States Grand Prix", "Location": "Austin",
         "Country": {"Name": "United States"}, "Circuit": {"ShortName": "Austin"},
         "Sessions": [S(9600, "Race", "2024/2024-10-20_United_States_Grand_Prix/2024-10-20_Race/")]},
    ]}
    return parse_season_index(json.dumps(doc).encode(), 2024)


@pytest.mark.parametrize(
    "meeting,session,key",
    [("China", "SQ", 9668), ("Shanghai", "Sprint Qualifying", 9668), ("chinese", "ss", 9668),
     ("China", "S", 9672), ("China", "Sprint", 9672), ("China", "Q", 9673), ("China", "R", 9678), (5, "FP1", 9664),
     ("Austin", "R", 9600), ("United States", "R", 9600), ("Miami", "R", 9570)],
)
def test_sprint_naming_2024(meeting, session, key):
    assert find_session(sprint_2024_index(), meeting, session).session_key == key


# ------------------------------------------------------------------ errors


def test_ambiguous_meeting_lists_candidates():
    with pytest.raises(SessionNotFound) as exc:
        find_session(season(2020), "Silverstone", "R")
    msg = str(exc.value)
    assert "British Grand Prix" in msg and "70th Anniversary Grand Prix" in msg
    assert "round 4" in msg and "round 5" in msg and "round number" in msg


def test_unknown_meeting_lists_close_matches():
    with pytest.raises(SessionNotFound) as exc:
        find_meeting(season(2019), "Atlantis Grand Prix")
    assert "Pass a meeting name, location, country or round number" in str(exc.value)
    with pytest.raises(SessionNotFound) as exc:
        find_meeting(season(2019), "Belgrade")
    assert "close matches: Belgian Grand Prix (round 13, Spa-Francorchamps)" in str(exc.value)


@pytest.mark.parametrize("typo,name", [("Belgica", "Belgian Grand Prix"), ("Spainish Grand Prix", "Spanish Grand Prix"),
                                       ("Singapur", "Singapore Grand Prix"), ("Mexcio", "Mexican Grand Prix"),
                                       ("Monte", "Monaco Grand Prix")])
def test_typos_resolve(typo, name):
    assert find_meeting(season(2019), typo)[0].meeting_name == name


def test_unknown_round_lists_rounds():
    with pytest.raises(SessionNotFound) as exc:
        find_meeting(season(2019), 99)
    msg = str(exc.value)
    assert "no round 99" in msg and "14: Italian Grand Prix" in msg


def test_unknown_session_lists_that_meetings_sessions():
    with pytest.raises(SessionNotFound) as exc:
        find_session(season(2019), "Monza", "Sprint")
    msg = str(exc.value)
    assert "no sprint race" in msg
    assert "'Practice 1', 'Practice 2', 'Practice 3', 'Qualifying', 'Race'" in msg
    assert "R, Q, S, SQ, FP1" in msg


def test_hole_session_not_findable():
    # 2019 Japanese GP FP3 has no Path in the index (typhoon): skipped, and the error says what exists
    with pytest.raises(SessionNotFound) as exc:
        find_session(season(2019), "Suzuka", "FP3")
    assert "'Practice 2'" in str(exc.value) and "'Practice 3'" not in str(exc.value)


def test_normalize():
    assert normalize("São-Paulo GP") == "sao paulo grand prix"
    assert normalize("  MONTRÉAL ") == "montreal"
    assert normalize("Nürburgring") == "nurburgring"


def test_topics():
    for t in ("SessionInfo", "CarData.z", "Position.z", "ContentStreams", "AudioStreams", "TlaRcm", "DriverTracker",
              "OvertakeSeries", "PitLaneTimeCollection", "TyreStintSeries", "CurrentTyres", "ChampionshipPrediction",
              "LapSeries", "DriverRaceInfo", "PitStopSeries", "PitStop", "TeamRadio", "SessionData", "ArchiveStatus",
              "ExtrapolatedClock", "Heartbeat", "TopThree", "TimingStats", "LapCount", "WeatherData", "TimingData",
              "TimingAppData", "DriverList", "RaceControlMessages", "TrackStatus", "SessionStatus"):
        assert t in KNOWN_TOPICS, t
    assert len(set(KNOWN_TOPICS)) == len(KNOWN_TOPICS)
    assert {"TimingData", "CarData.z", "Position.z", "DriverList", "SessionInfo"} <= CORE_TOPICS
    assert "ContentStreams" not in CORE_TOPICS and CORE_TOPICS <= set(KNOWN_TOPICS)
