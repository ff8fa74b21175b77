"""A scheduled interview as an iCalendar (RFC 5545) file, in the candidate's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event


def interview_ics(
    *,
    uid: str,
    title: str,
    description: str,
    starts_at: float,
    duration_min: int,
    timezone: str | None,
    url: str | None,
    stamp: float,
) -> bytes:
    """One VEVENT. The start is written in `timezone` (the candidate's; UTC without one) with its VTIMEZONE, so
    every calendar shows it at the candidate's local time and converts it for everyone else."""
    zone = ZoneInfo(timezone) if timezone else UTC
    start = datetime.fromtimestamp(starts_at, tz=zone)
    calendar = Calendar()
    calendar.add("prodid", "-//Open Interview//Workspace//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", datetime.fromtimestamp(stamp, tz=UTC))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=duration_min))
    event.add("summary", title)
    event.add("description", description)
    if url:
        event.add("url", url)
    calendar.add_component(event)
    if timezone:
        calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
