"""Demo library, the rest of "Done means" (issue 13): products of every type, in the four languages,
from cases that went round the whole cycle and were closed by their requester; and one product that
was retracted with its reason.

Each closed case is asked by a teacher, sorted by the coordinator, worked on by a group's lead,
turned into a product, reviewed, published (which moves the case to feedback), and answered "I can
use it" (which closes it). Everything goes through the services; loading twice changes nothing (a
case is found by its title, the retracted product by its).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from halqa.cases import services as cases
from halqa.cases.models import Case, Stage
from halqa.cases.records import save_draft
from halqa.orgs.models import School

from . import services
from .models import Product

APPROVE = {"accuracy": 5, "practicality": 5, "clarity": 4, "standards": 4}

CLOSED = [
    {
        "school": "farabi",
        "requester": "huda@halqa.test",
        "coordinator": "principal.farabi@halqa.test",
        "lead": "omar@halqa.test",
        "reviewer": "expert@halqa.test",
        "story": {
            "language": "ar",
            "title": "أولياء الأمور لا يحضرون لقاءات المدرسة",
            "what_happened": "حضر أربعة من أولياء الأمور فقط لقاء الصف التاسع، ومعظمهم يعمل في المساء.",
            "help_wanted": "كيف نعرض تقدم الطلاب على من لا يستطيع الحضور؟",
        },
        "draft": (
            "لقاء أولياء الأمور مسجّلًا",
            "## الفكرة\n\nتسجيل قصير لعشرين دقيقة يعرض فيه المعلمون تقدم الصف وأسئلة الأهل الأكثر تكرارًا.",
        ),
        "fields": {
            "kind": "webinar",
            "audience": "parent",
            "link": "https://example.org/halqa/webinar-parents",
            "summary": "ندوة مسجّلة لأولياء الأمور: تقدم الصف في عشرين دقيقة، مع ملخص مكتوب.",
            "what_failed": "اللقاء المباشر في الساعة الخامسة: لم يحضر إلا القليل.",
        },
        "feedback": "شاهده أكثر من نصف أولياء الأمور في الأسبوع الأول.",
    },
    {
        "school": "farabi",
        "requester": "teacher@halqa.test",
        "coordinator": "principal.farabi@halqa.test",
        "lead": "nora@halqa.test",
        "reviewer": "expert@halqa.test",
        "story": {
            "language": "ar",
            "title": "لا نعرف كيف نلاحظ حصص بعضنا",
            "what_happened": "بدأنا تبادل الزيارات الصفية، لكن كل زائر يكتب ملاحظات مختلفة ولا نتفق على شيء.",
            "help_wanted": "نريد طريقة واحدة لملاحظة الحصة ومناقشتها.",
        },
        "draft": (
            "بروتوكول ملاحظة الحصة",
            "## قبل الحصة\n\nيختار المعلم سؤالًا واحدًا يريد أن يلاحظه الزائر.\n\n"
            "## أثناء الحصة\n\nيكتب الزائر ما يفعله الطلاب، لا ما يفعله المعلم.",
        ),
        "fields": {
            "kind": "protocol",
            "summary": "بروتوكول من ثلاث خطوات لتبادل الزيارات الصفية ومناقشتها في عشر دقائق.",
            "what_failed": "قائمة التقييم ذات العشرين بندًا: شعر المعلمون أنهم يُقيَّمون.",
        },
        "feedback": "استعملناه في ثلاث زيارات، والنقاش صار أقصر وأوضح.",
    },
    {
        "school": "hafez",
        "requester": "zahra@halqa.test",
        "coordinator": "principal.hafez@halqa.test",
        "lead": "reza@halqa.test",
        "reviewer": "counselor.hafez@halqa.test",
        "story": {
            "language": "fa",
            "title": "معلمان تازه‌کار در مدیریت کلاس تنها هستند",
            "what_happened": "سه معلم تازه‌کار امسال در ماه اول با کلاس‌های شلوغ کنار نیامدند و کسی همراهشان نبود.",
            "help_wanted": "یک برنامه‌ی کوتاه برای همراهی معلمان تازه‌کار می‌خواهیم.",
        },
        "draft": (
            "دوره‌ی همراهی معلمان تازه‌کار",
            "## هفته‌ی اول\n\nمشاهده‌ی دو کلاس معلم باتجربه.\n\n## هفته‌ی دوم\n\nتدریس مشترک و گفتگو پس از کلاس.",
        ),
        "fields": {
            "kind": "training",
            "summary": "برنامه‌ی چهار هفته‌ای همراهی معلمان تازه‌کار با یک معلم باتجربه.",
            "what_failed": "کارگاه یک‌روزه در آغاز سال: در ماه دوم چیزی از آن به یاد نمانده بود.",
        },
        "feedback": "دو معلم تازه‌کار دوره را گذراندند و کلاس‌هایشان آرام‌تر شد.",
    },
    {
        "school": "hafez",
        "requester": "amir@halqa.test",
        "coordinator": "principal.hafez@halqa.test",
        "lead": "fatemeh@halqa.test",
        "reviewer": "counselor.hafez@halqa.test",
        "story": {
            "language": "fa",
            "title": "دانش‌آموزان پایه‌ی نهم از آزمون‌های کوتاه می‌ترسند",
            "what_happened": "پیش از هر آزمون کوتاه چند دانش‌آموز غیبت می‌کنند و نمره‌ها پایین‌تر از کار کلاسی است.",
            "help_wanted": "چگونه اضطراب آزمون را در کلاس کم کنیم؟",
        },
        "draft": (
            "از اضطراب تا تمرین: تجربه‌ی پایه‌ی نهم",
            "## آنچه کردیم\n\nآزمون‌های کوتاه بدون نمره در دو هفته‌ی اول.\n\n## آنچه دیدیم\n\nغیبت‌ها کم شد.",
        ),
        "fields": {
            "kind": "case_study",
            "summary": "مطالعه‌ی موردی: آزمون‌های بدون نمره چگونه اضطراب کلاس نهم را کم کرد.",
            "what_failed": "گفتن «نگران نباشید» پیش از آزمون: هیچ اثری نداشت.",
        },
        "feedback": "در کلاس خودم هم امتحان کردم و غیبت‌ها کمتر شد.",
    },
    {
        "school": "farabi",
        "requester": "david@halqa.test",
        "coordinator": "principal.farabi@halqa.test",
        "lead": "expert.assessment@halqa.test",
        "reviewer": "expert@halqa.test",
        "story": {
            "language": "en",
            "title": "Peer feedback in writing lessons turns into praise only",
            "what_happened": "When grade 10 students review each other's essays they write 'good job' and nothing else.",
            "help_wanted": "How do we get feedback that a writer can act on?",
        },
        "draft": (
            "Master class: feedback a writer can use",
            "## Warm-up\n\nStudents sort ten sample comments into 'kind', 'specific' and 'helpful'.\n\n"
            "## Practice\n\nEach pair writes one 'glow' and one 'grow' with a line number.",
        ),
        "fields": {
            "kind": "master_class",
            "summary": "A 45-minute master class that teaches students to write specific, usable peer feedback.",
            "what_failed": "A printed checklist alone: students ticked every box without reading the essay.",
        },
        "feedback": "My grade 10 class now writes comments with line numbers.",
    },
]

RETRACTED = {
    "school": "farabi",
    "author": "omar@halqa.test",
    "reviewer": "expert@halqa.test",
    "publisher": "principal.farabi@halqa.test",
    "fields": {
        "kind": "article",
        "audience": "teacher",
        "language": "en",
        "title": "Silent reading with a stopwatch",
        "summary": "Timing every student's silent reading to the second, every lesson.",
        "body": "## The idea\n\nA stopwatch on each desk; students record their reading time after each page.",
    },
    "reason": "Timing each page made reading anxious for weaker readers; the school's reading group advises "
    "against it. See the lesson plan on project lessons instead.",
}


# Demo cases whose product the library's demo publishes (moving them to feedback), then closed by
# their requester: (case title, requester, their answer).
ANSWERED = [
    (
        "Не удаётся удержать внимание 7 «Б» после большой перемены",
        "anna@halqa.test",
        "Без проектора получилось: класс начинает урок за три минуты.",
    ),
]


def load(people: dict, school_id) -> int:
    """Add what is missing; `school_id(key)` gives a demo school's id."""
    new = 0
    for title, requester, answer in ANSWERED:
        case = Case.objects.filter(title=title, stage=Stage.FEEDBACK).first()
        if case is not None and case.products.filter(status="published").exists():
            cases.give_feedback(case, actor=people[requester], understood=True, has_resources=True, helpful=4,
                                can_use=True, comment=answer)  # fmt: skip
    for spec in CLOSED:
        if Case.objects.filter(title=spec["story"]["title"]).exists():
            continue
        _closed_case_product(spec, people, School.objects.get(pk=school_id(spec["school"])))
        new += 1
    spec = RETRACTED
    if not Product.objects.filter(title=spec["fields"]["title"]).exists():
        product = services.start(
            actor=people[spec["author"]], school=School.objects.get(pk=school_id(spec["school"])), **spec["fields"]
        )
        _review_and_publish(product, people[spec["author"]], people[spec["reviewer"]], people[spec["publisher"]])
        services.retract(product, actor=people[spec["publisher"]], reason=spec["reason"])
        new += 1
    return new


