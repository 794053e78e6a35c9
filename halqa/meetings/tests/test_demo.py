"""The demo leaves meetings in four languages: past ones with attendance, minutes and action items
(open ones on their owners' home pages), upcoming announced ones, an upcoming case session on a case
past "group formed" and a past one whose minutes link the notes already on the case. Loading twice
adds nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from halqa.accounts.models import User
from halqa.meetings import demo, queries
from halqa.meetings.models import ActionItem, Meeting, Minutes

pytestmark = pytest.mark.django_db


def test_the_demo_meetings():
    call_command("load_demo", stdout=io.StringIO())
    count = Meeting.objects.count()
    assert Meeting.objects.filter(series__isnull=False).values("series").distinct().count() == 4
    assert count == len(demo.MEETINGS) + len(demo.SESSIONS) + (6 - 1) + (4 - 1) + (6 - 1) + (5 - 1)
    now = timezone.now()
    assert Meeting.objects.filter(starts_at__lt=now, minutes__isnull=False).count() >= 5
    assert Meeting.objects.filter(starts_at__gt=now, announced=True).count() >= 5
    titles = " ".join(Meeting.objects.values_list("title", flat=True))
    for sample in ("بطاقات", "کسرها", "урока", "do-now"):
        assert sample in titles
    past_session = Meeting.objects.get(title="Сессия по заявке: начало урока после большой перемены")
    minutes = Minutes.objects.get(meeting=past_session)
    assert minutes.session_note is not None and minutes.session_note.case_id == past_session.case_id
    assert past_session.case.session_notes.count() == 1  # linked, not written twice
    upcoming_session = Meeting.objects.get(title="جلسة الحالة: بطاقة الخروج في الصف السابع")
    assert upcoming_session.starts_at > now
    teacher = User.objects.get(email="teacher@halqa.test")
    assert [item.text for item in queries.open_action_items(teacher)] == [
        "إحضار عشر بطاقات من الصف السابع للجلسة القادمة"
    ]
    assert ActionItem.objects.filter(done_at__isnull=False).count() >= 2
    call_command("load_demo", stdout=io.StringIO())
    assert Meeting.objects.count() == count
