"""Fixed vocabularies of the accounts area: roles, subjects, grades, calendars.

They are rows in small code-keyed tables (so people can be filtered by them), but their labels
live here, in code, so every language translates them through the message catalogs.
"""

import zoneinfo
from functools import cache

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    TEACHER = "teacher", _("Teacher")
    EXPERT = "expert", _("Expert")
    COORDINATOR = "coordinator", _("Coordinator")
    PRINCIPAL = "principal", _("Principal")
    SUPERVISOR = "supervisor", _("Supervisor")
    DISTRICT_ADMIN = "district_admin", _("District admin")
    PARENT = "parent", _("Parent")
    STUDENT = "student", _("Student")


# Roles whose holders are shown in the people directory to every signed-in person. Parents and
# students are minors or private persons: only their own school's leaders see them.
PROFESSIONAL_ROLES = frozenset(
    {Role.TEACHER, Role.EXPERT, Role.COORDINATOR, Role.PRINCIPAL, Role.SUPERVISOR, Role.DISTRICT_ADMIN}
)
PRIVATE_ROLES = frozenset({Role.PARENT, Role.STUDENT})


class Subject(models.TextChoices):
    MATH = "math", _("Mathematics")
    PHYSICS = "physics", _("Physics")
    CHEMISTRY = "chemistry", _("Chemistry")
    BIOLOGY = "biology", _("Biology")
    SCIENCE = "science", _("Science")
    ARABIC = "arabic", _("Arabic language")
    PERSIAN = "persian", _("Persian language")
    RUSSIAN = "russian", _("Russian language")
    ENGLISH = "english", _("English language")
    LITERATURE = "literature", _("Literature")
    HISTORY = "history", _("History")
    GEOGRAPHY = "geography", _("Geography")
    SOCIAL_STUDIES = "social_studies", _("Social studies")
    RELIGIOUS_STUDIES = "religious_studies", _("Religious studies")
    COMPUTER_SCIENCE = "computer_science", _("Computer science")
    ART = "art", _("Art")
    MUSIC = "music", _("Music")
    PHYSICAL_EDUCATION = "physical_education", _("Physical education")
    PRIMARY = "primary", _("Primary education")
    SPECIAL_EDUCATION = "special_education", _("Special education")


class Grade(models.TextChoices):
    KG = "kg", _("Kindergarten")
    G1 = "1", _("Grade 1")
    G2 = "2", _("Grade 2")
    G3 = "3", _("Grade 3")
    G4 = "4", _("Grade 4")
    G5 = "5", _("Grade 5")
    G6 = "6", _("Grade 6")
    G7 = "7", _("Grade 7")
    G8 = "8", _("Grade 8")
    G9 = "9", _("Grade 9")
    G10 = "10", _("Grade 10")
    G11 = "11", _("Grade 11")
    G12 = "12", _("Grade 12")


class Calendar(models.TextChoices):
    GREGORIAN = "gregorian", _("Gregorian")
    HIJRI = "hijri", _("Hijri (Umm al-Qura)")
    JALALI = "jalali", _("Jalali (Solar Hijri)")


# Teachers with this many years of experience or fewer are "young teachers" (seed 004).
YOUNG_TEACHER_MAX_YEARS = 3


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    return [
        (name, name.replace("_", " "))
        for name in sorted(zoneinfo.available_timezones())
        if "/" in name or name == "UTC"
    ]
