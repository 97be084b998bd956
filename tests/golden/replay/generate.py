#!/usr/bin/env python3
"""Writes the event streams of the replay golden cases (deterministic; no randomness).

  tests/golden/replay/generate.py   # rewrites */events.ndjson

outage/:   6 h of chat requests, one every 5 s; from 03:00 to 03:20 every request fails,
           and 10 % of requests from 04:00 to 05:00 fail (a slow burn).
quality/:  2 h of requests with TTFT and cost, each followed by a faithfulness evaluation;
           TTFT degrades between 00:40 and 01:00, evaluations score low every 7th request.
"""
import json
import os
from datetime import datetime, timedelta, timezone

T0 = datetime(2026, 11, 1, 0, 0, 0, tzinfo=timezone.utc)
HERE = os.path.dirname(os.path.abspath(__file__))


def rfc3339(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def write(case, events):
    with open(os.path.join(HERE, case, "events.ndjson"), "w") as f:
        for e in events:
            f.write(json.dumps(e, separators=(",", ":")) + "\n")


def outage():
    out = []
    for i in range(6 * 3600 // 5):
        t = T0 + timedelta(seconds=5 * i)
        minute = i * 5 // 60
        bad = 180 <= minute < 200 or (240 <= minute < 300 and i % 10 == 0)
        out.append({"time": rfc3339(t), "service": "chat-api",
                    "variant": "canary" if i % 4 == 0 else "stable",
                    "outcome": "error" if bad else "ok", "latency_ms": 900 + (i % 7) * 50})
    return out


def quality():
    out = []
    for i in range(2 * 3600 // 10):
        t = T0 + timedelta(seconds=10 * i)
        minute = i * 10 // 60
        slow = 40 <= minute < 60
        out.append({"time": rfc3339(t), "service": "assistant", "request_id": f"r{i}",
                    "outcome": "ok", "ttft_ms": (900 if slow else 200) + (i % 5) * 20,
                    "latency_ms": 2500, "output_tokens": 120, "cost_usd": 0.004 + (i % 3) * 0.001})
        out.append({"type": "evaluation", "time": rfc3339(t + timedelta(seconds=2)),
                    "service": "assistant", "request_id": f"r{i}", "name": "faithfulness",
                    "score": 0.4 if i % 7 == 0 else 0.9})
    return out


if __name__ == "__main__":
    write("outage", outage())
    write("quality", quality())
