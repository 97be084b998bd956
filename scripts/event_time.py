"""Helpers shared by the scripts/convert_*.py converters: event times for ballast NDJSON."""
import datetime as dt

END_HELP = "time of the last event: RFC 3339 or 'now' (default: now - 1 min)"


def parse_end(text):
    """'now' (one minute ago, inside the live accept window) or an RFC 3339 time, as UTC."""
    if text == "now":
        return dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.timezone.utc)


def rfc3339(t):
    """UTC with millisecond precision, the form ballast writes."""
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"
