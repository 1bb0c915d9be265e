"""The time an export gives for an opt-out (UNSUB_TIME, unsubscribed_at, CLEAN_TIME, Abmeldedatum...).

The decide phase compares it with the time Kit created the subscriber: a subscriber Kit created
after the file's unsubscribe opted in again. Every guess here leans the safe way, towards a
LATER time (which honours the opt-out): a time without a zone is read as the latest instant it
can mean (UTC-12), a date without a time as its last moment, and a day/month that could be
either (03/04/2024) as the later of the two dates.
"""

from __future__ import annotations

import datetime as dt
import re

UTC = dt.timezone.utc
LATEST_ZONE = dt.timezone(dt.timedelta(hours=-12))  # the westmost zone: a local time means this at the latest
_EPOCH = re.compile(r"\d{9,10}(\.\d+)?|\d{12,13}")  # Unix seconds (Sendy) or milliseconds
_DMY = re.compile(r"(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:[.,]\d+)?"
                  r"\s*([AaPp][Mm])?)?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?")


def parse_time(text: str) -> dt.datetime | None:
    """An opt-out time from a cell, as an aware datetime (latest reading when unsure); None if it is no time."""
    text = text.strip()
    if not text:
        return None
    if _EPOCH.fullmatch(text):
        seconds = float(text) / (1000 if len(text.split(".")[0]) > 11 else 1)
        return dt.datetime.fromtimestamp(seconds, UTC)
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return _loose(text)
    if when.tzinfo is not None:
        return when
    if len(text) <= 10:  # a date alone: its last moment
        when += dt.timedelta(days=1) - dt.timedelta(microseconds=1)
    return when.replace(tzinfo=LATEST_ZONE)


def _loose(text: str) -> dt.datetime | None:
    """31.01.2024 09:00, 01/31/2024 9:00 PM, 2024/01/31: day and month read the later way when both fit."""
    match = _DMY.fullmatch(text)
    if not match:
        return None
    a, b, c, hour, minute, second, half, zone = match.groups()
    if len(a) == 4:
        dates = [(int(a), int(b), int(c))]
    elif len(c) in (2, 4):
        year = int(c) + (2000 if len(c) == 2 else 0)
        dates = [(year, int(b), int(a)), (year, int(a), int(b))]  # day first (Europe), month first (US)
    else:
        return None
    valid = [d for d in (_date(*ymd) for ymd in dates) if d is not None]
    if not valid:
        return None
    day = max(valid)
    if hour is None:
        return dt.datetime.combine(day, dt.time.max, LATEST_ZONE)
    h = int(hour) % 12 + (12 if half and half.lower() == "pm" else 0) if half else int(hour)
    if h > 23 or int(minute) > 59:
        return None
    tz = _zone(zone)
    return dt.datetime(day.year, day.month, day.day, h, int(minute), int(second or 0), tzinfo=tz)


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _zone(text: str | None) -> dt.tzinfo:
    """A written zone (Z, UTC, +02:00), else the latest a local time can mean."""
    if not text:
        return LATEST_ZONE
    if text.upper() in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
