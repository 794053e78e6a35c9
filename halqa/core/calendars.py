"""Dates in the person's time zone and chosen calendar: Gregorian, Hijri (Umm al-Qura) or Jalali.

Times are stored in UTC; this is the one place that turns them into what a person reads.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import jdatetime
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from hijridate import Gregorian

from halqa.accounts.choices import Calendar

HIJRI_MONTHS = [
    pgettext_lazy("Hijri month", "Muharram"),
    pgettext_lazy("Hijri month", "Safar"),
    pgettext_lazy("Hijri month", "Rabi al-Awwal"),
    pgettext_lazy("Hijri month", "Rabi al-Thani"),
    pgettext_lazy("Hijri month", "Jumada al-Ula"),
    pgettext_lazy("Hijri month", "Jumada al-Akhirah"),
    pgettext_lazy("Hijri month", "Rajab"),
    pgettext_lazy("Hijri month", "Shaban"),
    pgettext_lazy("Hijri month", "Ramadan"),
    pgettext_lazy("Hijri month", "Shawwal"),
    pgettext_lazy("Hijri month", "Dhu al-Qadah"),
    pgettext_lazy("Hijri month", "Dhu al-Hijjah"),
]
JALALI_MONTHS = [
    pgettext_lazy("Jalali month", "Farvardin"),
    pgettext_lazy("Jalali month", "Ordibehesht"),
    pgettext_lazy("Jalali month", "Khordad"),
    pgettext_lazy("Jalali month", "Tir"),
    pgettext_lazy("Jalali month", "Mordad"),
    pgettext_lazy("Jalali month", "Shahrivar"),
    pgettext_lazy("Jalali month", "Mehr"),
    pgettext_lazy("Jalali month", "Aban"),
    pgettext_lazy("Jalali month", "Azar"),
    pgettext_lazy("Jalali month", "Dey"),
    pgettext_lazy("Jalali month", "Bahman"),
    pgettext_lazy("Jalali month", "Esfand"),
]
HIJRI_SUFFIX = _("AH")
JALALI_SUFFIX = _("SH")


def _local(value: dt.datetime | dt.date, tz_name: str | None) -> tuple[dt.date, dt.time | None]:
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value, dt.UTC)
        tz = zoneinfo.ZoneInfo(tz_name) if tz_name else timezone.get_current_timezone()
        local = value.astimezone(tz)
        return local.date(), local.time()
    return value, None


def format_date(
    value: dt.datetime | dt.date | None,
    *,
    calendar: str = Calendar.GREGORIAN,
    tz_name: str | None = None,
    with_time: bool = False,
) -> str:
    """`14 Jumada al-Ula 1448 AH, 09:30` — the date as the reader counts days, in their zone."""
    if value is None:
        return ""
    day, time = _local(value, tz_name)
    if calendar == Calendar.HIJRI:
        hijri = Gregorian(day.year, day.month, day.day).to_hijri()
        text = f"{hijri.day} {HIJRI_MONTHS[hijri.month - 1]} {hijri.year} {HIJRI_SUFFIX}"
    elif calendar == Calendar.JALALI:
        jalali = jdatetime.date.fromgregorian(date=day)
        text = f"{jalali.day} {JALALI_MONTHS[jalali.month - 1]} {jalali.year} {JALALI_SUFFIX}"
    else:
        text = formats.date_format(day, "DATE_FORMAT")
    if with_time and time is not None:
        text = f"{text}, {time.strftime('%H:%M')}"
    return text
