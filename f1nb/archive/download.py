"""One GET of an archive file, and what its body must be before it is cached: complete, in its
format, bounded in size and time.

A 200 answer is not proof of a good body: a captive portal answers HTML, a
proxy cuts a body short, a hostile server sends a gzip bomb or a byte every
few seconds. A body that fails here is never cached (a cached bad body would
be read back for good).
"""

from __future__ import annotations

import re
import time

import orjson

from ..errors import DownloadError

ABSENT_STATUS = (404, 410)

_OFFSET_RECORD = re.compile(rb"\d{2}:[0-5]\d:[0-5]\d\.\d{3}[{\[\"\-0-9tfn]")  # an offset, then any JSON value
BOM = b"\xef\xbb\xbf"


def body_problem(relpath: str, body: bytes) -> str | None:
    """Why `body` is not a plausible `relpath` (a `.jsonStream` or a `.json`), or None."""
    data = body[3:] if body.startswith(BOM) else body
    if relpath.endswith(".jsonStream"):
        if not data.strip():
            return None  # an empty feed
        if not _OFFSET_RECORD.match(data.lstrip(b"\r\n")):
            return f"is not a .jsonStream (it starts {_preview(data)})"
        if not data.endswith(b"\n") and not _whole_record(data[data.rfind(b"\n") + 1:]):
            return "is cut short (its last record is incomplete)"
        return None
    if relpath.endswith(".json"):
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError:
            return f"is not JSON (it starts {_preview(data)})"
        if not isinstance(value, dict):
            return "is not a JSON object"
    return None


def _whole_record(line: bytes) -> bool:
    """A last line without a line end is still whole if its JSON parses (a cut one does not)."""
    try:
        orjson.loads(line.rstrip(b"\r")[12:])
    except orjson.JSONDecodeError:
        return False
    return _OFFSET_RECORD.match(line) is not None


def _preview(data: bytes) -> str:
    return repr(data[:40].decode("utf-8", "replace"))


class BodyTooLarge(Exception):
    pass


class DeadlinePassed(Exception):
    pass


def read_bounded(resp, limit: int, deadline: float) -> bytes:
    """The response body, decoded, stopping past `limit` bytes or the monotonic `deadline`."""
    chunks: list[bytes] = []
    size = 0
    for chunk in resp.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"body is larger than {limit // (1024 * 1024)} MiB (decoded)")
        if time.monotonic() > deadline:
            raise DeadlinePassed()
        chunks.append(chunk)
    return b"".join(chunks)


class Retryable(Exception):
    """One failed attempt that is worth retrying."""


def get_once(http, url: str, headers: dict, limit: int, deadline: float, deadline_s: float, timeout: float,
             ) -> bytes | None:
    """One GET: the body, None where absent (404/410); Retryable for a failure worth another
    attempt; DownloadError (one line saying what to do) for the others."""
    import httpx

    try:
        with http.stream("GET", url, headers=headers) as resp:
            if resp.status_code in ABSENT_STATUS:
                resp.close()
                return None
            if resp.status_code >= 500 or resp.status_code == 429:
                raise Retryable(f"HTTP {resp.status_code}")
            if resp.status_code >= 400:
                hint = " (an F1TV token may be needed: set F1NB_F1TV_TOKEN)" if resp.status_code in (401, 403) else ""
                raise DownloadError(f"{url}: HTTP {resp.status_code}{hint}")
            body = read_bounded(resp, limit, deadline)
            expected = resp.headers.get("content-length")
            encoding = resp.headers.get("content-encoding", "identity").strip().lower()
            # Content-Length counts the bytes on the wire (compressed, if encoded)
            received = len(body) if encoding in ("", "identity") else resp.num_bytes_downloaded
            if expected is not None and expected.strip().isdigit() and received != int(expected):
                raise Retryable(f"truncated body: {received} of {expected.strip()} bytes")
            return body
    except httpx.TimeoutException as exc:
        raise Retryable(f"timed out after {timeout:g} s ({type(exc).__name__})") from None
    except httpx.TransportError as exc:  # connection refused/reset, incomplete body, protocol errors
        raise Retryable(f"{type(exc).__name__}: {exc}") from None
    except BodyTooLarge as exc:
        raise DownloadError(f"{url}: {exc}; nothing was cached. If the file is genuine, raise the limit "
                            "($F1NB_MAX_FILE_MB)") from None
    except DeadlinePassed:
        raise DownloadError(f"{url} did not finish downloading within {deadline_s:g} s; nothing was "
                            "cached. Check the network, or raise $F1NB_FILE_DEADLINE_S") from None
    except httpx.TooManyRedirects:
        raise DownloadError(f"{url} redirects in a loop (or more than 20 times); check the archive URL "
                            "(--archive-url / $F1NB_ARCHIVE_URL)") from None
    except httpx.HTTPError as exc:  # invalid URL, unsupported redirect target, decoding errors
        raise DownloadError(f"{url}: {type(exc).__name__}: {exc}") from None
