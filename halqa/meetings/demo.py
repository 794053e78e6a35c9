"""Demo meetings in the communities' languages: for each community a past meeting with attendance,
minutes and action items (some done, some open) and an upcoming announced series following the
community's cadence (every two weeks, monthly on the nth weekday, weekly); an upcoming case
session for the Arabic exit-ticket case and a past one for the Russian case, whose minutes
link the session notes already on the case.

Everything goes through the services, so the trail and the notifications are what real use leaves;
meetings in the past are placed there after the fact (the services refuse minutes and attendance
before a meeting begins). Loading twice changes nothing (a meeting is found by its title).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from halqa.cases.models import Case
from halqa.communities.models import Community

from . import services
from .models import Meeting

# community, organiser, title, format, days from today, local hour, hours, place, online link,
# agenda [(title, minutes)], past: (who came, notes, decisions, [(owner, action, due in days, done)])
MEETINGS = [
    {
        "community": "مجتمع تعلم الرياضيات",
        "by": "nora@halqa.test",
        "title": "قراءة بطاقات الخروج معًا",
        "format": "discussion_circle",
        "days": -12,
        "hour": 13,
        "place": "غرفة المعلمين، الطابق الثاني",
        "agenda": [("كل معلم يعرض ثلاث بطاقات من صفه", 30), ("ما الذي تكشفه البطاقات عن الجبر", 20)],
        "come": ["teacher@halqa.test", "omar@halqa.test", "expert@halqa.test"],
        "notes": "قرأنا ١٢ بطاقة خروج من ثلاثة صفوف. نصف الطلاب يكتبون الخطوة الأولى فقط.",
        "decisions": "نجرب سؤالًا واحدًا مكتوبًا بدل ثلاثة لمدة أسبوعين.",
        "actions": [
            ("teacher@halqa.test", "إحضار عشر بطاقات من الصف السابع للجلسة القادمة", 3, False),
            ("omar@halqa.test", "إعداد سؤال خروج يربط الجبر بتجربة فيزيائية", -2, True),
        ],
    },
    {
        "community": "مجتمع تعلم الرياضيات",
        "by": "nora@halqa.test",
        "title": "تحليل نتائج التقويم المشترك للصف العاشر",
        "repeat": "FREQ=WEEKLY;INTERVAL=2;COUNT=6",
        "format": "data_review",
        "days": 2,
        "hour": 13,
        "place": "غرفة المعلمين، الطابق الثاني",
        "online": "https://meet.example.org/farabi-math",
        "agenda": [("النتائج حسب السؤال", 25), ("الأخطاء الشائعة وخطة إعادة التدريس", 35)],
    },
    {
        "community": "گروه درس‌پژوهی ریاضی",
        "by": "reza@halqa.test",
        "title": "بازبینی درس کسرها پس از اجرای اول",
        "format": "lesson_study",
        "days": -20,
        "hour": 14,
        "place": "کلاس ۷-ب",
        "agenda": [("گزارش مشاهده‌گرها", 30), ("بازطراحی فعالیت دوم", 30)],
        "come": ["zahra@halqa.test", "amir@halqa.test", "expert.assessment@halqa.test"],
        "notes": "دانش‌آموزان کسرهای هم‌مخرج را درست جمع کردند اما در مقایسه ۲/۳ و ۳/۴ مشکل داشتند.",
        "decisions": "فعالیت دوم با نوار کسری دوباره طراحی می‌شود.",
        "actions": [("zahra@halqa.test", "نوشتن نسخه جدید فعالیت دوم با نوار کسری", 5, False)],
    },
    {
        "community": "گروه درس‌پژوهی ریاضی",
        "by": "reza@halqa.test",
        "title": "اجرای دوم درس کسرها و مشاهده",
        "repeat": "FREQ=MONTHLY;BYDAY={nth};COUNT=4",
        "format": "lesson_study",
        "days": 9,
        "hour": 10,
        "place": "کلاس ۷-الف",
        "agenda": [("توجیه مشاهده‌گرها", 10), ("اجرای درس", 45), ("گفت‌وگوی پس از درس", 30)],
    },
    {
        "community": "Школа молодого педагога",
        "by": "maria@halqa.test",
        "title": "Разбор открытого урока Анны",
        "format": "peer_coaching",
        "days": -6,
        "hour": 15,
        "place": "Кабинет 214",
        "agenda": [("Самоанализ урока", 15), ("Вопросы наставника", 20), ("Что попробовать дальше", 15)],
        "come": ["anna@halqa.test", "pavel@halqa.test"],
        "notes": "Урок начался спокойно благодаря устному счёту; на групповой работе класс отвлёкся.",
        "decisions": "Анна вводит роли в группах на следующих двух уроках.",
        "actions": [("anna@halqa.test", "Подготовить карточки ролей для групповой работы", 4, False)],
    },
    {
        "community": "Школа молодого педагога",
        "by": "maria@halqa.test",
        "title": "Семинар: как начинать урок после перемены",
        "repeat": "FREQ=WEEKLY;COUNT=6",
        "format": "seminar",
        "days": 4,
        "hour": 15,
        "place": "Кабинет 214",
        "online": "https://meet.example.org/school17-young",
        "agenda": [("Приёмы «тихого старта»", 30), ("Практика в парах", 30)],
    },
    {
        "community": "Classroom management circle",
        "by": "grace@halqa.test",
        "title": "Routines for the first five minutes",
        "format": "discussion_circle",
        "days": -9,
        "hour": 16,
        "online": "https://meet.example.org/cm-circle",
        "agenda": [("Each of us: one routine that works", 30), ("Choose one to try", 15)],
        "come": ["anna@halqa.test", "pavel@halqa.test"],
        "notes": "Three routines shared: do-now on the board, entry greeting, seating by colour.",
        "decisions": "Everyone tries the do-now routine for two weeks and brings notes.",
        "actions": [("pavel@halqa.test", "Write up the do-now routine as a one-page guide", 7, False)],
    },
    {
        "community": "Classroom management circle",
        "by": "grace@halqa.test",
        "title": "Two weeks of do-now: what happened",
        "repeat": "FREQ=WEEKLY;INTERVAL=2;COUNT=5",
        "format": "discussion_circle",
        "days": 5,
        "hour": 16,
        "online": "https://meet.example.org/cm-circle",
        "agenda": [("Notes from each classroom", 30), ("Keep, change or drop", 15)],
    },
]

# Case sessions: case title, organiser, days from today, local hour, place/online, invited, past minutes.
SESSIONS = [
    {
        "case": "طلاب الصف السابع لا يكملون بطاقة الخروج",
        "by": "nora@halqa.test",
        "title": "جلسة الحالة: بطاقة الخروج في الصف السابع",
        "days": 5,
        "hour": 13,
        "place": "مكتبة المدرسة",
        "agenda": [("قصة المعلمة: ما حدث وما جُرّب", 10), ("ما واجهه الآخرون من قبل", 20), ("الخيارات وما سننتجه", 30)],
        "invite": ["teacher@halqa.test", "expert@halqa.test"],
    },
    {
        "case": "Не удаётся удержать внимание 7 «Б» после большой перемены",
        "by": "maria@halqa.test",
        "title": "Сессия по заявке: начало урока после большой перемены",
        "past_note": True,  # placed around the session notes already on the case
        "place": "Кабинет 214",
        "agenda": [("История Анны", 10), ("Что встречали другие", 20), ("Варианты и что мы подготовим", 30)],
        "invite": ["anna@halqa.test", "expert.psych@halqa.test"],
        "notes": "Анна, Мария и психолог; Анна выбрала «тихий старт» с устным счётом.",
        "actions": [("expert.psych@halqa.test", "Прислать Анне упражнения на переключение внимания", 2, True)],
    },
]


def _rule(template: str, first: dt.datetime) -> str:
    """A demo series' rule; {nth} becomes the first meeting's weekday in the month (+2TU)."""
    if "{nth}" not in template:
        return template
    weekday = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][first.weekday()]
    nth = (first.day - 1) // 7 + 1
    return template.replace("{nth}", f"{'-1' if nth == 5 else f'+{nth}'}{weekday}")


def _wall(days: int, hour: int) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime(day.year, day.month, day.day, hour, 0)


def _hold_in_the_past(meeting: Meeting, starts: dt.datetime, ends: dt.datetime) -> Meeting:
    """A past meeting of the demo: scheduled now (the service's way), then moved to when it was."""
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=starts, ends_at=ends)
    meeting.participants.update(remind_at=None)
    return Meeting.objects.select_related("case", "community").get(pk=meeting.pk)


