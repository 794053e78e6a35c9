"""Demo cases, drawn from seed 004's real difficulties, in the four languages, at many stages.

Everything goes through the services, so the event trail, the stages and the working groups are
what a real history would leave. Loading twice changes nothing (a case is found by its title).
"""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from halqa.communities.models import Community

from . import services
from .models import Case, Stage, Topic

# (requester or None for a transcribed paper request, school, story, extras, history)
# history: a list of (who, stage, note) moves, and ("group", person, role) additions.
CASES = [
    {
        "by": "teacher@halqa.test",
        "school": "farabi",
        "story": {
            "title": "طلاب الصف السابع لا يكملون بطاقة الخروج",
            "what_happened": "في الدقائق الخمس الأخيرة من كل حصة يتوقف نصف الطلاب عن الكتابة، فلا أعرف ماذا فهموا.",
            "what_tried": "قصّرت البطاقة إلى سؤال واحد ووضعت مؤقتًا على السبورة.",
            "help_wanted": "كيف يجعل الزملاء كل طالب يكتب شيئًا في نهاية الحصة؟",
            "language": "ar",
            "subject": "math",
            "grade": "7",
        },
        "types": ["methodological", "motivational"],
        "topics": ["engaging_students"],
        "history": [
            ("principal.farabi@halqa.test", Stage.CLARIFYING, ""),
            ("group", "expert@halqa.test", "expert"),
            ("group", "nora@halqa.test", "lead"),
            ("principal.farabi@halqa.test", Stage.MATCHED, ""),
            ("nora@halqa.test", Stage.SCHEDULED, ""),
            ("nora@halqa.test", Stage.PREPARING, ""),
            (
                "source",
                "nora@halqa.test",
                "Black & Wiliam, Inside the Black Box (Phi Delta Kappan, 2010)",
                "https://doi.org/10.1177/003172171009200119",
                "المقال الذي بيّن أن التقويم التكويني اليومي يرفع التحصيل؛ نقرأ قسم الأسئلة في نهاية الحصة.",
            ),
            (
                "source",
                "expert@halqa.test",
                "Doug Lemov, Teach Like a Champion 3.0 — تقنية «بطاقة الخروج» (Exit Ticket)",
                "",
                "بطاقة قصيرة في آخر دقائق الحصة: سؤال أو اثنان، تُقرأ قبل الحصة التالية.",
            ),
            ("prepared", "expert@halqa.test"),
        ],
    },
    {
        "by": "anna@halqa.test",
        "school": "school17",
        "story": {
            "title": "Не удаётся удержать внимание 7 «Б» после большой перемены",
            "what_happened": "После большой перемены класс возвращается возбуждённым, первые 15 минут урока уходят на то, чтобы всех успокоить.",
            "what_tried": "Начинала с устного счёта, пробовала рассаживать по-другому.",
            "help_wanted": "Какие приёмы начала урока работают у опытных коллег?",
            "language": "ru",
            "subject": "math",
            "grade": "7",
        },
        "types": ["organizational", "motivational"],
        "topics": ["organising_lesson", "engaging_students"],
        "history": [
            ("coordinator@halqa.test", Stage.CLARIFYING, ""),
            ("group", "maria@halqa.test", "lead"),
            ("group", "expert.psych@halqa.test", "expert"),
            ("coordinator@halqa.test", Stage.MATCHED, ""),
            ("maria@halqa.test", Stage.SCHEDULED, ""),
            ("maria@halqa.test", Stage.PREPARING, ""),
            (
                "source",
                "maria@halqa.test",
                "Д. Лемов, «Мастерство учителя. Проверенные методики выдающихся преподавателей» — приём «Сделай сейчас»",
                "",
                "Короткое задание на доске, которое класс начинает без объяснений, как только вошёл.",
            ),
            (
                "source",
                "expert.psych@halqa.test",
                "R. J. Marzano, Classroom Management That Works (ASCD, 2003)",
                "https://www.ascd.org/books/classroom-management-that-works",
                "Глава о правилах и процедурах: как начало урока становится привычкой класса.",
            ),
            ("prepared", "maria@halqa.test"),
            ("prepared", "expert.psych@halqa.test"),
            ("maria@halqa.test", Stage.IN_SESSION, ""),
            (
                "notes",
                "maria@halqa.test",
                {
                    "discussed": "После большой перемены 7 «Б» приходит возбуждённым; Анна тратит первые 15 минут на то, "
                    "чтобы успокоить класс, и не успевает объяснить новое.",
                    "experience": "Мария: устный счёт не работает, пока класс не сел. У психолога был опыт с "
                    "«тихим стартом»: задание уже на доске, учитель молча стоит у двери. Неудача: громкое "
                    "замечание всему классу только продлевает шум.",
                    "options": "1) «Сделай сейчас» на доске; 2) проектор с таймером на 3 минуты; "
                    "3) договорённость с классным руководителем о правиле входа.",
                    "will_produce": "Памятку для учителя на одну страницу с тремя заданиями «Сделай сейчас» для 7 класса.",
                },
            ),
            ("maria@halqa.test", Stage.DRAFTING, ""),
            (
                "draft",
                "maria@halqa.test",
                {
                    "title": "Тихий старт урока после большой перемены",
                    "body": "1. До звонка выведите на проектор задание «Сделай сейчас» и таймер на 3 минуты.\n"
                    "2. Встречайте класс у двери молча, жестом показывая на экран.\n"
                    "3. Через 3 минуты — один ученик читает свой ответ, и урок идёт дальше.\n"
                    "4. Повторяйте каждый урок две недели: начало станет привычкой.",
                },
            ),
            ("maria@halqa.test", Stage.IN_REVIEW, ""),
            ("coordinator@halqa.test", Stage.PUBLISHED, ""),
            ("coordinator@halqa.test", Stage.FEEDBACK, ""),
            (
                "feedback",
                "anna@halqa.test",
                {
                    "understood": True,
                    "has_resources": False,
                    "helpful": 3,
                    "can_use": False,
                    "comment": "Предложенная разминка требует проектора, а в кабинете 214 его нет. Нужен вариант без техники.",
                },
            ),
            (
                "draft",
                "maria@halqa.test",
                {
                    "title": "Тихий старт урока после большой перемены",
                    "body": "1. До звонка напишите на доске задание «Сделай сейчас» (три примера на устный счёт) "
                    "и нарисуйте рядом песочные часы.\n"
                    "2. Встречайте класс у двери молча, жестом показывая на доску.\n"
                    "3. Через 3 минуты — один ученик читает свой ответ, и урок идёт дальше.\n"
                    "4. Повторяйте каждый урок две недели: начало станет привычкой.",
                    "change_note": "Без проектора: задание и таймер на доске.",
                },
            ),
            ("maria@halqa.test", Stage.IN_REVIEW, ""),
        ],
    },
    {
        "by": None,  # from the box in the school hall, kept anonymous
        "school": "school17",
        "transcribed_by": "coordinator@halqa.test",
        "group": "student",
        "story": {
            "title": "Не понимаю, зачем нужен урок технологии",
            "what_happened": "На технологии мы всё время делаем одно и то же, и никто не объясняет, пригодится ли это.",
            "what_tried": "Спрашивал у друзей, они тоже не знают.",
            "help_wanted": "Хочу понять, чему этот предмет учит.",
            "language": "ru",
            "grade": "8",
        },
        "types": ["motivational"],
        "topics": ["point_of_a_subject"],
        "scan": "форма-из-ящика.png",  # the sheet from the box, scanned: only the coordinators see it
        "history": [("coordinator@halqa.test", Stage.CLARIFYING, "")],
    },
    {
        "by": "parent.hafez@halqa.test",
        "school": "hafez",
        "story": {
            "title": "نمی‌دانم نمره‌های دخترم را در دفتر الکترونیکی کجا ببینم",
            "what_happened": "مدرسه گفته همه چیز در دفتر الکترونیکی است، اما من فقط پیام‌ها را می‌بینم و نمره‌ها را پیدا نمی‌کنم.",
            "what_tried": "از والدین دیگر پرسیدم؛ هر کدام چیز دیگری گفتند.",
            "help_wanted": "یک راهنمای ساده برای والدین.",
            "language": "fa",
        },
        "types": ["organizational"],
        "topics": ["electronic_diary"],
        "history": [
            ("ask", "principal.hafez@halqa.test", "دخترتان در کدام پایه است و از چه دستگاهی وارد دفتر می‌شوید؟"),
            ("answer", "parent.hafez@halqa.test", "پایهٔ هفتم؛ با گوشی وارد می‌شوم."),
            ("group", "counselor.hafez@halqa.test", "lead"),
            ("group", "parent.hafez@halqa.test", "member"),
            ("principal.hafez@halqa.test", Stage.MATCHED, ""),
        ],
    },
    {
        "by": "reza@halqa.test",
        "school": "hafez",
        "story": {
            "title": "دانش‌آموز کم‌شنوا در کلاس ریاضی هشتم",
            "what_happened": "یکی از دانش‌آموزانم سمعک دارد و در بحث‌های گروهی عقب می‌ماند.",
            "what_tried": "او را ردیف اول نشاندم و نکته‌ها را روی تخته می‌نویسم.",
            "help_wanted": "تجربهٔ همکارانی که با دانش‌آموزان کم‌شنوا کار کرده‌اند.",
            "language": "fa",
            "subject": "math",
            "grade": "8",
        },
        "types": ["methodological"],
        "topics": ["children_with_disabilities"],
        "history": [],
    },
    {
        "by": "david@halqa.test",
        "school": "farabi",
        "story": {
            "title": "Project lessons never fit in 45 minutes",
            "what_happened": "My grade 11 project lessons overrun every time; the presentations slip to the next week.",
            "what_tried": "Cut the group size to three; gave a written timeline.",
            "help_wanted": "How do others split a project across short lessons?",
            "language": "en",
            "subject": "english",
            "grade": "11",
        },
        "types": ["organizational"],
        "topics": ["organising_lesson"],
        "history": [
            ("principal.farabi@halqa.test", Stage.CLARIFYING, ""),
            ("group", "expert.assessment@halqa.test", "expert"),
            ("principal.farabi@halqa.test", Stage.MATCHED, ""),
            ("principal.farabi@halqa.test", Stage.SCHEDULED, ""),
            ("principal.farabi@halqa.test", Stage.PREPARING, ""),
            (
                "source",
                "expert.assessment@halqa.test",
                "PBLWorks, Gold Standard PBL: Project Based Teaching Practices",
                "https://www.pblworks.org/",
                "The 'manage activities' practice: milestones and checkpoints that keep a project on schedule.",
            ),
            ("prepared", "expert.assessment@halqa.test"),
            ("principal.farabi@halqa.test", Stage.IN_SESSION, ""),
            (
                "notes",
                "expert.assessment@halqa.test",
                {
                    "discussed": "Grade 11 project lessons overrun; presentations slip a week, so feedback comes late.",
                    "experience": "Splitting by group size did not help David. In another school a two-lesson "
                    "split worked: build in one lesson, present in the next, with a fixed order.",
                    "options": "Two-lesson split; gallery walk instead of presentations; 3-minute timed talks.",
                    "will_produce": "A lesson-by-lesson plan for a four-lesson project.",
                },
            ),
            ("principal.farabi@halqa.test", Stage.DRAFTING, ""),
            (
                "draft",
                "expert.assessment@halqa.test",
                {
                    "title": "A project across short lessons",
                    "body": "Lesson 1: question and groups. Lesson 2: build, with a checkpoint at minute 30.\n"
                    "Lesson 3: build and rehearse. Lesson 4: 3-minute timed presentations in a fixed order.",
                },
            ),
            ("principal.farabi@halqa.test", Stage.IN_REVIEW, ""),
            ("principal.farabi@halqa.test", Stage.PUBLISHED, ""),
            ("principal.farabi@halqa.test", Stage.FEEDBACK, ""),
            (
                "feedback",
                "david@halqa.test",
                {
                    "understood": True,
                    "has_resources": True,
                    "helpful": 5,
                    "can_use": True,
                    "comment": "The two-lesson split works: presentations now happen on time.",
                },
            ),
        ],
    },
    # Similar cases (issue 14): a Russian case assigned to the network's community, so that the
    # Persian and Arabic teachers of the other schools who belong to it see it (and its product,
    # published by the library's demo) among the cases like theirs.
    {
        "by": "pavel@halqa.test",
        "school": "school17",
        "story": {
            "title": "Домашние задания по алгебре списаны из общего чата",
            "what_happened": "В 8 классе почти все сдают одинаковые решения домашних задач по алгебре: ответы "
            "появляются в классном чате через час после урока, а на самостоятельной работе половина класса не "
            "может решить такую же задачу.",
            "what_tried": "Снижал оценку за одинаковые работы и давал разные варианты, но варианты тоже "
            "пересылают друг другу.",
            "help_wanted": "Как сделать домашнюю работу такой, чтобы её было бессмысленно списывать, и как "
            "понять, кто действительно разобрался?",
            "language": "ru",
            "subject": "math",
            "grade": "8",
        },
        "types": ["methodological", "motivational"],
        "topics": ["engaging_students"],
        "coordinator": "coordinator@halqa.test",
        "history": [
            ("assign", "coordinator@halqa.test", "STEM Common Assessment Network"),
            ("coordinator@halqa.test", Stage.CLARIFYING, ""),
            ("group", "dmitry@halqa.test", "lead"),
            ("coordinator@halqa.test", Stage.MATCHED, ""),
            ("dmitry@halqa.test", Stage.SCHEDULED, ""),
            ("dmitry@halqa.test", Stage.PREPARING, ""),
            (
                "source",
                "dmitry@halqa.test",
                "D. Wiliam, Embedded Formative Assessment (Solution Tree, 2011) — гл. 4",
                "",
                "Домашнее задание как источник сведений для учителя, а не оценка: короткие задания и разбор в начале урока.",
            ),
            ("prepared", "dmitry@halqa.test"),
            ("dmitry@halqa.test", Stage.IN_SESSION, ""),
            (
                "notes",
                "dmitry@halqa.test",
                {
                    "discussed": "Ответы к домашним задачам по алгебре расходятся по классному чату; оценка за "
                    "домашнюю работу ничего не говорит о том, кто понял тему.",
                    "experience": "Дмитрий: перестал ставить оценку за домашнее задание и начал урок с "
                    "пятиминутной проверки одной похожей задачи. Неудача: индивидуальные варианты не помогли, "
                    "их тоже пересылают.",
                    "options": "1) не оценивать домашнее задание; 2) пять минут похожей задачи в начале урока; "
                    "3) ученик объясняет решение у доски.",
                    "will_produce": "Памятку: домашнее задание, которое бессмысленно списывать.",
                },
            ),
            ("dmitry@halqa.test", Stage.DRAFTING, ""),
            (
                "draft",
                "dmitry@halqa.test",
                {
                    "title": "Домашнее задание, которое бессмысленно списывать",
                    "body": "1. Не ставьте отметку за домашнее задание: оценивайте похожую задачу на уроке.\n"
                    "2. Начинайте урок с пятиминутной задачи того же типа, без тетрадей.\n"
                    "3. Просите двух учеников объяснить своё решение у доски.\n"
                    "4. Разбирайте вместе ошибки, которые повторяются у многих.",
                },
            ),
            ("dmitry@halqa.test", Stage.IN_REVIEW, ""),
        ],
    },
    {
        "by": "parent.farabi@halqa.test",
        "school": "farabi",
        "anonymous": True,
        "story": {
            "title": "ابني يخاف من الخروج إلى السبورة",
            "what_happened": "ابني في الصف الثامن يبكي قبل حصة الرياضيات لأنه يخاف أن يُطلب منه الحل أمام الجميع.",
            "help_wanted": "كيف أساعده، وكيف يتعامل المعلم معه؟",
            "language": "ar",
            "grade": "8",
        },
        "types": ["motivational"],
        "topics": ["psychological_particularities", "dialogue_with_teachers"],
        "history": [
            (
                "principal.farabi@halqa.test",
                Stage.DECLINED,
                "هذا الطلب يخص المرشد الطلابي مباشرة؛ حوّلناه إليه وسيتواصل معكم هذا الأسبوع.",
            )
        ],
    },
]


