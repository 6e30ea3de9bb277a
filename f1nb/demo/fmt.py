"""Value formatting exactly as F1 writes it, and the event list every feed builder fills."""

from __future__ import annotations

from datetime import datetime, timedelta


def laptime(ms: int) -> str:
    """84816 -> '1:24.816'."""
    m, rest = divmod(int(ms), 60000)
    return f"{m}:{rest // 1000:02d}.{rest % 1000:03d}"


def sectime(ms: int) -> str:
    """26130 -> '26.130' (sectors over a minute as '1:02.345')."""
    return laptime(ms) if ms >= 60000 else f"{ms // 1000}.{ms % 1000:03d}"


def gap(seconds: float) -> str:
    return f"+{seconds:.3f}"


def utc7(t0: datetime, seconds: float) -> str:
    """ISO UTC with 7 fractional digits, like the Heartbeat: 2099-05-04T13:03:12.1234567Z."""
    ticks = round(seconds * 1e7)
    dt = t0 + timedelta(microseconds=ticks // 10)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond:06d}{ticks % 10}Z"


def utc7_many(t0: datetime, seconds) -> list[str]:
    """`utc7` of every element of a numpy array of seconds, vectorised (same strings)."""
    import numpy as np

    ticks = np.round(np.asarray(seconds, dtype=np.float64) * 1e7).astype(np.int64)
    stamps = np.datetime64(t0, "us") + (ticks // 10).astype("timedelta64[us]")
    text = np.datetime_as_string(stamps, unit="us")
    return [f"{s}{d}Z" for s, d in zip(text.tolist(), (ticks % 10).tolist())]


def utc0(t0: datetime, seconds: float) -> str:
    """Race-control style Utc without fractions: 2099-05-04T13:03:12."""
    return (t0 + timedelta(seconds=int(seconds))).strftime("%Y-%m-%dT%H:%M:%S")


class Events:
    """(time, seq, payload) triples for one topic; seq keeps insertion order for ties."""

    def __init__(self) -> None:
        self.items: list[tuple[int, int, object]] = []

    def add(self, t: float, payload: object) -> None:
        self.items.append((round(t * 1000), len(self.items), payload))

    def records(self) -> list[tuple[int, object]]:
        return [(ms, p) for ms, _, p in sorted(self.items, key=lambda x: (x[0], x[1]))]
