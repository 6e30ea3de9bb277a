"""UTC timestamps as F1 writes them: 0-7 fractional digits, `Z` or `+00:00`."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from ..errors import DecodeError

# Live timing began in the 2010s; these bounds only keep nonsense out of datetime arithmetic.
MIN_YEAR, MAX_YEAR = 1900, 2200
_UTC = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?"
)


def parse_utc(text: str) -> datetime:
    """Parse an F1 timestamp to an aware UTC datetime (microsecond precision).

    A timestamp without a zone is taken as UTC, which is what F1 means by its
    `Utc` fields.
    """
    m = _UTC.fullmatch(text) if isinstance(text, str) else None
    if not m:
        raise DecodeError(f"bad UTC timestamp {text!r}")
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    frac = (m.group(7) or "").ljust(6, "0")[:6]
    if not MIN_YEAR <= y < MAX_YEAR:  # also keeps the zone shift and `utc - offset` in datetime's range
        raise DecodeError(f"bad UTC timestamp {text!r}: year outside {MIN_YEAR}-{MAX_YEAR - 1}")
    try:
        value = datetime(y, mo, d, h, mi, s, int(frac), tzinfo=timezone.utc)
    except ValueError as exc:
        raise DecodeError(f"bad UTC timestamp {text!r}: {exc}") from None
    zone = m.group(8)
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        hh, mm = int(zone[1:3]), int(zone[-2:])
        value -= sign * timedelta(hours=hh, minutes=mm)
    return value
