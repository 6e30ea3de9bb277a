"""Downloading archive sessions, with retries and a byte-exact raw cache.

`ArchiveClient` reads `http(s)://` archives (F1's, a mirror, or the test
server in `serve.py`) and `file://` trees. Every downloaded file is cached on
disk under `cache_dir/<host>/<url path>`, written to a temporary file and
renamed into place, so a killed process never leaves a partial file. Once a
whole session has been fetched, a small manifest next to it remembers its
feed list and which feeds were absent (404), so fetching it again makes no
request at all.

The F1TV token (argument or `$F1NB_F1TV_TOKEN`) is sent only to
`livetiming.formula1.com`, and is never logged, cached or put in a message.
"""

from __future__ import annotations

import hashlib
import os
import random
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit
from typing import TYPE_CHECKING
from urllib.request import url2pathname

import orjson

from .. import config, progress, waiting
from ..bronze.build import session_info
from ..decode.jsonstream import parse_jsonstream
from ..errors import ArchiveError, DownloadError, SessionNotFound

if TYPE_CHECKING:  # httpx is imported on the first download: file:// trees never need it
    import httpx
from .download import Retryable, body_problem, get_once
from .cache import RawCache
from ..session_ref import SessionRef, quote_path, sanitize_path, session_ref_from_info
from .index import parse_season_index
from .lookup import find_session
from .topics import KNOWN_TOPICS, stream_file

# The season index changes during a season (sessions get paths as they run):
# a cached copy of a current season is re-fetched after this many seconds.
INDEX_MAX_AGE = 3600.0


@dataclass
class SessionFiles:
    ref: SessionRef
    files: dict[str, bytes] = field(default_factory=dict)  # topic -> exact bytes served
    absent: list[str] = field(default_factory=list)  # topics that 404ed
    sha256: dict[str, str] = field(default_factory=dict)
    feeds_source: str = "index"  # "index" (session Index.json) or "fallback" (KNOWN_TOPICS)
    requests: int = 0  # HTTP requests this fetch made (0 when all came from the cache)

    def __repr__(self) -> str:
        sizes = {t: len(b) for t, b in self.files.items()}
        return f"SessionFiles({self.ref.label!r}, files={sizes}, absent={self.absent}, feeds_source={self.feeds_source!r})"


