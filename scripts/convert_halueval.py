#!/usr/bin/env python3
"""Convert HaluEval general data (RUCAIBox/HaluEval data/general_data.json, JSON lines) into
ballast request-event NDJSON for a quality SLI: a response labelled hallucination "yes" gets
flags ["hallucination"].

Events are spread evenly over --span-minutes ending at --end. --with-text adds the query and
response (truncated to --max-text characters) as input/output, for exemplars.

  scripts/convert_halueval.py ../shared/data/halueval_general_data.json > halueval.ndjson
"""
import argparse
import datetime as dt
import json
import sys

from event_time import END_HELP, parse_end, rfc3339


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", help="HaluEval general data (JSON lines)")
    ap.add_argument("--end", default="now", help=END_HELP)
    ap.add_argument("--span-minutes", type=float, default=60.0)
    ap.add_argument("--service", default="halueval-demo")
    ap.add_argument("--variant", default="stable")
    ap.add_argument("--model", default="gpt-3.5-turbo")
    ap.add_argument("--with-text", action="store_true")
    ap.add_argument("--max-text", type=int, default=2000)
    args = ap.parse_args(argv)

    rows = []
    with open(args.input, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                sys.exit(f"{args.input}:{n}: {e}")
    if not rows:
        sys.exit(f"{args.input}: no rows")
    end = parse_end(args.end)
    step = dt.timedelta(minutes=args.span_minutes) / max(len(rows) - 1, 1)
    for i, r in enumerate(rows):
        event = {
            "time": rfc3339(end - step * (len(rows) - 1 - i)),
            "service": args.service,
            "variant": args.variant,
            "request_id": f"halueval-{r.get('ID', i + 1)}",
            "model": args.model,
            "provider": "openai",
            "operation": "chat",
            "outcome": "ok",
        }
        if str(r.get("hallucination", "")).lower() == "yes":
            event["flags"] = ["hallucination"]
        if args.with_text:
            event["input"] = str(r.get("user_query", ""))[: args.max_text]
            event["output"] = str(r.get("chatgpt_response", ""))[: args.max_text]
        sys.stdout.write(json.dumps(event, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
