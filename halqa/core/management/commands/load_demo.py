"""Demo data: one authority, three schools, one network and about 30 people in every role.

Idempotent: every row is found by a natural key (email, name) and brought to the state below, so
running it twice changes nothing. All demo people share one password, printed with their logins.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from halqa.accounts.models import User
from halqa.accounts.services import update_profile
from halqa.orgs.models import Authority, Membership, Network, School

DEMO_PASSWORD = "halqa-demo-2026"

AUTHORITY = {"name": "Northern District Education Authority", "region": "Northern District"}

SCHOOLS = {
    "farabi": {
        "name": "مدرسة الفارابي الثانوية",
        "city": "الرياض",
        "stage": "secondary",
        "description": "مدرسة ثانوية تهتم بتعليم العلوم والرياضيات وتعمل بمجتمعات التعلم المهني منذ عام 2019.",
        "weekend": "fri_sat",
    },
    "hafez": {
        "name": "دبیرستان حافظ",
        "city": "اهواز",
        "stage": "middle",
        "description": "مدرسه‌ای با سنت قوی در اقدام‌پژوهی و کار گروهی معلمان.",
        "weekend": "fri",
    },
    "school17": {
        "name": "Школа № 17",
        "city": "Казань",
        "stage": "all",
        "description": "Общеобразовательная школа; проект «Учимся, обучая — вместе к успеху!».",
        "weekend": "sat_sun",
    },
}

NETWORK = {
    "name": "STEM Teachers Network",
    "description": "Mathematics and science teachers of the three schools plan lessons and common assessments together.",
}

# email, name, language, time zone, calendar, roles, [(school, position)], subjects, grades, years, expertise, bio
PEOPLE = [
    (
        "admin@halqa.test",
        "Sarah Mitchell",
        "en",
        "Europe/London",
        "gregorian",
        ["district_admin"],
        [],
        [],
        [],
        None,
        ["school improvement", "data protocols"],
        "District admin of the Northern District. Former mathematics teacher.",
    ),
    (
        "supervisor@halqa.test",
        "د. خالد العتيبي",
        "ar",
        "Asia/Riyadh",
        "hijri",
        ["supervisor"],
        [],
        ["math", "physics"],
        [],
        22,
        ["الإشراف التربوي", "التقويم البنائي"],
        "مشرف تربوي يقود شبكة معلمي العلوم والرياضيات.",
    ),
    (
        "coordinator@halqa.test",
        "Елена Смирнова",
        "ru",
        "Europe/Moscow",
        "gregorian",
        ["coordinator"],
        [("school17", "coordinator")],
        ["primary"],
        [],
        15,
        ["методическая работа", "наставничество"],
        "Координатор методической службы: принимаю заявки и подбираю экспертов.",
    ),
    (
        "expert@halqa.test",
        "Dr. James Okafor",
        "en",
        "Europe/London",
        "gregorian",
        ["expert"],
        [],
        ["science", "biology"],
        ["7", "8", "9"],
        18,
        ["inquiry-based learning", "lesson study"],
        "University teacher educator; I help schools run lesson study cycles.",
    ),
    (
        "expert.psych@halqa.test",
        "Ольга Павлова",
        "ru",
        "Europe/Moscow",
        "gregorian",
        ["expert"],
        [],
        ["special_education"],
        [],
        20,
        ["детская психология", "мотивация учащихся"],
        "Педагог-психолог, кандидат психологических наук.",
    ),
    (
        "expert.assessment@halqa.test",
        "دکتر مریم رضایی",
        "fa",
        "Asia/Tehran",
        "jalali",
        ["expert"],
        [],
        ["math"],
        [],
        16,
        ["ارزشیابی", "طراحی آزمون"],
        "پژوهشگر ارزشیابی آموزشی و مدرس دانشگاه فرهنگیان.",
    ),
    # مدرسة الفارابي
    (
        "principal.farabi@halqa.test",
        "أ. محمد الشهري",
        "ar",
        "Asia/Riyadh",
        "hijri",
        ["principal"],
        [("farabi", "principal")],
        [],
        [],
        25,
        ["القيادة المدرسية"],
        "قائد مدرسة الفارابي؛ أؤمن بأن التعلم المهني المشترك يغير الصفوف.",
    ),
    (
        "teacher@halqa.test",
        "ليلى حسن",
        "ar",
        "Asia/Riyadh",
        "hijri",
        ["teacher"],
        [("farabi", "teacher")],
        ["math"],
        ["10", "11"],
        2,
        ["التعلم النشط"],
        "معلمة رياضيات في سنتي الثانية، أبحث عن طرق لإشراك الطلاب في حل المسائل.",
    ),
    (
        "nora@halqa.test",
        "نورة القحطاني",
        "ar",
        "Asia/Riyadh",
        "hijri",
        ["teacher"],
        [("farabi", "supervising_teacher")],
        ["math"],
        ["10", "11", "12"],
        14,
        ["التقويم البنائي", "ملاحظة الأقران"],
        "معلمة رياضيات أولى، أقود مجتمع التعلم المهني للرياضيات.",
    ),
    (
        "omar@halqa.test",
        "عمر الزهراني",
        "ar",
        "Asia/Riyadh",
        "hijri",
        ["teacher"],
        [("farabi", "teacher")],
        ["physics"],
        ["11", "12"],
        9,
        ["التجارب المخبرية"],
        "معلم فيزياء، أحب تصميم التجارب البسيطة.",
    ),
    (
        "huda@halqa.test",
        "هدى العمري",
        "ar",
        "Asia/Riyadh",
        "hijri",
        ["teacher"],
        [("farabi", "teacher")],
        ["arabic"],
        ["10"],
        1,
        [],
        "معلمة لغة عربية جديدة.",
    ),
    (
        "parent.farabi@halqa.test",
        "سعاد الدوسري",
        "ar",
        "Asia/Riyadh",
        "hijri",
        ["parent"],
        [("farabi", "parent")],
        [],
        [],
        None,
        [],
        "ولية أمر طالبة في الصف العاشر.",
    ),
    (
        "student.farabi@halqa.test",
        "ريم الدوسري",
        "ar",
        "Asia/Riyadh",
        "hijri",
        ["student"],
        [("farabi", "student")],
        [],
        [],
        None,
        [],
        "",
    ),
    # دبیرستان حافظ
    (
        "principal.hafez@halqa.test",
        "علی محمدی",
        "fa",
        "Asia/Tehran",
        "jalali",
        ["principal"],
        [("hafez", "principal")],
        [],
        [],
        21,
        ["مدیریت آموزشی"],
        "مدیر دبیرستان حافظ؛ به اجتماع یادگیری حرفه‌ای معلمان باور دارم.",
    ),
    (
        "zahra@halqa.test",
        "زهرا احمدی",
        "fa",
        "Asia/Tehran",
        "jalali",
        ["teacher"],
        [("hafez", "teacher")],
        ["science"],
        ["7", "8"],
        3,
        ["آموزش مبتنی بر پرسش"],
        "معلم علوم تجربی با سه سال سابقه.",
    ),
    (
        "reza@halqa.test",
        "رضا کریمی",
        "fa",
        "Asia/Tehran",
        "jalali",
        ["teacher"],
        [("hafez", "supervising_teacher")],
        ["math"],
        ["7", "8", "9"],
        17,
        ["اقدام‌پژوهی", "درس‌پژوهی"],
        "دبیر ریاضی و راهبر گروه درس‌پژوهی مدرسه.",
    ),
    (
        "fatemeh@halqa.test",
        "فاطمه حسینی",
        "fa",
        "Asia/Tehran",
        "jalali",
        ["teacher"],
        [("hafez", "teacher")],
        ["persian", "literature"],
        ["8", "9"],
        11,
        ["خواندن و نوشتن"],
        "دبیر ادبیات فارسی.",
    ),
    (
        "amir@halqa.test",
        "امیر نوری",
        "fa",
        "Asia/Tehran",
        "jalali",
        ["teacher"],
        [("hafez", "teacher")],
        ["computer_science"],
        ["9"],
        0,
        [],
        "معلم تازه‌کار رایانه.",
    ),
    (
        "counselor.hafez@halqa.test",
        "سارا موسوی",
        "fa",
        "Asia/Tehran",
        "jalali",
        ["expert"],
        [("hafez", "counselor")],
        [],
        [],
        8,
        ["مشاوره تحصیلی"],
        "مشاور مدرسه.",
    ),
    (
        "parent.hafez@halqa.test",
        "مهدی جعفری",
        "fa",
        "Asia/Tehran",
        "jalali",
        ["parent"],
        [("hafez", "parent")],
        [],
        [],
        None,
        [],
        "پدر دانش‌آموز پایه هشتم.",
    ),
    (
        "student.hafez@halqa.test",
        "نگار جعفری",
        "fa",
        "Asia/Tehran",
        "jalali",
        ["student"],
        [("hafez", "student")],
        [],
        [],
        None,
        [],
        "",
    ),
    # Школа № 17
    (
        "principal.school17@halqa.test",
        "Ирина Волкова",
        "ru",
        "Europe/Moscow",
        "gregorian",
        ["principal"],
        [("school17", "principal")],
        [],
        [],
        27,
        ["управление школой"],
        "Директор школы № 17.",
    ),
    (
        "anna@halqa.test",
        "Анна Кузнецова",
        "ru",
        "Europe/Moscow",
        "gregorian",
        ["teacher"],
        [("school17", "teacher")],
        ["russian", "literature"],
        ["5", "6"],
        1,
        [],
        "Молодой учитель русского языка и литературы, первый год в школе.",
    ),
    (
        "dmitry@halqa.test",
        "Дмитрий Соколов",
        "ru",
        "Europe/Moscow",
        "gregorian",
        ["teacher"],
        [("school17", "teacher")],
        ["math"],
        ["7", "8", "9"],
        12,
        ["ОГЭ по математике", "критическое мышление"],
        "Учитель математики, руковожу школьным методобъединением.",
    ),
    (
        "maria@halqa.test",
        "Мария Иванова",
        "ru",
        "Europe/Moscow",
        "gregorian",
        ["teacher"],
        [("school17", "teacher")],
        ["primary"],
        ["1", "2", "3", "4"],
        24,
        ["формирующее оценивание", "наставничество"],
        "Учитель начальных классов, наставник молодых педагогов.",
    ),
    (
        "pavel@halqa.test",
        "Павел Морозов",
        "ru",
        "Europe/Moscow",
        "gregorian",
        ["teacher"],
        [("school17", "teacher")],
        ["history"],
        ["9", "10", "11"],
        3,
        [],
        "Учитель истории.",
    ),
    (
        "parent.school17@halqa.test",
        "Наталья Белова",
        "ru",
        "Europe/Moscow",
        "gregorian",
        ["parent"],
        [("school17", "parent")],
        [],
        [],
        None,
        [],
        "Мама ученика 6 класса.",
    ),
    (
        "student.school17@halqa.test",
        "Артём Белов",
        "ru",
        "Europe/Moscow",
        "gregorian",
        ["student"],
        [("school17", "student")],
        [],
        [],
        None,
        [],
        "",
    ),
    # Teachers who work in two places, and English speakers
    (
        "david@halqa.test",
        "David Chen",
        "en",
        "Asia/Riyadh",
        "gregorian",
        ["teacher"],
        [("farabi", "teacher")],
        ["english"],
        ["10", "11", "12"],
        6,
        ["language acquisition", "project-based learning"],
        "English teacher; I moved to Riyadh from Vancouver.",
    ),
    (
        "grace@halqa.test",
        "Grace Adeyemi",
        "en",
        "Europe/Moscow",
        "gregorian",
        ["teacher", "parent"],
        [("school17", "teacher"), ("school17", "parent")],
        ["english"],
        ["5", "6", "7"],
        2,
        ["classroom management"],
        "Second-year English teacher and a mother of a pupil at the same school.",
    ),
]


class Command(BaseCommand):
    help = "Load Halqa's demo data (safe to run again: it changes nothing the second time)."

    @transaction.atomic
    def handle(self, *args, **options):
        if settings.PRODUCTION:
            # The demo's accounts, a site administrator among them, share a published password.
            raise CommandError("load_demo refuses to run with HALQA_ENV=production: its passwords are public.")
        authority, _ = Authority.objects.update_or_create(name=AUTHORITY["name"], defaults=AUTHORITY)
        schools = {
            key: School.objects.update_or_create(authority=authority, name=data["name"], defaults=data)[0]
            for key, data in SCHOOLS.items()
        }
        people = {}
        created = 0
        for email, name, language, tz, calendar, roles, places, subjects, grades, years, expertise, bio in PEOPLE:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email=email, password=DEMO_PASSWORD, display_name=name)
                created += 1
            update_profile(
                user,
                display_name=name,
                preferred_language=language,
                time_zone=tz,
                calendar=calendar,
                years_experience=years,
                bio=bio,
                roles=roles,
                subjects=subjects,
                grades=grades,
                expertise=expertise,
            )
            EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
            for school_key, position in places:
                Membership.objects.get_or_create(user=user, school=schools[school_key], position=position)
            people[email] = user
        admin = people["admin@halqa.test"]
        if not admin.is_superuser:
            admin.is_staff = admin.is_superuser = True
            admin.save(update_fields=["is_staff", "is_superuser"])
        authority.admins.add(admin)
        network, _ = Network.objects.update_or_create(
            authority=authority,
            name=NETWORK["name"],
            defaults={"description": NETWORK["description"], "supervisor": people["supervisor@halqa.test"]},
        )
        network.schools.add(*schools.values())
        from halqa.communities import demo as communities_demo

        new_communities = communities_demo.load(people, schools, network)
        from halqa.cases import demo as cases_demo

        new_cases = cases_demo.load(people, schools)
        from halqa.meetings import demo as meetings_demo

        new_meetings = meetings_demo.load(people)
        from halqa.library import demo as library_demo

        new_products = library_demo.load(people)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(people)} people ({created} new), {len(schools)} schools, 1 network, "
                f"{len(communities_demo.COMMUNITIES)} communities ({new_communities} new), "
                f"{len(cases_demo.CASES)} cases ({new_cases} new), "
                f"{len(meetings_demo.MEETINGS) + len(meetings_demo.SESSIONS)} meetings ({new_meetings} new), "
                f"{len(library_demo.PRODUCTS) + 1} library products ({new_products} new)."
            )
        )
        self.print_logins()

    def print_logins(self):
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        for email, label in [
            ("teacher@halqa.test", "young teacher, Arabic"),
            ("anna@halqa.test", "young teacher, Russian"),
            ("reza@halqa.test", "experienced teacher, Persian"),
            ("principal.farabi@halqa.test", "principal"),
            ("supervisor@halqa.test", "network supervisor"),
            ("coordinator@halqa.test", "coordinator"),
            ("expert@halqa.test", "expert, English"),
            ("parent.hafez@halqa.test", "parent"),
            ("student.school17@halqa.test", "student"),
            ("admin@halqa.test", "district admin and site admin"),
        ]:
            self.stdout.write(f"  {email:32} {label}")
