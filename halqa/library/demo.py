"""Demo library: products in the four languages, drawn from the demo cases where there is one (the
English project case's solution, the Russian case's revised solution, which moves that case on to
the requester's feedback), one in review with a reviewer's requested changes, and ratings.

The product in review has a production plan (two steps done, two open) and the reviewer's comments
on passages (one answered and resolved, its passage rewritten in the next revision); the Hafez school
has a rubric of its own. Everything goes through the services; loading twice changes nothing (a
product is found by its title).
"""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from halqa.cases.models import Case, Topic
from halqa.communities.models import Community
from halqa.orgs.models import School

from . import demo_closed, services
from .models import Product

APPROVE = {"accuracy": 5, "practicality": 4, "clarity": 5, "standards": 4}

# (case title or None, author, reviewer, publisher, fields for a product without a case, ratings)
PRODUCTS = [
    {
        "case": "Project lessons never fit in 45 minutes",
        "author": "expert.assessment@halqa.test",
        "reviewer": "expert@halqa.test",
        "publisher": "principal.farabi@halqa.test",
        "fields": {
            "kind": "lesson_plan",
            "what_failed": "Cutting the groups to three students did not save time: the presentations still overran.",
        },
        "ratings": [("david@halqa.test", 5, "The two-lesson split works."), ("huda@halqa.test", 4, "")],
    },
    {
        "case": "Не удаётся удержать внимание 7 «Б» после большой перемены",
        "author": "maria@halqa.test",
        "reviewer": "expert@halqa.test",
        "publisher": "coordinator@halqa.test",
        "fields": {
            "kind": "recommendations",
            "summary": "Три минуты «Сделай сейчас» на доске вместо замечаний: начало урока после большой перемены.",
            "what_failed": "Громкое замечание всему классу только продлевает шум; вариант с проектором не подошёл "
            "кабинету без техники.",
        },
        "ratings": [("anna@halqa.test", 4, "Без проектора получилось."), ("pavel@halqa.test", 5, "")],
    },
    {
        "case": "Домашние задания по алгебре списаны из общего чата",
        "author": "dmitry@halqa.test",
        "reviewer": "expert@halqa.test",
        "publisher": "coordinator@halqa.test",
        "fields": {
            "kind": "recommendations",
            "summary": "Домашнее задание как тренировка, а не отметка: пять минут похожей задачи в начале урока "
            "показывают, кто понял тему, и списывать становится незачем.",
            "what_failed": "Индивидуальные варианты не помогли: их тоже пересылали в общий чат.",
        },
        "ratings": [("pavel@halqa.test", 5, "Списывать перестали уже через две недели.")],
    },
    {
        "case": None,
        "author": "nora@halqa.test",
        "reviewer": "expert@halqa.test",
        "publisher": "principal.farabi@halqa.test",
        "school": "farabi",
        "community": "مجتمع تعلم الرياضيات",
        "fields": {
            "kind": "article",
            "audience": "teacher",
            "language": "ar",
            "title": "بطاقة الخروج في ثلاث دقائق",
            "summary": "كيف نجعل كل طالب يكتب شيئًا في نهاية الحصة دون أن نخسر وقت الشرح.",
            "body": "## الفكرة\n\nسؤال واحد قصير في الدقيقة الثلاثين، لا في آخر الحصة.\n\n"
            "## الخطوات\n\n1. اكتب السؤال على السبورة قبل الحصة.\n2. وزّع البطاقات مع بداية النشاط الأخير.\n"
            "3. اجمعها عند الباب.\n\n| المدة | النشاط |\n|---|---|\n| ٣ دقائق | بطاقة الخروج |",
            "what_failed": "بطاقات الخروج في الدقيقة الأخيرة: نصف الصف لم يكتب شيئًا.",
            "subjects": ["math"],
            "grades": ["7"],
            "licence": "cc-by-4.0",
        },
        "topics": ["engaging_students"],
        # the card to print, attached and shown in the text
        "worksheet": ("بطاقة-الخروج.png", "بطاقة خروج فارغة: سؤال واحد وثلاثة أسطر للإجابة"),
        "ratings": [("teacher@halqa.test", 5, "جرّبتها مع الصف السابع."), ("omar@halqa.test", 4, "")],
    },
    {
        "case": None,
        "author": "reza@halqa.test",
        "reviewer": "counselor.hafez@halqa.test",
        "publisher": "principal.hafez@halqa.test",
        "school": "hafez",
        "community": "گروه درس‌پژوهی ریاضی",
        "fields": {
            "kind": "manual",
            "audience": "parent",
            "language": "fa",
            "title": "راهنمای والدین برای دفتر الکترونیکی مدرسه",
            "summary": "نمره‌ها، غیبت‌ها و پیام معلم را در دفتر الکترونیکی کجا ببینیم.",
            "body": "## ورود\n\nبا نام کاربری که مدرسه داده وارد شوید.\n\n## نمره‌ها\n\n- منوی «کارنامه» را باز کنید.\n"
            "- درس را انتخاب کنید.\n\n## پیام به معلم\n\nاز بخش «پیام‌ها» بنویسید؛ معلم تا دو روز کاری پاسخ می‌دهد.",
            "what_failed": "ارسال راهنما فقط به صورت فایل: بیشتر والدین آن را باز نکردند.",
            "grades": ["6", "7"],
        },
        "topics": ["electronic_diary"],
        "ratings": [("parent.hafez@halqa.test", 5, "بالاخره نمره‌ها را پیدا کردم.")],
    },
]