def scanned_form(name: str) -> SimpleUploadedFile:
    """A small grey "scan" of a filled-in paper form (a PNG of a few kilobytes, drawn here): a title
    bar, the written lines and the ticked boxes, no real handwriting."""
    from PIL import Image, ImageDraw

    sheet = Image.new("L", (420, 594), 250)  # A4's proportions
    pen = ImageDraw.Draw(sheet)
    pen.rectangle((30, 28, 390, 58), fill=60)
    for top in (90, 200, 290):
        for line in range(5):
            y = top + line * 16
            pen.line((34, y, 386, y), fill=150)
            pen.line((40, y - 5, 40 + (line * 67 + top) % 300 + 40, y - 6), fill=40, width=2)  # the "writing"
    for box, ticked in ((0, False), (1, True), (2, False)):
        x = 40 + box * 120
        pen.rectangle((x, 400, x + 12, 412), outline=30, width=2)
        if ticked:
            pen.line((x + 2, 406, x + 6, 410, x + 11, 401), fill=30, width=2)
    pen.line((34, 540, 386, 540), fill=30, width=2)
    output = io.BytesIO()
    sheet.save(output, format="PNG", optimize=True)
    return SimpleUploadedFile(name, output.getvalue(), content_type="image/png")


def _first_mover(spec: dict) -> str:
    """The coordinator of a demo case: whoever moves it or asks first."""
    for step in spec["history"]:
        if step[0] in ("ask",):
            return step[1]
        if step[0] not in ("group", "answer", "feedback", "source", "notes", "draft", "prepared"):
            return step[0]
    return spec.get("transcribed_by") or spec["by"]


