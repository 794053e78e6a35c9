import datetime as dt

from django.utils import translation

from halqa.core.calendars import format_date

# 2026-11-23 10:30 UTC is 13:30 in Riyadh, 14:00 in Tehran.
MOMENT = dt.datetime(2026, 11, 23, 10, 30, tzinfo=dt.UTC)


def test_gregorian_in_the_readers_time_zone():
    with translation.override("en"):
        assert format_date(MOMENT, tz_name="Asia/Tehran", with_time=True).endswith("14:00")


def test_jalali_date():
    with translation.override("en"):
        assert format_date(MOMENT, calendar="jalali", tz_name="Asia/Tehran") == "2 Azar 1405 SH"


def test_hijri_date():
    with translation.override("en"):
        text = format_date(MOMENT, calendar="hijri", tz_name="Asia/Riyadh")
    assert "1448" in text
    assert "Jumada" in text


def test_time_zone_can_move_the_date_across_midnight():
    late = dt.datetime(2026, 11, 23, 22, 30, tzinfo=dt.UTC)
    with translation.override("en"):
        assert format_date(late, calendar="jalali", tz_name="Asia/Tehran").startswith("3 Azar")
        assert format_date(late, calendar="jalali", tz_name="UTC").startswith("2 Azar")


def test_month_names_are_translated():
    with translation.override("fa"):
        assert "آذر" in format_date(MOMENT, calendar="jalali", tz_name="Asia/Tehran")