IN_REVIEW = {
    "author": "fatemeh@halqa.test",
    "reviewer": "expert@halqa.test",
    "assigner": "reza@halqa.test",
    "school": "hafez",
    "community": "گروه درس‌پژوهی ریاضی",
    "fields": {
        "kind": "master_class",
        "audience": "teacher",
        "language": "fa",
        "title": "کارگاه: ریاضی برای دانش‌آموز کم‌شنوا",
        "summary": "نشستن، نوشتن روی تخته و بازخورد دیداری در کلاس ریاضی هشتم.",
        "body": "## جای نشستن\n\nردیف اول، نزدیک پنجره، رو به معلم.\n\n## تخته\n\nهر دستور را بنویسید، نه فقط بگویید.",
        "subjects": ["math"],
        "grades": ["8"],
    },
    "changes": "بخش ارزشیابی را اضافه کنید: دانش‌آموز چگونه پاسخ شفاهی را جبران می‌کند؟",
    "revision": "## ارزشیابی\n\nپاسخ کتبی روی تخته‌ی کوچک به‌جای پاسخ شفاهی.",
    # the reviewer's comments on passages of revision 1 (the second passage is rewritten in revision 2)
    "comments": [
        ("هر دستور را بنویسید، نه فقط بگویید.", "برای دستورهای طولانی، کارت دستور روی میز هم کمک می‌کند."),
        ("نزدیک پنجره", "نور پنجره پشت سر معلم لب‌خوانی را سخت می‌کند؛ جای دیگری پیشنهاد کنید."),
    ],
    "answer": "درست است؛ در بازنگری، ردیف اول کنار دیوار را پیشنهاد کردیم.",
    "moved": ("نزدیک پنجره", "کنار دیوار، دور از پنجره"),
    # the production plan: (step, days from today, done)
    "steps": [
        ("طرح کلی کارگاه", -10, True),
        ("متن کامل و نمونه‌ها", -3, True),
        ("بازبینی کارشناس", 4, False),
        ("ضبط ویدیوی کارگاه", 12, False),
    ],
}
# The Hafez school's own rubric: the default four and one criterion of its own.
HAFEZ_CRITERION = {
    "label": "Fits large classes",
    "labels": {"fa": "مناسب کلاس‌های پرجمعیت", "ar": "ملاءمة الصفوف الكبيرة", "ru": "Подходит для больших классов"},
    "description": "Can one teacher do it with 35 students in the room?",
    "weight": 2,
}


def exit_ticket(name: str) -> SimpleUploadedFile:
    """A printable exit-ticket card (a PNG of a few kilobytes, drawn here): a question bar, three
    answer lines and a box for the student's name."""
    from PIL import Image, ImageDraw

    card = Image.new("RGB", (480, 300), (255, 255, 255))
    pen = ImageDraw.Draw(card)
    pen.rectangle((8, 8, 471, 291), outline=(40, 90, 120), width=3)
    pen.rectangle((24, 24, 455, 70), fill=(220, 235, 245))
    for y in (130, 180, 230):
        pen.line((40, y, 440, y), fill=(150, 150, 150), width=2)
    pen.rectangle((330, 250, 450, 280), outline=(120, 120, 120), width=2)
    output = io.BytesIO()
    card.save(output, format="PNG", optimize=True)
    return SimpleUploadedFile(name, output.getvalue(), content_type="image/png")