class ArchiveClient:
    def __init__(
        self,
        base_url: str | None = None,
        cache_dir: str | os.PathLike | None = None,
        token: str | None = None,
        timeout: float = 10.0,
        retries: int = 4,
        backoff: float = 0.25,
        concurrency: int = 8,
        progress: bool = True,
        transport: httpx.BaseTransport | None = None,
        max_file_bytes: int | None = None,
        file_deadline: float | None = None,
    ) -> None:
        self.base_url = config.archive_url(base_url)
        try:
            parts = urlsplit(self.base_url)
            parts.port  # noqa: B018 - validates the port ('http://[::1' or ':99999' raise here)
        except ValueError as exc:
            raise ArchiveError(f"archive URL {self.base_url!r} is malformed ({exc}); pass a URL like "
                               "https://livetiming.formula1.com/static/") from None
        if parts.scheme not in ("http", "https", "file"):
            raise ArchiveError(
                f"archive URL {self.base_url!r} is not http(s):// or file://; pass --archive-url "
                "https://livetiming.formula1.com/static/ or a local mirror"
            )
        self.scheme = parts.scheme
        self.cache_dir = Path(config.cache_dir(cache_dir))
        self._token = token if token is not None else config.f1tv_token()
        self.timeout = float(timeout)
        self.retries = max(0, int(retries))
        self.backoff = float(backoff)
        self.concurrency = max(1, int(concurrency))
        self.progress = progress
        self.max_file_bytes = int(max_file_bytes or config.max_file_bytes())
        self.file_deadline = float(file_deadline or config.file_deadline_s())
        self._transport = transport
        self._http: httpx.Client | None = None
        self._lock = threading.Lock()
        self.request_count = 0
        if self.scheme == "file":
            self._root = Path(url2pathname(unquote(parts.path)))
        # file:// trees are read in place; http(s) downloads go through the raw cache
        self._cache = None if self.scheme == "file" else RawCache(self.cache_dir, parts)

    # ------------------------------------------------------------ plumbing

    def __repr__(self) -> str:  # never shows the token
        return f"ArchiveClient({self.base_url!r}, cache_dir={str(self.cache_dir)!r}, token={'set' if self._token else 'none'})"

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _client(self) -> httpx.Client:
        import httpx

        with self._lock:
            if self._http is None:
                self._http = httpx.Client(
                    timeout=httpx.Timeout(self.timeout),
                    limits=httpx.Limits(max_connections=self.concurrency, max_keepalive_connections=self.concurrency),
                    follow_redirects=True,
                    transport=self._transport,
                    headers={"User-Agent": "f1nb (+https://github.com/) httpx", "Accept-Encoding": "gzip, deflate"},
                )
            return self._http

    def url_for(self, relpath: str) -> str:
        return self.base_url + quote_path(relpath)

    def _headers_for(self, url: str) -> dict[str, str]:
        parts = urlsplit(url)  # never over plain http://, where anyone on the path could read it
        if self._token and parts.scheme == "https" and parts.hostname == config.F1_HOST:
            return {"Authorization": f"Bearer {self._token}"}
        return {}

    def _cache_path(self, relpath: str) -> Path | None:
        return None if self._cache is None else self._cache.path(relpath)

    @staticmethod
    def _check_relpath(relpath: str) -> str:
        try:
            return sanitize_path(relpath, directory=relpath.endswith("/"))
        except ValueError as exc:
            raise ArchiveError(f"refusing archive path: {exc}") from None

    def _get_once(self, url: str, deadline: float) -> bytes | None:
        with self._lock:
            self.request_count += 1
        return get_once(self._client(), url, self._headers_for(url), self.max_file_bytes, deadline,
                        self.file_deadline, self.timeout)

    def _download(self, relpath: str) -> bytes | None:
        """GET with retries. None for 404. Raises DownloadError after the last attempt."""
        url = self.url_for(relpath)
        last = ""
        deadline = time.monotonic() + self.file_deadline
        for attempt in range(self.retries + 1):
            try:
                return self._get_once(url, deadline)
            except Retryable as exc:
                last = str(exc)
            if time.monotonic() > deadline:
                last += f"; the {self.file_deadline:g} s deadline for one file has passed"
                break
            if attempt < self.retries:
                delay = self.backoff * (2**attempt)
                time.sleep(delay * (0.75 + 0.5 * random.random()))
        raise DownloadError(
            f"could not download {url} after {attempt + 1} attempts (last failure: {last}). "
            "Check the network connection and the archive URL (--archive-url / $F1NB_ARCHIVE_URL); "
            "a re-run resumes where this one stopped"
        )

    def _read_local(self, relpath: str) -> bytes | None:
        path = self._root.joinpath(*relpath.split("/"))
        try:
            return path.read_bytes() if path.is_file() else None
        except OSError as exc:
            raise DownloadError(f"cannot read {path}: {exc}") from None

    def _fetch(self, relpath: str, use_cache: bool = True) -> tuple[bytes | None, bool]:
        """(body or None for absent, whether a request was made)."""
        if self.scheme == "file":
            return self._read_local(relpath), False
        cached = self._cache_path(relpath)
        if use_cache and cached is not None and cached.is_file():
            body = cached.read_bytes()
            if body_problem(relpath, body) is None:
                return body, False
            # a bad body cached by an older f1nb: fetched again below (and replaced if good)
        body = self._download(relpath)
        if body is not None:
            problem = body_problem(relpath, body)
            if problem:
                raise DownloadError(
                    f"{self.url_for(relpath)} {problem}; nothing was cached. A captive portal or proxy may have "
                    "answered instead of the archive: check the network and retry (f1nb load --refresh "
                    "fetches every file of the session again)")
            self._cache.write(relpath, body)
        return body, True

    def fetch_file(self, relpath: str, refresh: bool = False) -> bytes | None:
        """One archive file by its path (e.g. '2019/Index.json'); None where absent."""
        relpath = self._check_relpath(relpath)
        return self._fetch(relpath, use_cache=not refresh)[0]

    # ------------------------------------------------------------ seasons

    def season(self, year: int, refresh: bool = False) -> list[SessionRef]:
        """Every session in `{year}/Index.json` (archive holes skipped with a warning)."""
        relpath = f"{int(year)}/Index.json"
        cached = self._cache_path(relpath)
        if not refresh and cached is not None and cached.is_file():
            age = time.time() - cached.stat().st_mtime
            current = int(year) >= time.gmtime().tm_year
            refresh = current and age > INDEX_MAX_AGE
        body, _ = self._fetch(relpath, use_cache=not refresh)
        if body is None:
            raise SessionNotFound(
                f"the archive has no season index for {year} ({self.url_for(relpath)} is absent); "
                "load a session by its path instead (f1nb load --path YEAR/MEETING/SESSION/)"
            )
        return parse_season_index(body, int(year))

    def find(self, year: int, meeting: str | int, session: str | int, refresh: bool = False) -> SessionRef:
        return find_session(self.season(year, refresh=refresh), meeting, session)

    def session_from_path(self, path: str, refresh: bool = False) -> SessionRef:
        """A session known only by its archive path: read its SessionInfo (and the round from the season index, if any)."""
        path = self._check_relpath(path if path.endswith("/") else path + "/")
        body, _ = self._fetch(path + "SessionInfo.jsonStream", use_cache=not refresh)
        if body is None:
            raise SessionNotFound(
                f"no session at {self.url_for(path)} (its SessionInfo.jsonStream is absent); "
                "check the path, e.g. 2018/2018-04-29_Azerbaijan_Grand_Prix/2018-04-29_Race/"
            )
        messages, _rejects = parse_jsonstream("SessionInfo", body)
        info = session_info(messages)
        if not info:
            raise ArchiveError(f"{self.url_for(path)}SessionInfo.jsonStream holds no SessionInfo record")
        year = int(path[:4]) if path[:4].isdigit() else None
        ref = session_ref_from_info(info, year=year, path=path)
        manifest = self._read_manifest_at(path)
        if manifest is not None and ref.round is None and isinstance(manifest.get("round"), int):
            ref = replace(ref, round=manifest["round"])
        elif ref.round is None and year is not None and manifest is None:
            try:  # enrich with the round number where the season index lists this path
                import warnings

                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    for r in self.season(year):
                        if r.path == path:
                            # fill what SessionInfo lacks (round, official name); SessionInfo's own values win
                            ref = replace(ref, round=r.round,
                                          meeting_official_name=ref.meeting_official_name or r.meeting_official_name)
                            break
            except (ArchiveError, OSError):
                pass
        return ref

    # ------------------------------------------------------------ sessions

    def _read_manifest(self, ref: SessionRef) -> dict | None:
        return self._read_manifest_at(ref.path)

    def _read_manifest_at(self, path: str) -> dict | None:
        return None if self._cache is None else self._cache.read_manifest(path)

    def _feeds(self, ref: SessionRef, refresh: bool = False) -> tuple[dict[str, str], str, bool]:
        manifest = None if refresh else self._read_manifest(ref)
        if manifest is not None:
            return dict(manifest["feeds"]), manifest.get("feeds_source", "index"), False
        body, requested = self._fetch(ref.path + "Index.json", use_cache=not refresh)
        if body is None:
            return {t: stream_file(t) for t in KNOWN_TOPICS}, "fallback", requested
        try:
            data = orjson.loads(body[3:] if body.startswith(b"\xef\xbb\xbf") else body)
        except orjson.JSONDecodeError:
            raise ArchiveError(
                f"{self.url_for(ref.path + 'Index.json')} is not valid JSON; retry with f1nb load --refresh"
            ) from None
        feeds: dict[str, str] = {}
        raw = data.get("Feeds") if isinstance(data, dict) else None
        for topic, spec in (raw or {}).items():
            stream = spec.get("StreamPath") if isinstance(spec, dict) else None
            if not isinstance(stream, str) or not stream:
                stream = stream_file(topic)
            try:
                feeds[topic] = sanitize_path(stream, directory=False)
            except ValueError:
                continue  # an unsafe StreamPath is never requested
        return feeds, "index", requested

    def session_feeds(self, ref: SessionRef) -> tuple[dict[str, str], str]:
        """topic -> stream file name, and where the list came from ("index" or "fallback")."""
        feeds, source, _ = self._feeds(ref)
        return feeds, source

    def fetch_session(self, ref: SessionRef, topics: Iterable[str] | None = None, refresh: bool = False) -> SessionFiles:
        """Download (or read from the cache) a session's feeds. Absent feeds are recorded, not errors.
        `refresh`: ignore the cache and the manifest, and fetch every file again."""
        with self._lock:
            before = self.request_count
        feeds, source, _ = self._feeds(ref, refresh)
        wanted = list(dict.fromkeys(topics)) if topics is not None else list(feeds)
        manifest = {} if refresh else self._read_manifest(ref) or {}
        known_absent = set(manifest.get("absent", []))
        out = SessionFiles(ref=ref, feeds_source=source)
        todo: list[tuple[str, str]] = []
        for topic in wanted:
            name = feeds.get(topic) or stream_file(topic)
            try:
                name = sanitize_path(name, directory=False)
            except ValueError:
                raise ArchiveError(f"refusing feed file name {name!r} for topic {topic!r}") from None
            todo.append((topic, name))

        results: dict[str, bytes | None] = {}
        pending: list[tuple[str, str]] = []
        for topic, name in todo:
            cached = self._cache_path(ref.path + name)
            body = cached.read_bytes() if not refresh and cached is not None and cached.is_file() else None
            if body is not None and body_problem(name, body) is None:
                results[topic] = body
            elif topic in known_absent:
                results[topic] = None
            else:
                pending.append((topic, name))

        if pending:
            errors: list[BaseException] = []
            # a bar on a terminal, one line in a log or notebook output (a tqdm bar's redraws piled up there)
            with progress.terminal(ref.label, enabled=self.progress) as report:
                pool = ThreadPoolExecutor(max_workers=min(self.concurrency, len(pending)))
                interrupted = False
                try:
                    futures = {pool.submit(self._fetch, ref.path + name, False): topic for topic, name in pending}
                    for done, fut in enumerate(waiting.as_completed(futures), 1):
                        topic = futures[fut]
                        try:
                            results[topic] = fut.result()[0]
                        except BaseException as exc:  # collected; the first one is raised below
                            errors.append(exc)
                        report(done / len(pending), f"downloading {topic}")
                except KeyboardInterrupt:
                    interrupted = True  # Ctrl-C: not kept waiting for the files in flight
                    raise
                finally:
                    pool.shutdown(wait=not interrupted, cancel_futures=True)
                if errors:
                    raise errors[0]

        for topic, _name in todo:
            body = results.get(topic)
            if body is None:
                out.absent.append(topic)
            else:
                out.files[topic] = body
                out.sha256[topic] = hashlib.sha256(body).hexdigest()
        if self._cache is not None:
            self._cache.write_manifest(ref, feeds, source, out.absent)
        with self._lock:
            out.requests = self.request_count - before
        return out