def load(people: dict, schools: dict) -> int:
    """Create the demo cases that are not there yet; returns how many were created."""
    created = 0
    for spec in CASES:
        if Case.objects.filter(title=spec["story"]["title"]).exists():
            continue
        school = schools[spec["school"]]
        topics = list(Topic.objects.filter(key__in=spec["topics"]))
        if spec["by"] is None:
            case = services.transcribe_case(
                actor=people[spec["transcribed_by"]],
                school=school,
                channel="paper",
                requester_group=spec["group"],
                anonymous=True,
                types=spec["types"],
                topics=topics,
                paper_form=scanned_form(spec["scan"]) if spec.get("scan") else None,
                **spec["story"],
            )
        else:
            case = services.submit_case(
                actor=people[spec["by"]],
                school=school,
                anonymous=spec.get("anonymous", False),
                types=spec["types"],
                topics=topics,
                **spec["story"],
            )
        coordinator = people[spec.get("coordinator") or _first_mover(spec)]
        for step in spec["history"]:
            kind = step[0]
            if kind == "group":
                services.add_to_group(case, actor=coordinator, person=people[step[1]], role=step[2])
                continue
            if kind == "assign":  # the coordinator assigns the case to a community of the school or its network
                community = Community.objects.get(name=step[2])
                case = services.triage(case, actor=people[step[1]], community=community, assign=True)
                continue
            if kind == "ask":
                services.ask(case, actor=people[step[1]], body=step[2])
                case.refresh_from_db()
                continue
            if kind == "answer":
                services.answer(case, actor=people[step[1]], body=step[2])
                continue
            if kind == "feedback":
                services.give_feedback(case, actor=people[step[1]], **step[2])
                case.refresh_from_db()
                continue
            if kind in RECORDS:
                RECORDS[kind](case, people[step[1]], *step[2:])
                continue
            who, stage, note = step
            session_at = timezone.now() + dt.timedelta(days=5) if stage == Stage.SCHEDULED else None
            case = services.move(case, actor=people[who], to=stage, note=note, session_at=session_at)
        created += 1
    load_planning(people, schools)
    return created