def _worksheet(product, author, name: str, alt: str) -> None:
    """Attach the card and show it at the end of the text (a new revision)."""
    image = services.attach(product, actor=author, files=[exit_ticket(name)])[0]
    product.refresh_from_db()
    body = f"{product.body}\n\n![{alt}](attachment:{image.pk})"
    services.revise(product, actor=author, body=body, note="بطاقة الخروج للطباعة")


def _topics(keys):
    return list(Topic.objects.filter(key__in=keys)) if keys else None


def _publish(product, spec, people):
    services.submit(product, actor=people[spec["author"]])
    services.assign(product, actor=people[spec["publisher"]], reviewer=people[spec["reviewer"]])
    services.review(product, actor=people[spec["reviewer"]], scores=APPROVE, decision="approve", comment="")
    services.publish(product, actor=people[spec["publisher"]])
    for who, score, comment in spec["ratings"]:
        services.rate(product, actor=people[who], score=score, comment=comment)


def load(people: dict) -> int:
    new = 0
    for spec in PRODUCTS:
        author = people[spec["author"]]
        if spec["case"]:
            case = Case.objects.filter(title=spec["case"]).select_related("school", "community").first()
            if case is None or case.products.exists():
                continue
            product = services.from_case(case, actor=author)
            services.revise(product, actor=author, note="Type, summary and what did not work", **spec["fields"])
        else:
            if Product.objects.filter(title=spec["fields"]["title"]).exists():
                continue
            product = services.start(
                actor=author,
                topics=_topics(spec.get("topics")),
                school=School.objects.get(pk=_school(spec["school"])),
                community=Community.objects.filter(name=spec["community"]).first(),
                **spec["fields"],
            )
            if spec.get("worksheet"):
                _worksheet(product, author, *spec["worksheet"])
        _publish(product, spec, people)
        new += 1
    spec = IN_REVIEW
    if not Product.objects.filter(title=spec["fields"]["title"]).exists():
        author = people[spec["author"]]
        product = services.start(
            actor=author,
            school=School.objects.get(pk=_school(spec["school"])),
            community=Community.objects.filter(name=spec["community"]).first(),
            **spec["fields"],
        )
        for title, days, _done in spec["steps"]:
            services.add_step(product, actor=author, title=title, due=timezone.localdate() + dt.timedelta(days=days),
                              owner=author)  # fmt: skip
        for step, (_title, _days, done) in zip(product.steps.order_by("position"), spec["steps"], strict=True):
            if done:
                services.complete_step(step, actor=author)
        services.submit(product, actor=author)
        reviewer = people[spec["reviewer"]]
        services.assign(product, actor=people[spec["assigner"]], reviewer=reviewer)
        made = [
            services.add_comment(product, actor=reviewer, body=body, quote=quote) for quote, body in spec["comments"]
        ]
        services.review(
            product, actor=reviewer, scores=APPROVE | {"accuracy": 3}, decision="changes", comment=spec["changes"],
        )  # fmt: skip
        services.reply(made[1], actor=author, body=spec["answer"])
        services.resolve(made[1], actor=author)
        product.refresh_from_db()
        services.revise(
            product,
            actor=author,
            body=product.body.replace(*spec["moved"]) + "\n\n" + spec["revision"],
            note="بخش ارزشیابی اضافه شد.",
        )
        services.submit(product, actor=author)
        new += 1
    new += demo_closed.load(people, _school)  # every type, closed cases, a retracted product
    _hafez_rubric(people)
    return new


def _hafez_rubric(people) -> None:
    """The Hafez school's own rubric (its principal made it): the next review there scores five criteria."""
    principal = people["principal.hafez@halqa.test"]
    rubric = services.own_rubric(principal, school=School.objects.get(pk=_school("hafez")))
    if not rubric.criteria.filter(label=HAFEZ_CRITERION["label"]).exists():
        services.add_criterion(rubric, actor=principal, **HAFEZ_CRITERION)


def _school(key: str) -> int:
    from halqa.core.management.commands.load_demo import SCHOOLS

    return School.objects.get(name=SCHOOLS[key]["name"]).pk
