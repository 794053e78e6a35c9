"""Demo communities for `manage.py load_demo`: several formats across three schools and the network,
with charters, goals, work programs, a signed decision. Idempotent like the rest of the demo."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from halqa.core import outbox
from halqa.discussions import services as discussions

from . import services
from .models import CharterRevision, Community, Decision, DecisionStatus, Role
from .tasks import COMMUNITY_INVITATION_EMAIL

D = dt.timedelta

COMMUNITIES = [
    {
        "home": ("school", "farabi"),
        "name": "مجتمع تعلم الرياضيات",
        "topic": "رفع إتقان طلاب الصف العاشر في الجبر عبر التقويم البنائي المشترك",
        "format": "subject_plc",
        "visibility": "school",
        "cadence": "biweekly",
        "cadence_note": "الثلاثاء بعد الحصة السادسة",
        "facilitator": "nora@halqa.test",
        "members": [
            ("teacher@halqa.test", "member", "أجرب بطاقات الخروج في صفي وأشارك النتائج"),
            ("omar@halqa.test", "member", "أربط مسائل الجبر بالتجارب الفيزيائية"),
            ("huda@halqa.test", "observer", ""),
            ("expert@halqa.test", "expert", "Lesson study coaching"),
            ("parent.farabi@halqa.test", "guest", ""),
        ],
        "guests_invited_by": "principal.farabi@halqa.test",
        "charter": {
            "mission": "نتعلم معاً لنحسّن تعلم طلابنا في الرياضيات، بالاعتماد على بيانات تقويم مشتركة.",
            "vision": "كل طالب في الصف العاشر يتقن أساسيات الجبر ويثق بقدرته على حل المسائل.",
            "values": "التركيز على تعلم الطلاب، المسؤولية الجماعية، الانفتاح على التجربة والخطأ.",
            "norms": "نبدأ وننتهي في الوقت المحدد\nنستند إلى أدلة من أعمال الطلاب\nنشارك الإخفاقات كما نشارك النجاحات\nكل عضو يختار دوراً في كل دورة",
        },
        "goals": [
            (
                "رفع نسبة الإتقان في اختبار الجبر المشترك",
                "80٪ من طلاب الصف العاشر",
                "الاختبار المشترك في نهاية الفصل",
                120,
                35,
            ),
            ("ملاحظة صفية متبادلة لكل عضو", "ملاحظتان لكل معلم", "سجل الملاحظات", 90, 50),
        ],
        "program": [
            ("تحليل نتائج الاختبار التشخيصي", "assessment", -20, "done"),
            ("ورشة: بطاقات الخروج", "workshop", 5, "planned"),
            ("ملاحظة الأقران: درس المعادلات", "observation", 14, "planned"),
        ],
        "sign": "principal.farabi@halqa.test",
        "discussion": [
            (
                "nora@halqa.test",
                "نتائج الاختبار التشخيصي جاهزة: **42٪** فقط أتقنوا حل المعادلات الخطية. ما الذي نجربه أولاً؟",
                None,
            ),
            ("teacher@halqa.test", "أقترح بطاقات الخروج بعد كل حصة، وأستطيع مشاركة النموذج الذي أستخدمه.", 0),
            (
                "expert@halqa.test",
                "Exit tickets work well when the team agrees on *one* question per lesson. Happy to join your next meeting.",
                0,
            ),
        ],
    },
    {
        "home": ("school", "hafez"),
        "name": "گروه درس‌پژوهی ریاضی",
        "topic": "طراحی مشترک درس کسرها برای پایه هفتم با چرخه درس‌پژوهی",
        "format": "action_research",
        "visibility": "school",
        "cadence": "monthly",
        "cadence_note": "",
        "facilitator": "reza@halqa.test",
        "members": [
            ("zahra@halqa.test", "member", "ثبت شواهد یادگیری دانش‌آموزان"),
            ("amir@halqa.test", "member", ""),
            ("fatemeh@halqa.test", "observer", ""),
            ("expert.assessment@halqa.test", "expert", "طراحی سنجش مشترک"),
        ],
        "charter": {
            "mission": "با اقدام‌پژوهی جمعی، بدفهمی‌های دانش‌آموزان در کسرها را پیدا و برطرف می‌کنیم.",
            "vision": "کلاس‌هایی که در آن هر دانش‌آموز دلیل پاسخ خود را توضیح می‌دهد.",
            "values": "یادگیری دانش‌آموز در مرکز، گفتگوی مبتنی بر داده، مسئولیت مشترک.",
            "norms": "هر جلسه با شواهد کار دانش‌آموزان شروع می‌شود\nنقد درس است نه معلم",
        },
        "goals": [
            ("کاهش بدفهمی جمع کسرها", "۷۰٪ پاسخ درست در پس‌آزمون", "پیش‌آزمون و پس‌آزمون مشترک", 100, 20),
        ],
        "program": [
            ("پیش‌آزمون مشترک", "assessment", -10, "done"),
            ("طراحی درس پژوهشی", "lesson_study", 7, "in_progress"),
            ("اجرای درس و مشاهده", "observation", 21, "planned"),
        ],
        "sign": None,
        "discussion": [
            (
                "reza@halqa.test",
                "پیش‌آزمون نشان داد بیشتر دانش‌آموزان مخرج‌ها را با هم جمع می‌کنند. برای درس پژوهشی از نوار کسری شروع کنیم؟",
                None,
            ),
            ("zahra@halqa.test", "موافقم. من شواهد کار دانش‌آموزان را جمع می‌کنم و جلسه بعد می‌آورم.", 0),
        ],
    },
    {
        "home": ("school", "school17"),
        "name": "Школа молодого педагога",
        "topic": "Наставничество и взаимопосещение уроков для учителей первых трёх лет",
        "format": "peer_coaching",
        "visibility": "public",
        "cadence": "weekly",
        "cadence_note": "",
        "facilitator": "maria@halqa.test",
        "members": [
            ("anna@halqa.test", "member", "Готовлю открытый урок по литературе"),
            ("pavel@halqa.test", "member", ""),
            ("grace@halqa.test", "member", "Classroom management techniques"),
            ("expert.psych@halqa.test", "expert", "Мотивация учащихся"),
            ("coordinator@halqa.test", "observer", ""),
        ],
        "charter": {
            "mission": "Помогаем молодым учителям уверенно войти в профессию.",
            "vision": "Каждый молодой педагог имеет наставника и план роста.",
            "values": "Доверие, открытость, уважение к опыту друг друга.",
            "norms": "Обратная связь — конкретная и доброжелательная\nВсё, что сказано на встрече, остаётся в группе",
        },
        "goals": [
            ("Каждый молодой учитель проводит открытый урок", "4 открытых урока", "протоколы взаимопосещений", 150, 25),
        ],
        "program": [
            ("Взаимопосещение: урок литературы", "observation", 3, "planned"),
            ("Семинар: мотивация подростков", "workshop", 10, "planned"),
        ],
        "sign": None,
        "discussion": [
            (
                "anna@halqa.test",
                "Коллеги, как вы удерживаете внимание шестиклассников на последнем уроке в пятницу?",
                None,
            ),
            (
                "maria@halqa.test",
                "Смена деятельности каждые 10–12 минут и короткая игра в конце. Приходите ко мне на урок в среду.",
                0,
            ),
        ],
    },
    {
        "home": ("network", None),
        "name": "STEM Common Assessment Network",
        "topic": "A common algebra assessment across the three schools, and what its data tells us",
        "format": "network",
        "visibility": "public",
        "cadence": "monthly",
        "cadence_note": "Online, first Thursday of the month",
        "facilitator": "supervisor@halqa.test",
        "members": [
            ("nora@halqa.test", "member", "Coordinates the Al-Farabi data"),
            ("reza@halqa.test", "member", "Coordinates the Hafez data"),
            ("dmitry@halqa.test", "member", "Coordinates the School 17 data"),
            ("david@halqa.test", "member", ""),
        ],
        "charter": {
            "mission": "Share student progress data across schools to find the most effective strategies.",
            "vision": "Decisions about teaching algebra are made on evidence from our own students.",
            "values": "Collective responsibility, transparency of data, room for innovation.",
            "norms": "Data stays anonymous\nEvery school presents once a term",
        },
        "goals": [
            ("Run the common assessment in all three schools", "3 schools, 300 students", "results uploaded", 60, 66),
        ],
        "program": [
            ("Agree on the assessment blueprint", "meeting", -30, "done"),
            ("Pre-test in all schools", "assessment", 12, "planned"),
        ],
        "sign": "supervisor@halqa.test",
        "discussion": [
            (
                "supervisor@halqa.test",
                "The blueprint is agreed. Please upload each school's pre-test results by the end of the month.",
                None,
            ),
            (
                "dmitry@halqa.test",
                "School 17 will run it in grade 8 on Tuesday. We translated the items into Russian.",
                0,
            ),
        ],
    },
    {
        "home": ("school", "school17"),
        "name": "Classroom management circle",
        "topic": "Routines that keep lessons calm and focused",
        "format": "discussion_circle",
        "visibility": "members",
        "cadence": "biweekly",
        "cadence_note": "",
        "facilitator": "grace@halqa.test",
        "members": [("anna@halqa.test", "member", ""), ("pavel@halqa.test", "member", "")],
        "charter": {},
        "goals": [],
        "program": [],
        "sign": None,
    },
]


def _progress_keeper(spec: dict, people: dict, facilitator):
    """The first plain member reports progress (members may), else the facilitator."""
    for email, role, _activity in spec["members"]:
        if role == Role.MEMBER:
            return people[email]
    return facilitator


def load(people: dict, schools: dict, network) -> int:
    """Create what is missing, through the services, so the event trail tells the demo's history
    (recent activity on community pages, rows on /audit/); return how many communities were created."""
    today = timezone.localdate()
    created = 0
    for spec in COMMUNITIES:
        kind, key = spec["home"]
        home = {"school": schools[key]} if kind == "school" else {"network": network}
        community = Community.objects.filter(name=spec["name"], **home).first()
        if community is not None:
            continue
        facilitator = people[spec["facilitator"]]
        community = services.create_community(
            actor=facilitator,
            charter=spec["charter"] or None,
            **home,
            **{k: spec[k] for k in ("name", "topic", "format", "visibility", "cadence", "cadence_note")},
        )
        created += 1
        for email, role, activity in spec["members"]:
            person = people[email]
            # Parents and students are invited by a leader of the school, who may see them.
            inviter = people[spec["guests_invited_by"]] if role == Role.GUEST else facilitator
            invitation = services.invite_member(community, actor=inviter, person=person, role=role)
            services.answer_invitation(invitation, actor=person, accept=True, activity=activity)
            outbox.cancel_unfinished(COMMUNITY_INVITATION_EMAIL, invitation.pk)  # answered at once: no email
        for title, target, measure, days, progress in spec["goals"]:
            goal = services.add_goal(
                community, actor=facilitator, title=title, target=target, measure=measure, due_date=today + D(days=days)
            )
            if progress:
                services.record_progress(goal, actor=_progress_keeper(spec, people, facilitator), progress=progress)
        for title, fmt, days, status in spec["program"]:
            services.add_activity(
                community,
                actor=facilitator,
                title=title,
                format=fmt,
                starts_on=today + D(days=days),
                responsible=facilitator,
                status=status,
            )
        if spec["sign"]:
            decision = services.draft_decision(
                community,
                actor=facilitator,
                number=f"{today.year}/{community.pk:03d}",
                topic=community.topic,
                goals_text="\n".join(title for title, *_ in spec["goals"]),
                period_start=today.replace(month=9, day=1)
                if today.month >= 9
                else today.replace(year=today.year - 1, month=9, day=1),
                period_end=(
                    today.replace(month=6, day=30)
                    if today.month < 9
                    else today.replace(year=today.year + 1, month=6, day=30)
                ),
            )
            services.sign_decision(
                decision, actor=people[spec["sign"]], fingerprint=services.decision_fingerprint(decision)
            )
        posts = []
        for email, body, reply_to in spec.get("discussion", []):
            parent = posts[reply_to] if reply_to is not None else None
            posts.append(discussions.add_post(people[email], discussions.thread_for(community), body, parent=parent))
    assert CharterRevision.objects.exists() and Decision.objects.filter(status=DecisionStatus.SIGNED).exists()
    return created