def _source(case, who, title, url, note):
    services.add_preparation_item(case, actor=who, title=title, url=url, note=note)


def _notes(case, who, fields):
    services.add_session_note(case, actor=who, held_at=timezone.now() - dt.timedelta(days=2), **fields)


def _draft(case, who, fields):
    services.save_draft(case, actor=who, **fields)


def _prepared(case, who):
    services.mark_prepared(case, actor=who)


# The case's records of stages 4–6 in a history: ("source", who, title, url, note), ("prepared", who),
# ("notes", who, fields) and ("draft", who, fields).
RECORDS = {"source": _source, "notes": _notes, "draft": _draft, "prepared": _prepared}


# The demo schools' holidays, around today so that plans step over them: (school, leader, name,
# first day from today, last day from today or None).
HOLIDAYS = [
    ("farabi", "principal.farabi@halqa.test", "إجازة منتصف الفصل الدراسي", 15, 19),
    ("hafez", "principal.hafez@halqa.test", "تعطیل رسمی", 8, None),
    ("school17", "principal.school17@halqa.test", "Осенние каникулы", 10, 16),
]
# Demo plans: (case title, who plans, target in days from today, planned how many days ago).
# The Persian parent's case was planned three weeks ago and has not moved since: it is overdue.
PLANS = [
    ("طلاب الصف السابع لا يكملون بطاقة الخروج", "nora@halqa.test", 70, 0),
    ("Не удаётся удержать внимание 7 «Б» после большой перемены", "maria@halqa.test", 30, 0),
    ("نمی‌دانم نمره‌های دخترم را در دفتر الکترونیکی کجا ببینم", "principal.hafez@halqa.test", 60, 21),
]
RISKS = [
    (
        "طلاب الصف السابع لا يكملون بطاقة الخروج",
        "nora@halqa.test",
        "risk",
        "اختبارات منتصف الفصل قد تؤخر الجلسة",
        "nora@halqa.test",
    ),
    (
        "طلاب الصف السابع لا يكملون بطاقة الخروج",
        "nora@halqa.test",
        "resource",
        "بنك أسئلة الخروج الذي أعدّه قسم الرياضيات",
        "expert@halqa.test",
    ),
]


def load_planning(people: dict, schools: dict) -> None:
    """Holidays, plans and risks for the demo, through the services; loading twice adds nothing."""
    from halqa.orgs import services as orgs

    today = timezone.localdate()
    for school_key, leader, name, first, last in HOLIDAYS:
        school = schools[school_key]
        if leader in people and not school.holidays.filter(name=name).exists():
            orgs.add_holiday(
                school,
                actor=people[leader],
                name=name,
                starts=today + dt.timedelta(days=first),
                ends=today + dt.timedelta(days=last) if last is not None else None,
            )
    for title, who, target_in, days_ago in PLANS:
        case = Case.objects.filter(title=title).select_related("school").first()
        if case is None or case.due_dates or who not in people:
            continue
        planned_on = today - dt.timedelta(days=days_ago)
        services.plan(case, actor=people[who], target_date=planned_on + dt.timedelta(days=target_in), today=planned_on)
    for title, who, kind, description, owner in RISKS:
        case = Case.objects.filter(title=title).first()
        if case is None or case.risks.filter(description=description).exists():
            continue
        services.add_risk(case, actor=people[who], kind=kind, description=description, owner=people.get(owner))
