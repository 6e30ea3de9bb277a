"""SignalR framing for F1's live endpoint, both protocols, as pure functions.

classic (`/signalr`, ASP.NET SignalR 1.5):
  send ``{"H":"Streaming","M":"Subscribe","A":[[topics]],"I":1}``;
  reply ``{"R":{topic: state},"I":"1"}``; feeds
  ``{"C":…,"M":[{"H":"Streaming","M":"feed","A":[topic, payload, utc]}]}``; keep-alive ``{}``.
SignalR Core (`/signalrcore`, JSON hub protocol): every frame ends in ``\\x1e``;
  handshake ``{"protocol":"json","version":1}``, reply ``{}``; invocation
  ``{"type":1,"invocationId":"0","target":"Subscribe","arguments":[[topics]]}``;
  completion ``{"type":3,"invocationId":"0","result":{…}}``; feeds
  ``{"type":1,"target":"feed","arguments":[topic, payload, utc]}``; ping ``{"type":6}``; close ``{"type":7}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

RS = "\x1e"
HUB = "Streaming"


@dataclass(frozen=True)
class Event:
    kind: str  # state | feed | bad (a feed frame that cannot be used: `error` says why) | keepalive | handshake | close | other
    topic: str | None = None
    payload: Any = None
    utc: str | None = None
    error: str | None = None


def feed_event(args: object) -> Event:
    """A feed invocation's arguments `[topic, payload, utc]` as an event; a "bad" one if unusable."""
    if not isinstance(args, list) or len(args) < 3:
        return Event("bad", error="feed arguments are not [topic, payload, utc]")
    topic, payload, utc = args[:3]
    if not isinstance(topic, str) or not topic:
        return Event("bad", error=f"feed topic is not a name: {str(topic)[:40]!r}")
    if not isinstance(utc, str):
        return Event("bad", topic, payload, error=f"feed utc is not a string: {str(utc)[:40]!r}")
    return Event("feed", topic, payload, utc)


# --- classic ---------------------------------------------------------------------
def classic_subscribe(topics: list[str], invocation: int = 1) -> str:
    return orjson.dumps({"H": HUB, "M": "Subscribe", "A": [list(topics)], "I": invocation}).decode()


def classic_state(state: dict, invocation: str = "1") -> str:
    return orjson.dumps({"R": state, "I": invocation}).decode()


def classic_feed(topic: str, payload: Any, utc: str, cursor: str = "d-0") -> str:
    return orjson.dumps({"C": cursor, "M": [{"H": HUB, "M": "feed", "A": [topic, payload, utc]}]}).decode()


def parse_classic(text: str | bytes) -> list[Event]:
    value = orjson.loads(text)
    if not isinstance(value, dict) or not value:
        return [Event("keepalive")]
    out: list[Event] = []
    if "R" in value:
        if isinstance(value["R"], dict):
            out.append(Event("state", payload=value["R"]))
        elif "E" in value or value.get("R") is None:
            out.append(Event("other", error=str(value.get("E") or "empty Subscribe reply")))
    elif "E" in value:
        out.append(Event("other", error=str(value["E"])))
    frames = value.get("M") if isinstance(value.get("M"), list) else []
    for frame in frames:
        if isinstance(frame, dict) and frame.get("M") == "feed":
            out.append(feed_event(frame.get("A")))
    if not out:
        out.append(Event("keepalive" if "C" in value or "S" in value else "other"))
    return out


# --- SignalR Core ----------------------------------------------------------------
def core_handshake() -> str:
    return '{"protocol":"json","version":1}' + RS


def core_subscribe(topics: list[str], invocation: str = "0") -> str:
    msg = {"type": 1, "invocationId": invocation, "target": "Subscribe", "arguments": [list(topics)]}
    return orjson.dumps(msg).decode() + RS


def core_completion(state: dict, invocation: str = "0") -> str:
    return orjson.dumps({"type": 3, "invocationId": invocation, "result": state}).decode() + RS


def core_feed(topic: str, payload: Any, utc: str) -> str:
    return orjson.dumps({"type": 1, "target": "feed", "arguments": [topic, payload, utc]}).decode() + RS


def core_ping() -> str:
    return '{"type":6}' + RS


def parse_core(text: str | bytes) -> list[Event]:
    """One WebSocket message may carry several `\\x1e`-terminated frames."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    out: list[Event] = []
    for part in text.split(RS):
        if not part.strip():
            continue
        value = orjson.loads(part)
        if not isinstance(value, dict):
            out.append(Event("other"))
            continue
        kind = value.get("type")
        if kind is None:  # handshake reply: {} or {"error": …}
            out.append(Event("handshake", error=value.get("error")))
        elif kind == 6:
            out.append(Event("keepalive"))
        elif kind == 7:
            out.append(Event("close", error=value.get("error")))
        elif kind == 3:
            if isinstance(value.get("result"), dict):
                out.append(Event("state", payload=value["result"]))
            else:
                out.append(Event("other", error=value.get("error") or "empty Subscribe result"))
        elif kind == 1 and value.get("target") == "feed":
            out.append(feed_event(value.get("arguments")))
        else:
            out.append(Event("other"))
    return out


def parse_core_client(text: str) -> list[dict]:
    """Server side: the client's frames as dicts (handshake, invocations, pings)."""
    return [orjson.loads(p) for p in text.split(RS) if p.strip()]
