"""Dates as writers put them in front matter: 2024-03-01, 2024-03-01 14:30:00 +0200, and friends."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S.%f %z", "%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z",
    "%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z",
    "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
)
_ISO_DATE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?"
    r"(?:\s*(Z|[+-]\d{2}:?\d{2}))?")


def _iso_date(text: str) -> dt.datetime | None:
    """The common shapes (2024-03-01, 2024-03-01 14:30[:00][.5] [+0200|Z]) without strptime."""
    match = _ISO_DATE.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    tzinfo = None
    if zone == "Z":
        tzinfo = dt.timezone.utc
    elif zone:
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        tzinfo = dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    return dt.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                       int((fraction or "0").ljust(6, "0")), tzinfo=tzinfo)


def _strptime_any(value: str) -> dt.datetime:
    """The less common shapes, tried against every known format."""
    text = value.strip()
    text = re.sub(r"\s*([+-]\d{2}):?(\d{2})$", r" \1\2", text) if re.search(r"\d[ T]\d", text) else text
    text = re.sub(r"\s*Z$", " +0000", text)
    problem = None
    for fmt in _DATE_FORMATS:
        for candidate in (text, text.replace(" +", "+").replace(" -", "-")):
            try:
                return dt.datetime.strptime(candidate, fmt)
            except ValueError as exc:
                if "does not match format" not in str(exc) and "unconverted data" not in str(exc):
                    problem = str(exc)
    raise ValueError(f"{value!r}: {problem}" if problem else f"cannot read {value!r} as a date")


def parse_date(value: Any, tz: dt.tzinfo) -> dt.datetime:
    """YAML date/datetime or a string in one of the common formats -> aware datetime."""
    if isinstance(value, str) and (quick := _ISO_DATE.fullmatch(value.strip())) is not None:
        try:
            result = _iso_date(quick.group(0))
        except ValueError as exc:  # 2024-02-30
            raise ValueError(f"{value!r}: {exc}") from None
        assert result is not None
    elif isinstance(value, dt.datetime):
        result = value
    elif isinstance(value, dt.date):
        result = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        result = _strptime_any(value)
    else:
        raise ValueError(f"cannot read {value!r} as a date")
    return result if result.tzinfo else result.replace(tzinfo=tz)
