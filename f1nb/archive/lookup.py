"""Fuzzy lookup: what a user types — "Monaco", "monza", "São Paulo", 8, "R",
"FP2", "SQ", "Day 1" — resolved to exactly one session of a season index, or
`SessionNotFound` listing the close matches and what to pass instead."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..errors import InvalidChoice, SessionNotFound
from ..session_ref import SessionRef, is_testing_name, normalize

SESSION_TYPES = ("Race", "Qualifying", "Practice")  # the season index's session types (sprints: Race, Qualifying)


def _strip_gp(norm: str) -> str:
    return re.sub(r"\s*\bgrand prix\b\s*", " ", norm).strip()


@dataclass
class _Meeting:
    key: tuple
    name: str
    round: int | None
    sessions: list[SessionRef]

    @property
    def testing(self) -> bool:
        return is_testing_name(self.name)

    def describe(self) -> str:
        r = f"round {self.round}, " if self.round is not None and not self.testing else ""
        loc = self.sessions[0].location
        return f"{self.name} ({r}{loc})" if loc else f"{self.name}" + (f" ({r[:-2]})" if r else "")


def _meetings(refs: Iterable[SessionRef]) -> list[_Meeting]:
    out: dict[tuple, _Meeting] = {}
    for r in refs:
        k = (r.year, r.meeting_key, r.meeting_name)
        if k not in out:
            out[k] = _Meeting(k, r.meeting_name, r.round, [])
        out[k].sessions.append(r)
    return list(out.values())


def _meeting_fields(m: _Meeting) -> tuple[list[str], list[str]]:
    """(name forms, other forms) normalized."""
    r = m.sessions[0]
    names = {normalize(m.name), _strip_gp(normalize(m.name))}
    if r.meeting_official_name:
        names.add(normalize(r.meeting_official_name))
    others = {normalize(x) for x in (r.location, r.country, r.circuit) if x}
    return [n for n in names if n], [o for o in others if o]


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _year_text(refs: Sequence[SessionRef]) -> str:
    years = sorted({r.year for r in refs})
    return " ".join(map(str, years)) if years else "the index"


def find_meeting(refs: Sequence[SessionRef], meeting: str | int) -> list[SessionRef]:
    """The sessions of the one meeting `meeting` names (name, location, country, circuit or round)."""
    meetings = _meetings(refs)
    yt = _year_text(refs)
    if not meetings:
        raise SessionNotFound(f"no sessions in the {yt} index; load the session by path instead (--path YEAR/.../)")
    listing = "; ".join(m.describe() for m in meetings)

    round_no = meeting if isinstance(meeting, int) and not isinstance(meeting, bool) else None
    if round_no is None and isinstance(meeting, str) and re.fullmatch(r"\s*(?:r(?:ound)?\s*)?\d{1,2}\s*", meeting, re.I):
        round_no = int(re.sub(r"\D", "", meeting))
    if round_no is not None:
        found = [m for m in meetings if m.round == round_no]
        if len(found) > 1:
            found = [m for m in found if not m.testing] or found
        if len(found) == 1:
            return list(found[0].sessions)
        rounds = ", ".join(f"{m.round}: {m.name}" for m in meetings if m.round is not None and not m.testing)
        if not found:
            raise SessionNotFound(
                f"no round {round_no} in the {yt} index (rounds: {rounds or 'none numbered'}); "
                "pass a meeting name, location or country instead"
            )
        raise SessionNotFound(
            f"round {round_no} is ambiguous in the {yt} index: {'; '.join(m.describe() for m in found)}; pass the meeting name instead"
        )

    q = normalize(meeting)
    if not q:
        raise SessionNotFound(f"empty meeting name; pass one of: {listing}")
    wants_testing = "test" in q or q in ("preseason", "pre season", "winter")

    def tier(m: _Meeting) -> int | None:
        names, others = _meeting_fields(m)
        if wants_testing and m.testing:
            qs = q.replace("testing", "test")
            if any(qs == n.replace("testing", "test") for n in names):
                return 0
            return 2
        if q in names:
            return 0
        if q in others:
            return 1
        if any(q in n for n in names):
            return 2
        if any(q in o for o in others):
            return 3
        if any(len(n) >= 4 and n in q for n in names + others):
            return 4
        return None

    tiers: dict[int, list[_Meeting]] = {}
    for m in meetings:
        t = tier(m)
        if t is not None:
            tiers.setdefault(t, []).append(m)
    found: list[_Meeting] = []
    for t in sorted(tiers):
        found = tiers[t]
        if not wants_testing and len(found) > 1:
            found = [m for m in found if not m.testing] or found
        if len(found) > 1 and t in (1, 3):
            # "Italy" names Italy's meetings; prefer the one whose own name shares its stem ("Italian")
            stem = [m for m in found if any(_common_prefix(q, n) >= min(4, len(q)) for n in _meeting_fields(m)[0])]
            if len(stem) == 1:
                found = stem
        break
    if not found:  # close matches (typos)
        choices: dict[str, list[_Meeting]] = {}
        for m in meetings:
            names, others = _meeting_fields(m)
            for form in {_strip_gp(f) for f in names + others}:
                if not form:
                    continue
                choices.setdefault(form, [])
                if m not in choices[form]:
                    choices[form].append(m)
        close = difflib.get_close_matches(_strip_gp(q) or q, list(choices), n=5, cutoff=0.75)
        for form in close:
            for m in choices[form]:
                if m not in found:
                    found.append(m)
        if len(found) > 1:
            # only keep meetings as close as the best one
            best = close[0]
            found = list(choices[best])
        if found and not wants_testing:
            found = [m for m in found if not m.testing] or found
    if len(found) == 1:
        return list(found[0].sessions)
    if not found:
        stripped = {m.name: _strip_gp(normalize(m.name)) for m in meetings}
        close = difflib.get_close_matches(_strip_gp(q) or q, list(stripped.values()), n=5, cutoff=0.5)
        close_names = [m.describe() for m in meetings if stripped[m.name] in close]
        hint = f"close matches: {'; '.join(close_names)}" if close_names else f"meetings: {listing}"
        raise SessionNotFound(
            f"no meeting matches {meeting!r} in the {yt} index; {hint}. "
            "Pass a meeting name, location, country or round number"
        )
    raise SessionNotFound(
        f"{meeting!r} matches several meetings in the {yt} index: {'; '.join(m.describe() for m in found)}. "
        "Pass the meeting's full name or its round number"
    )


_PRACTICE = re.compile(r"^(?:fp|p|practice|free practice)\s*([1-3])$")
_DAY = re.compile(r"^(?:day|t|test|testing day|test day)\s*([1-9])$")
_RACE = {"r", "race", "grand prix", "main race", "feature race"}
_QUALI = {"q", "quali", "qualy", "qually", "qualis", "quals", "qual", "qualifying", "qualification"}
_SPRINT = {"s", "sprint", "sprint race", "spr"}
_SHOOTOUT = {"sq", "ss", "sprint shootout", "shootout", "sprint quali", "sprint qualifying"}


# Long enough that a close spelling is a typo of it, not another word ("Rcae", "Qaulifying").
_TYPO_TARGETS = sorted(a for a in _RACE | _QUALI | _SPRINT | _SHOOTOUT | {"practice"} if len(a) >= 4)


def _alias_of_typo(q: str) -> str:
    """The alias a misspelt session word stands for, so that typos resolve the same way
    for every session kind (difflib over the session names alone caught "Rcae" but not "Qualy")."""
    if len(q) < 4 or q in _TYPO_TARGETS or _PRACTICE.match(q) or _DAY.match(q):
        return q
    close = difflib.get_close_matches(q, _TYPO_TARGETS, n=1, cutoff=0.75)
    return close[0] if close else q


def _is_sprint_race(r: SessionRef) -> bool:
    n = normalize(r.session_name)
    if "sprint" not in n:
        return False
    if r.session_type:
        t = normalize(r.session_type)
        if t == "race":
            return True
        if t == "qualifying":
            return False
    # types missing: by name and year (2021 "Sprint Qualifying" was the sprint race)
    return n == "sprint" or (r.year == 2021 and n == "sprint qualifying")


def _is_shootout(r: SessionRef) -> bool:
    return "sprint" in normalize(r.session_name) and not _is_sprint_race(r)


def _session_listing(sessions: Sequence[SessionRef]) -> str:
    return ", ".join(repr(r.session_name) for r in sessions)


def find_session(refs: Sequence[SessionRef], meeting: str | int, session: str | int) -> SessionRef:
    """Resolve (meeting, session) to exactly one `SessionRef` or raise `SessionNotFound`."""
    sessions = find_meeting(refs, meeting)
    mname = f"{sessions[0].year} {sessions[0].meeting_name}"
    listing = _session_listing(sessions)
    q = normalize(session)
    if not q:
        raise SessionNotFound(f"empty session name; {mname} has {listing}")

    exact = [r for r in sessions if normalize(r.session_name) == q]
    # "Sprint Qualifying" typed literally means that session, except that in 2024+
    # naming "sprint qualifying" and in 2021 it is the race — the literal name wins.
    if len(exact) == 1:
        return exact[0]

    found: list[SessionRef] = []
    why = ""
    q = _alias_of_typo(q)
    if q in _RACE:
        found = [r for r in sessions if normalize(r.session_name) == "race"] or [
            r for r in sessions if normalize(r.session_type) == "race" and "sprint" not in normalize(r.session_name)
        ]
    elif q in _QUALI:
        found = [r for r in sessions if normalize(r.session_name) == "qualifying"]
    elif q in _SPRINT:
        found = [r for r in sessions if _is_sprint_race(r)]
        if not found:
            why = f"{mname} has no sprint race"
    elif q in _SHOOTOUT:
        found = [r for r in sessions if _is_shootout(r)]
        if not found:
            races = [r for r in sessions if _is_sprint_race(r)]
            why = f"{mname} has no sprint shootout/qualifying session"
            if races:
                why += (
                    f" ({races[0].session_name!r} here is the sprint race itself, as in 2021: pass 'S' for it)"
                )
    elif (m := _PRACTICE.match(q)) or (m := _DAY.match(q)):
        n = int(m.group(1))
        found = [r for r in sessions if normalize(r.session_name) in (f"practice {n}", f"day {n}")]
        if not found:
            found = [r for r in sessions if normalize(r.session_type) == "practice" and r.session_number == n]
        practice = [r for r in sessions if normalize(r.session_type) == "practice"]
        if not found and n == 1 and len(practice) == 1:  # e.g. 2020 Imola: one session named "Practice"
            found = practice
    elif q in ("fp", "p", "practice", "free practice"):
        found = [r for r in sessions if normalize(r.session_type) == "practice"]
    if not found and not why:
        prefix = [r for r in sessions if normalize(r.session_name).startswith(q)]
        if prefix:
            found = prefix
        else:
            names = {normalize(r.session_name): r for r in sessions}
            close = difflib.get_close_matches(q, list(names), n=3, cutoff=0.75)
            found = [names[c] for c in close[:1]]
    if len(found) == 1:
        return found[0]
    if found:
        raise SessionNotFound(
            f"{session!r} matches several sessions of {mname}: {_session_listing(found)}; pass one of those names"
        )
    raise SessionNotFound(
        f"no session {session!r} in {mname}{': ' + why if why else ''}; it has {listing}. "
        "Pass a session name or R, Q, S, SQ, FP1, FP2, FP3 (testing: Day 1, Day 2, ...)"
    )


def choose_sessions(refs: Sequence[SessionRef], meeting: str | int | None = None,
                    types: Iterable[str] | None = None) -> list[SessionRef]:
    """The sessions of a season index to load together: `meeting`'s (or the whole season's)
    of the session `types` (`SESSION_TYPES`, any case, or "All"; default: All for a meeting,
    Race and Qualifying for a season). `SessionNotFound` when none is left."""
    chosen_from = find_meeting(refs, meeting) if meeting is not None else list(refs)
    if isinstance(types, str):  # one type, not its letters
        types = [types]
    types = [str(t).title() for t in types] if types else (["All"] if meeting is not None else ["Race", "Qualifying"])
    unknown = sorted(set(types) - {*SESSION_TYPES, "All"})
    if unknown:
        raise InvalidChoice(f"unknown session type {', '.join(map(repr, unknown))}: pass {', '.join(SESSION_TYPES)} "
                            "or All")
    chosen = [r for r in chosen_from if "All" in types or (r.session_type or "").title() in types]
    if not chosen:
        where = (f"{chosen_from[0].year} {chosen_from[0].meeting_name}" if meeting is not None and chosen_from
                 else f"the {_year_text(refs)} index")
        held = sorted({r.session_type for r in chosen_from})
        raise SessionNotFound(f"no {' or '.join(types)} session in {where} (it has {', '.join(held) or 'none'}); "
                              "pass session types among those, or All")
    return chosen