def _actions(meeting: Meeting, spec: dict, people: dict, organiser) -> None:
    today = timezone.localdate()
    for email, text, due_in, done in spec.get("actions", []):
        item = services.add_action_item(
            meeting, actor=organiser, text=text, owner=people[email], due_on=today + dt.timedelta(days=due_in)
        )
        if done:
            services.complete_action_item(item, actor=people[email])


def _afterwards(meeting: Meeting, spec: dict, people: dict, organiser) -> None:
    """Sign-ups while it is ahead; for a past meeting, then attendance, minutes and action items."""
    came = [people[email] for email in spec.get("come", []) if email in people]
    for person in came:
        services.sign_up(meeting, actor=person)
    if spec["days"] >= 0:
        return
    shift = dt.timedelta(days=2 * spec["days"])  # scheduled |days| ahead, held |days| ago
    meeting = _hold_in_the_past(meeting, meeting.starts_at + shift, meeting.ends_at + shift)
    services.take_attendance(meeting, actor=organiser, present=[organiser.pk, *[p.pk for p in came]])
    services.write_minutes(meeting, actor=organiser, notes=spec.get("notes", ""), decisions=spec.get("decisions", ""))
    _actions(meeting, spec, people, organiser)


def load(people: dict) -> int:
    """Create the demo meetings that are not there yet; returns how many were created."""
    created = 0
    for spec in MEETINGS:
        community = Community.objects.filter(name=spec["community"]).first()
        organiser = people.get(spec["by"])
        if community is None or organiser is None or Meeting.objects.filter(title=spec["title"]).exists():
            continue
        past = spec["days"] < 0
        start = _wall(abs(spec["days"]) if past else spec["days"], spec["hour"])
        meeting = services.create_meeting(
            actor=organiser,
            community=community,
            title=spec["title"],
            format=spec["format"],
            starts_at=start,
            ends_at=start + dt.timedelta(hours=1, minutes=30),
            timezone=organiser.time_zone,
            place=spec.get("place", ""),
            online_url=spec.get("online", ""),
            agenda=[{"title": title, "minutes": minutes} for title, minutes in spec["agenda"]],
            rrule=_rule(spec.get("repeat", ""), start),
        )
        _afterwards(meeting, spec, people, organiser)
        created += 1
    for spec in SESSIONS:
        case = Case.objects.filter(title=spec["case"]).select_related("school").first()
        organiser = people.get(spec["by"])
        if case is None or organiser is None or Meeting.objects.filter(title=spec["title"]).exists():
            continue
        note = case.session_notes.order_by("held_at").first() if spec.get("past_note") else None
        if spec.get("past_note") and note is None:
            continue
        if note is not None:
            # Scheduled as it was, a week ahead, then placed around the notes' time.
            starts = note.held_at - dt.timedelta(minutes=30)
            ahead = timezone.now() + dt.timedelta(days=7)
            times = {"starts_at": ahead, "ends_at": ahead + dt.timedelta(hours=2), "timezone": organiser.time_zone}
        else:
            start = _wall(spec["days"], spec["hour"])
            times = {"starts_at": start, "ends_at": start + dt.timedelta(hours=2), "timezone": organiser.time_zone}
        meeting = services.create_meeting(
            actor=organiser,
            case=case,
            title=spec["title"],
            place=spec.get("place", ""),
            agenda=[{"title": title, "minutes": minutes} for title, minutes in spec["agenda"]],
            **times,
        )
        services.invite(meeting, actor=organiser, people=[people[email] for email in spec["invite"]])
        if note is not None:
            meeting = _hold_in_the_past(meeting, starts, starts + dt.timedelta(hours=2))
            for email in spec["invite"]:
                services.respond(Meeting.objects.get(pk=meeting.pk), actor=people[email], rsvp="yes")
            meeting = Meeting.objects.select_related("case", "community").get(pk=meeting.pk)
            services.take_attendance(meeting, actor=organiser, present=[p.user_id for p in meeting.participants.all()])
            services.write_minutes(meeting, actor=organiser, notes=spec["notes"])
            _actions(meeting, spec, people, organiser)
        created += 1
    return created
