"""`f1nb live`: the command-line side of live sessions (called from `f1nb.cli.cmd_live`)."""

from __future__ import annotations

import sys

from ..errors import F1nbError


def _status(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def format_summary(s: dict) -> str:
    lag, slag = s.get("bronze_lag_s", {}), s.get("silver_lag_s", {})
    text = (f"live session {s.get('session_key')}: {s.get('messages', 0)} messages in {s.get('batches', 0)} batches, "
            f"{s.get('connects', 0)} connection(s), {s.get('builds', 0)} Silver/Gold builds, "
            f"{s.get('seconds', 0):.1f} s")
    if lag.get("n"):
        text += f"; Bronze lag p50 {lag['p50']:.2f} s (max {lag['max']:.2f} s)"
    if slag.get("n"):
        text += f", Silver lag p50 {slag['p50']:.2f} s (max {slag['max']:.2f} s)"
    if s.get("recorded"):
        text += f"; recorded to {s['recorded']}"
    if s.get("frames_rejected") or s.get("duplicates_dropped"):
        text += (f"; {s.get('frames_rejected', 0)} unusable frames kept in bronze.rejects, "
                 f"{s.get('duplicates_dropped', 0)} duplicated frames dropped")
    if s.get("record_skipped"):
        text += ("\nwarning: not recorded (a topic name that is no safe file name; the messages are in the lake): "
                 + ", ".join(repr(t) for t in s["record_skipped"]))
    for err in s.get("build_errors") or []:
        text += f"\nwarning: {err}"
    return text


def run_live(lake, args) -> int:
    from .session import LiveSession

    if args.replay and args.url:
        raise F1nbError("pass either --replay SOURCE or --url, not both")
    live = LiveSession(lake, source=args.replay, speed=args.speed, core=args.core, url=args.url,
                       record=args.record, build=not args.no_build, on_status=_status,
                       replace=getattr(args, "replace", False))
    live.start()
    try:
        if args.replay:
            live.wait()
            _status("f1nb live: the replay has ended")
        else:
            _status("f1nb live: following the live session; Ctrl-C stops (the lake stays consistent)")
            while not live.sink.failed.wait(1):  # stop() below raises what failed
                pass
    except KeyboardInterrupt:
        _status("f1nb live: stopping")
    finally:
        live.stop()
    print(format_summary(live.summary()))
    return 0
