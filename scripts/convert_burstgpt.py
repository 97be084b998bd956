#!/usr/bin/env python3
"""Convert a BurstGPT trace slice (HPMLL/BurstGPT data/BurstGPT_*.csv) into ballast request-event
NDJSON.

Columns: Timestamp (s since the trace start), [Session ID,] [Elapsed time (s),] Model,
Request tokens, Response tokens, Total tokens, Log Type. A row whose token counts are all 0 is a
failed request (outcome "error"). Elapsed time, when present, becomes latency_ms. Times are
shifted so that the last row falls at --end.

  scripts/convert_burstgpt.py ../shared/data/burstgpt1_first400.csv > burstgpt.ndjson
"""
import argparse
import csv
import datetime as dt
import json
import sys

from event_time import END_HELP, parse_end, rfc3339


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", help="BurstGPT CSV")
    ap.add_argument("--end", default="now", help=END_HELP)
    ap.add_argument("--service", default="burstgpt")
    ap.add_argument("--variant", default="stable")
    args = ap.parse_args(argv)

    with open(args.input, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit(f"{args.input}: no rows")
    for col in ("Timestamp", "Model", "Request tokens", "Response tokens", "Total tokens"):
        if col not in rows[0]:
            sys.exit(f"{args.input}: missing column {col!r}")
    last = max(float(r["Timestamp"]) for r in rows)
    end = parse_end(args.end)
    for i, r in enumerate(rows, start=1):
        req, resp, total = (int(float(r[c])) for c in ("Request tokens", "Response tokens", "Total tokens"))
        failed = req == 0 and resp == 0 and total == 0
        event = {
            "time": rfc3339(end - dt.timedelta(seconds=last - float(r["Timestamp"]))),
            "service": args.service,
            "variant": args.variant,
            "request_id": f"burstgpt-{i}",
            "model": r["Model"],
            "provider": "azure_openai",
            "operation": "chat",
            "outcome": "error" if failed else "ok",
        }
        if failed:
            event["error_type"] = "failed_request"
        else:
            event["input_tokens"] = req
            event["output_tokens"] = resp
        if r.get("Elapsed time") not in (None, ""):
            event["latency_ms"] = float(r["Elapsed time"]) * 1000
        if r.get("Log Type"):
            event["attributes"] = {"log_type": r["Log Type"]}
        sys.stdout.write(json.dumps(event, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
