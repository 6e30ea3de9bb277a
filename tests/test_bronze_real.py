"""Every real archive session, loaded through the real HTTP client from a local
archive server: Bronze holds every line of every file, byte for byte."""

from __future__ import annotations

from f1nb.decode.jsonstream import split_lines

from .conftest import REAL_ARCHIVE, REAL_SESSIONS


def _file_lines(path):
    return [line for _, line in split_lines(path.read_bytes())]


def test_message_counts_equal_file_lines(real_lake):
    assert len(REAL_SESSIONS) == 6
    for report in real_lake.load_reports:
        path = REAL_ARCHIVE / real_lake.sql(
            f"SELECT path FROM bronze.sessions WHERE session_key = {report.session_key}").column(0)[0].as_py()
        files = sorted(path.glob("*.jsonStream"))
        counts = dict(real_lake.raw.execute(
            "SELECT topic, count(*) FROM bronze.messages WHERE session_key = ? GROUP BY topic",
            [report.session_key]).fetchall())
        assert counts == {f.stem: len(_file_lines(f)) for f in files}
        assert report.rejects == 0
        feeds = dict(real_lake.raw.execute(
            "SELECT topic, status FROM bronze.feeds WHERE session_key = ?", [report.session_key]).fetchall())
        assert {t for t, st in feeds.items() if st == "present"} == {f.stem for f in files}


def test_payloads_equal_file_lines_byte_for_byte(real_lake):
    for report in real_lake.load_reports:
        path = REAL_ARCHIVE / real_lake.sql(
            f"SELECT path FROM bronze.sessions WHERE session_key = {report.session_key}").column(0)[0].as_py()
        for f in sorted(path.glob("*.jsonStream")):
            lines = _file_lines(f)
            picks = sorted({0, len(lines) // 3, len(lines) // 2, len(lines) - 1})
            rows = dict(real_lake.raw.execute(
                "SELECT seq, payload FROM bronze.messages WHERE session_key = ? AND topic = ? AND seq IN "
                f"({', '.join(map(str, picks))})", [report.session_key, f.stem]).fetchall())
            for i in picks:
                assert rows[i].encode() == lines[i][12:].encode(), (f, i)


def test_feed_hashes_match_files(real_lake):
    import hashlib

    rows = real_lake.sql("SELECT s.path, f.topic, f.sha256, f.bytes FROM bronze.feeds f JOIN bronze.sessions s "
                         "USING (session_key) WHERE f.status = 'present'").to_pylist()
    assert len(rows) >= 40
    for row in rows:
        body = (REAL_ARCHIVE / row["path"] / f"{row['topic']}.jsonStream").read_bytes()
        assert (hashlib.sha256(body).hexdigest(), len(body)) == (row["sha256"], row["bytes"])


def test_silver_checks_pass_on_real_sessions(real_lake):
    from f1nb.engine.duckdb_build import run_checks

    results = run_checks(real_lake)
    assert len(results) > 20
    failed = [r for r in results if r["violations"]]
    assert not failed, failed
