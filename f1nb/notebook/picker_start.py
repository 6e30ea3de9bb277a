"""Which season the session picker opens on: the latest one that the lake or the
archive can answer, so that it never opens on an error (the current season's
index is absent before the first race, and unreachable offline)."""

from __future__ import annotations


def opening_season(picker, options: list):
    """The first of `options` (newest first) with sessions in the lake or a season index
    in the archive; the demo when neither answers. The archive is asked newest first and
    no more once it cannot be reached (each further year would fail the same way)."""
    from ..errors import SessionNotFound

    lake_years = set(picker._lake_years())
    years = [y for y in options if isinstance(y, int)]
    for year in years:
        if year in lake_years:
            return year
        if picker.offline or picker._archive_down is not None:
            continue
        try:
            refs = picker._archive_client().season(year)
        except SessionNotFound:  # no index for this year (yet): try the one before
            continue
        except Exception as exc:  # unreachable: remember why, and use the lake from here on
            picker._archive_down = str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
            continue
        if refs:
            picker._known[year] = refs
            return year
    return options[0] if not years else next((o for o in options if not isinstance(o, int)), options[0])
