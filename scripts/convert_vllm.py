#!/usr/bin/env python3
"""Convert a vLLM serving detail log (liao4s/BurstGPT_test example/logs/detail_log/*.json) into
ballast request-event NDJSON.

Each request becomes one event: first_chunk_time -> ttft_ms, total_chunk_time -> latency_ms,
sampled_in_num -> input_tokens, in_len/out_len (characters) -> attributes. Event times follow
record_time (completion time, seconds) shifted so that the last request ends at --end.

  scripts/convert_vllm.py ../shared/data/vllm_llama3.2-1b_burstgpt_scale100_detail.json \
      --variant stable > baseline.ndjson
"""
import argparse
import datetime as dt
import json
import sys

from event_time import END_HELP, parse_end, rfc3339


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", help="vLLM detail JSON (an object keyed by event id)")
    ap.add_argument("--end", default="now", help=END_HELP)
    ap.add_argument("--service", default="vllm-demo")
    ap.add_argument("--variant", default="stable")
    ap.add_argument("--model", default="llama-3.2-1b")
    args = ap.parse_args(argv)

    with open(args.input, encoding="utf-8") as f:
        records = json.load(f)
    if not isinstance(records, dict) or not records:
        sys.exit(f"{args.input}: expected a non-empty JSON object keyed by event id")
    rows = sorted(records.values(), key=lambda r: r["record_time"])
    last = rows[-1]["record_time"]
    end = parse_end(args.end)
    out = sys.stdout
    for r in rows:
        when = end - dt.timedelta(seconds=last - r["record_time"])
        event = {
            "time": rfc3339(when),
            "service": args.service,
            "variant": args.variant,
            "request_id": f"vllm-{r['event_id']}",
            "model": args.model,
            "provider": "vllm",
            "operation": "text_completion",
            "outcome": "ok",
            "latency_ms": round(r["total_chunk_time"] * 1000, 3),
            "ttft_ms": round(r["first_chunk_time"] * 1000, 3),
            "input_tokens": int(r["sampled_in_num"]),
            "attributes": {"in_chars": str(r["in_len"]), "out_chars": str(r["out_len"])},
        }
        out.write(json.dumps(event, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
