#!/usr/bin/env python3
"""Writes OpenSLO definitions for the services that bench/ingest_load sends: N SLOs per service,
cycling through ten realistic kinds (availability, latency, TTFT, safety flags, cost, p95 TTFT
per minute on time slices, hallucination among judged requests, time per output token, tenant
latency, canary availability on 5-minute slices). Used by `SLOS=... scripts/load-test` to
measure ingest throughput with SLOs applied.

  scripts/slo_fleet.py --services 16 --per-service 10 > /tmp/fleet.yaml
"""
import argparse

NAMES = ["chat", "search-rag", "summarizer", "support-bot", "code-assist", "translate", "extract",
         "classifier"]


def service_name(i):
    return NAMES[i] if i < len(NAMES) else f"svc-{i}"


def threshold(where, field, aggregate=None):
    spec = [f"field: {field}"]
    if where:
        spec.append(f'where: "{where}"')
    if aggregate:
        spec.append(f"aggregate: {aggregate}")
    return ("      thresholdMetric:\n        metricSource:\n          type: ballast\n"
            "          spec: {" + ", ".join(spec) + "}\n")


def ratio(part, where, total):
    total_spec = f'{{where: "{total}"}}' if total else "{}"
    return ("      ratioMetric:\n        counter: true\n"
            f'        {part}: {{metricSource: {{type: ballast, spec: {{where: "{where}"}}}}}}\n'
            f"        total: {{metricSource: {{type: ballast, spec: {total_spec}}}}}\n")


def slo(service, k, repeat):
    f = 1 + repeat  # repeats get tighter bounds
    kinds = [
        (ratio("good", "outcome = 'ok'", "outcome != 'cancelled'"), "Occurrences",
         "target: 0.995"),
        (threshold("outcome = 'ok'", "latency_ms"), "Occurrences",
         f"op: lte, value: {4000 / f:g}, target: 0.99"),
        (threshold("outcome = 'ok' AND operation = 'chat'", "ttft_ms"), "Occurrences",
         f"op: lte, value: {800 / f:g}, target: 0.95"),
        (ratio("good", "NOT has(flags, 'pii_leak')", ""), "Occurrences", "target: 0.9995"),
        (threshold("", "cost_usd"), "Occurrences", f"op: lte, value: {0.02 / f:g}, target: 0.99"),
        (threshold("outcome = 'ok'", "ttft_ms", "p95"), "Timeslices",
         f"op: lt, value: {1200 / f:g}, target: 0.99, timeSliceWindow: 1m"),
        (ratio("bad", "has(flags, 'hallucination')", "scores.quality >= 0"), "Occurrences",
         "target: 0.98"),
        (threshold("outcome = 'ok' AND output_tokens > 1", "tpot_ms"), "Occurrences",
         f"op: lte, value: {60 / f:g}, target: 0.95"),
        (threshold("attributes.tenant IN ('acme', 'globex') AND outcome = 'ok'", "latency_ms"),
         "Occurrences", f"op: lte, value: {3000 / f:g}, target: 0.99"),
        (ratio("good", "outcome = 'ok'", "variant = 'canary'"), "Timeslices",
         "target: 0.99, timeSliceTarget: 0.95, timeSliceWindow: 5m"),
    ]
    sli, method, objective = kinds[k % 10]
    name = f"{service}-slo-{k}"
    return (f"apiVersion: openslo/v1\nkind: SLO\nmetadata: {{name: {name}}}\nspec:\n"
            f"  service: {service}\n  indicator:\n    metadata: {{name: {name}}}\n    spec:\n"
            f"{sli}  timeWindow: [{{duration: 28d, isRolling: true}}]\n"
            f"  budgetingMethod: {method}\n  objectives: [{{{objective}}}]\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--services", type=int, default=16)
    ap.add_argument("--per-service", type=int, default=10)
    args = ap.parse_args()
    docs = []
    for i in range(args.services):
        for k in range(args.per_service):
            docs.append(slo(service_name(i), k, k // 10))
    print("---\n".join(docs), end="")


if __name__ == "__main__":
    main()