def _review_and_publish(product, author, reviewer, publisher):
    services.submit(product, actor=author)
    services.assign(product, actor=publisher, reviewer=reviewer)
    services.review(product, actor=reviewer, scores=APPROVE, decision="approve", comment="")
    return services.publish(product, actor=publisher)


def _closed_case_product(spec, people, school) -> None:
    requester, coordinator, lead = people[spec["requester"]], people[spec["coordinator"]], people[spec["lead"]]
    case = cases.submit_case(actor=requester, school=school, **spec["story"])
    cases.triage(case, actor=coordinator)
    cases.add_to_group(case, actor=coordinator, person=lead, role="lead")
    for stage, extra in (
        (Stage.MATCHED, {}),
        (Stage.SCHEDULED, {"session_at": timezone.now() + dt.timedelta(hours=1)}),
        (Stage.PREPARING, {}),
        (Stage.IN_SESSION, {}),
        (Stage.DRAFTING, {}),
    ):
        case = cases.move(Case.objects.get(pk=case.pk), actor=coordinator, to=stage, **extra)
    title, body = spec["draft"]
    save_draft(case, actor=lead, title=title, body=body)
    cases.move(Case.objects.get(pk=case.pk), actor=coordinator, to=Stage.IN_REVIEW)
    product = services.from_case(Case.objects.get(pk=case.pk), actor=lead)
    services.revise(product, actor=lead, note="Type, summary and what did not work", **spec["fields"])
    _review_and_publish(product, lead, people[spec["reviewer"]], coordinator)  # the case moves to feedback
    cases.give_feedback(
        Case.objects.get(pk=case.pk), actor=requester, understood=True, has_resources=True, helpful=5,
        can_use=True, comment=spec["feedback"],
    )  # fmt: skip
