"""Seed a district-scale database for the benchmark in minutes, then get it ready to be loaded.

    DATABASE_URL=... python -m bench.seed --scale 100 [--reseed] [--out file.json]

100× is a district: 100 schools of 100 people (a principal, two deputies, a coordinator, a
counselor, 60 % teachers, parents and students), networks of ten schools with a supervisor each,
1,000 communities with members, charters, goals, programs, decisions and their event trail, and
1,000,000 discussion posts. 1× is one school of it, with the same density: 100 people,
10 communities, 10,000 posts. Rows go in with bulk_create in large batches inside transactions (the
posts with one COPY on PostgreSQL, executemany on SQLite), every person shares one precomputed
password hash, and no service or signal runs per row.

Then, on every run: migrations, a fresh signed-in session and API token for the benchmark user (a
teacher who is a member of four communities of the first school), and the number of queries each
key page costs, counted with Django's test client. A JSON summary goes to --out (or stdout).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.common import BENCH_EMAIL, PAGES, VAR, Page, is_bench_database, vendor

SCHOOLS_PER_NETWORK = 10
MEMBERS_PER_COMMUNITY = 12
POSTS_PER_CONVERSATION = 5
# The benchmark user's communities: the first four of the first school, as a plain member.
BENCH_COMMUNITIES = 4


@dataclass(frozen=True)
class Scale:
    schools: int
    people_per_school: int = 100
    communities_per_school: int = 10
    posts_per_community: int = 1000
    cases_per_school: int = 1000  # 100,000 cases in the district at 100×

    @classmethod
    def factor(cls, n: int, *, cases_per_school: int | None = None) -> Scale:
        return cls(schools=n) if cases_per_school is None else cls(schools=n, cases_per_school=cases_per_school)

    @property
    def cases(self) -> int:
        return self.schools * self.cases_per_school

    @property
    def networks(self) -> int:
        return -(-self.schools // SCHOOLS_PER_NETWORK)

    @property
    def people(self) -> int:
        """Everyone in the schools, plus the district admin and one supervisor per network."""
        return self.schools * self.people_per_school + 1 + self.networks

    @property
    def communities(self) -> int:
        return self.schools * self.communities_per_school

    @property
    def posts(self) -> int:
        return self.communities * self.posts_per_community


FIRST_NAMES = [
    "Layla", "Omar", "Huda", "Nora", "Reza", "Zahra", "Amir", "Fatemeh", "Anna", "Pavel",
    "Maria", "Dmitry", "Grace", "David", "Sara", "Khalid", "Maryam", "Ivan", "Olga", "Yusuf",
]  # fmt: skip
LAST_NAMES = [
    "Hassan", "Al-Zahrani", "Al-Omari", "Al-Qahtani", "Ahmadi", "Karimi", "Hosseini", "Rezaei",
    "Ivanova", "Petrov", "Smirnova", "Kuznetsov", "Okafor", "Mitchell", "Brown", "Al-Otaibi",
    "Moradi", "Sokolova", "Novak", "Haddad",
]  # fmt: skip
LANGUAGES = [("en", "Europe/London", "gregorian"), ("ar", "Asia/Riyadh", "hijri"),
             ("fa", "Asia/Tehran", "jalali"), ("ru", "Europe/Moscow", "gregorian")]  # fmt: skip
CITIES = ["Riyadh", "Ahvaz", "Kazan", "Isfahan", "Jeddah", "Samara"]
STAGES = ["primary", "middle", "secondary", "all"]
FORMATS = ["subject_plc", "grade_team", "discussion_circle", "action_research", "peer_coaching", "workshop_series"]
# Most communities are seen by their school, some by everyone, some by their members only.
VISIBILITIES = ["school", "school", "public", "school", "members", "school", "public", "school", "school", "members"]
POST_BODIES = [
    "The diagnostic results are in: only **42%** of grade 10 mastered linear equations. What do we try first?",
    "I suggest exit tickets after every lesson; I can share the template I use.\n\n- one question\n- two minutes",
    "Exit tickets work well when the team agrees on *one* question per lesson. Happy to join your next meeting.",
    "نتائج الاختبار التشخيصي جاهزة: **42٪** فقط أتقنوا حل المعادلات الخطية. ما الذي نجربه أولاً؟",
    "أقترح بطاقات الخروج بعد كل حصة، وأستطيع مشاركة النموذج الذي أستخدمه.",
    "پیش‌آزمون نشان داد بیشتر دانش‌آموزان مخرج‌ها را با هم جمع می‌کنند. از نوار کسری شروع کنیم؟",
    "موافقم. من شواهد کار دانش‌آموزان را جمع می‌کنم و جلسه بعد می‌آورم.",
    "Коллеги, как вы удерживаете внимание шестиклассников на последнем уроке в пятницу?",
    "Смена деятельности каждые 10–12 минут и короткая игра в конце. Приходите ко мне на урок в среду.",
    "> Data stays anonymous\n\nAgreed. I will upload our pre-test results by Friday: see `results-8B.xlsx`.",
    "We observed the fractions lesson today. Three things stood out:\n\n1. pairs\n2. number lines\n3. wait time",
    "Thanks, everyone. Next meeting we plan the common assessment blueprint together.",
]


def _staff(n: int) -> list[tuple[str, str]]:
    """(position, role) of each person of a school of `n` people."""
    head = [("principal", "principal"), ("deputy", "principal"), ("deputy", "principal"),
            ("coordinator", "coordinator"), ("counselor", "expert")]  # fmt: skip
    if n < 15:
        raise ValueError("a school of the benchmark has at least 15 people")
    teachers = round(n * 0.6)
    parents = min(round(n * 0.2), n - len(head) - teachers)
    students = n - len(head) - teachers - parents
    staff = [("supervising_teacher" if i % 5 == 4 else "teacher", "teacher") for i in range(teachers)]
    return head + staff + [("parent", "parent")] * parents + [("student", "student")] * students


def seed(scale: Scale, *, log=print) -> dict[str, Any]:
    """Fill an empty, migrated database; return the ids the benchmark needs and the row counts."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone

    from halqa.accounts.models import ExpertiseTag, User
    from halqa.communities import models as plc
    from halqa.communities.models import new_verification_code
    from halqa.discussions.models import Thread
    from halqa.events.models import Event, Verb
    from halqa.orgs.models import Authority, Membership, Network, School

    started = time.monotonic()
    now = timezone.now()
    today = timezone.localdate()
    batch = 5000

    def step(message: str) -> None:
        log(f"  [{time.monotonic() - started:6.1f}s] {message}", flush=True)

    with transaction.atomic():
        authority = Authority.objects.create(name="Bench District Education Authority", region="Bench District")
        schools = School.objects.bulk_create(
            [
                School(
                    authority=authority,
                    name=f"Bench School {s + 1:03d}",
                    city=CITIES[s % len(CITIES)],
                    stage=STAGES[s % len(STAGES)],
                    description="A school of the benchmark district.",
                )
                for s in range(scale.schools)
            ],
            batch_size=batch,
        )

        # --- People ------------------------------------------------------------------------
        password = make_password("bench-people-cannot-sign-in-2026")
        staff = _staff(scale.people_per_school)
        people: list[User] = []
        person_role: list[str] = []
        person_position: list[tuple[int, str] | None] = []  # (school index, position)

        def person(email: str, role: str, where: tuple[int, str] | None, years: int | None) -> None:
            n = len(people)
            language, zone, calendar = LANGUAGES[n % len(LANGUAGES)]
            people.append(
                User(
                    email=email,
                    display_name=f"{FIRST_NAMES[n % 20]} {LAST_NAMES[(n // 20) % 20]}",
                    password=password,
                    preferred_language=language,
                    time_zone=zone,
                    calendar=calendar,
                    years_experience=years,
                    bio="Teacher of the benchmark district." if role == "teacher" else "",
                    date_joined=now - dt.timedelta(days=400),
                )
            )
            person_role.append(role)
            person_position.append(where)

        person("admin@bench.halqa.test", "district_admin", None, 20)
        for n in range(scale.networks):
            person(f"supervisor{n + 1:02d}@bench.halqa.test", "supervisor", None, 18)
        for s in range(scale.schools):
            for i, (position, role) in enumerate(staff):
                email = f"s{s + 1:03d}.p{i + 1:03d}@bench.halqa.test"
                years = (i * 7) % 30 if role not in ("parent", "student") else None
                person(email, role, (s, position), years)
        # The benchmark user: the first teacher of the first school.
        bench_index = next(i for i, where in enumerate(person_position) if where == (0, "teacher"))
        people[bench_index].email = BENCH_EMAIL
        people[bench_index].display_name = "Bench Teacher"
        people[bench_index].preferred_language = "en"
        people = User.objects.bulk_create(people, batch_size=batch)
        bench_user = people[bench_index]
        admin, supervisors = people[0], people[1 : 1 + scale.networks]
        authority.admins.add(admin)
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=p, email=p.email, verified=True, primary=True) for p in people], batch_size=batch
        )
        step(f"{len(people):,} people")

        tags = ExpertiseTag.objects.bulk_create(
            [ExpertiseTag(name=f"Practice {n:03d}", key=ExpertiseTag.key_for(f"Practice {n:03d}")) for n in range(200)]
        )
        subjects = [
            "math",
            "physics",
            "chemistry",
            "biology",
            "arabic",
            "english",
            "history",
            "primary",
            "art",
            "music",
        ]
        grades = ["kg", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"]
        role_rows, subject_rows, grade_rows, tag_rows = [], [], [], []
        for n, (p, role) in enumerate(zip(people, person_role, strict=True)):
            role_rows.append(User.roles.through(user_id=p.pk, rolerow_id=role))
            if role in ("teacher", "coordinator", "expert", "supervisor"):
                subject_rows += [
                    User.subjects.through(user_id=p.pk, subjectrow_id=code)
                    for code in {subjects[n % 10], subjects[(n + 3) % 10]}
                ]
                grade_rows += [
                    User.grades.through(user_id=p.pk, graderow_id=code) for code in grades[n % 10 : n % 10 + 3]
                ]
                tag_rows += [
                    User.expertise.through(user_id=p.pk, expertisetag_id=tags[k % 200].pk) for k in (n, n * 7 + 1)
                ]
        for model, rows in (
            (User.roles.through, role_rows),
            (User.subjects.through, subject_rows),
            (User.grades.through, grade_rows),
            (User.expertise.through, tag_rows),
        ):
            model.objects.bulk_create(rows, batch_size=batch, ignore_conflicts=True)

        # --- Schools, networks ------------------------------------------------------------
        at_school: list[dict[str, list[User]]] = [{} for _ in schools]
        memberships = []
        for p, where in zip(people, person_position, strict=True):
            if where is None:
                continue
            s, position = where
            at_school[s].setdefault(position, []).append(p)
            memberships.append(Membership(user=p, school=schools[s], position=position, joined_at=p.date_joined))
        # One teacher in ten also teaches at the next school.
        if scale.schools > 1:
            for s in range(scale.schools):
                for p in at_school[s].get("teacher", [])[::10]:
                    memberships.append(Membership(user=p, school=schools[(s + 1) % scale.schools], position="teacher"))
        Membership.objects.bulk_create(memberships, batch_size=batch)
        networks = Network.objects.bulk_create(
            [
                Network(
                    authority=authority,
                    name=f"Bench Network {n + 1:02d}",
                    description="Ten schools planning together.",
                    supervisor=supervisors[n],
                )
                for n in range(scale.networks)
            ]
        )
        Network.schools.through.objects.bulk_create(
            [
                Network.schools.through(network_id=networks[s // SCHOOLS_PER_NETWORK].pk, school_id=school.pk)
                for s, school in enumerate(schools)
            ],
            batch_size=batch,
        )
        step(f"{len(schools)} schools, {len(networks)} networks, {len(memberships):,} school memberships")

        # --- Communities --------------------------------------------------------------------
        communities: list[plc.Community] = []
        facilitators: list[User] = []
        signers: list[User] = []
        planned_members: list[list[tuple[User, str, str]]] = []  # (person, role, status)
        for s, school in enumerate(schools):
            teachers = at_school[s].get("teacher", []) + at_school[s].get("supervising_teacher", [])
            counselor = at_school[s]["counselor"][0]
            parents = at_school[s].get("parent", [])
            principal = at_school[s]["principal"][0]
            for c in range(scale.communities_per_school):
                network_wide = (
                    c == scale.communities_per_school - 1
                    and s % SCHOOLS_PER_NETWORK == 0
                    and scale.communities_per_school > BENCH_COMMUNITIES
                )
                if network_wide:
                    network = networks[s // SCHOOLS_PER_NETWORK]
                    facilitator = supervisors[s // SCHOOLS_PER_NETWORK]
                    net_schools = range(s, min(s + SCHOOLS_PER_NETWORK, scale.schools))
                    pool = [at_school[t]["teacher"][k] for t in net_schools for k in (1, 2)]
                    home = {"network": network}
                    visibility = "public"
                    signer = facilitator
                else:
                    facilitator = teachers[(c * 6 + MEMBERS_PER_COMMUNITY) % len(teachers)]
                    if facilitator.pk == bench_user.pk:
                        facilitator = teachers[-1]
                    pool = [teachers[(c * 6 + k) % len(teachers)] for k in range(MEMBERS_PER_COMMUNITY)]
                    home = {"school": school}
                    visibility = VISIBILITIES[c % len(VISIBILITIES)]
                    signer = principal
                members: dict[int, tuple[User, str, str]] = {facilitator.pk: (facilitator, "facilitator", "active")}
                if s == 0 and c < BENCH_COMMUNITIES:
                    members[bench_user.pk] = (bench_user, "member", "active")
                for k, p in enumerate(pool):
                    if p.pk in members:
                        continue
                    status = "invited" if k == 10 else "requested" if k == 11 else "active"
                    members[p.pk] = (p, "observer" if k % 6 == 5 else "member", status)
                if not network_wide:
                    members.setdefault(counselor.pk, (counselor, "expert", "active"))
                    if c % 3 == 0 and parents:
                        parent = parents[c % len(parents)]
                        members.setdefault(parent.pk, (parent, "guest", "active"))
                created = now - dt.timedelta(days=400 - c)
                communities.append(
                    plc.Community(
                        name=f"{FORMATS[c % len(FORMATS)].replace('_', ' ').title()} {s + 1:03d}-{c + 1:02d}",
                        topic="Raising mastery of grade 10 algebra through common formative assessment",
                        format="network" if network_wide else FORMATS[c % len(FORMATS)],
                        visibility=visibility,
                        cadence="biweekly",
                        cadence_note="Tuesdays after the sixth lesson",
                        created_by=facilitator,
                        created_at=created,
                        **home,
                    )
                )
                facilitators.append(facilitator)
                signers.append(signer)
                planned_members.append(list(members.values()))
        communities = plc.Community.objects.bulk_create(communities, batch_size=batch)

        community_memberships = [
            plc.Membership(
                community=community,
                user=p,
                role=role,
                status=status,
                activity="I prepare the data for our common assessment." if role == "facilitator" else "",
                invited_by=facilitators[n] if role != "facilitator" else None,
                created_at=community.created_at,
                joined_at=community.created_at + dt.timedelta(days=1) if status == "active" else None,
            )
            for n, community in enumerate(communities)
            for p, role, status in planned_members[n]
        ]
        plc.Membership.objects.bulk_create(community_memberships, batch_size=batch)

        revisions, goals, activities, decisions = [], [], [], []
        for n, community in enumerate(communities):
            revisions.append(
                plc.CharterRevision(
                    community=community,
                    mission="We learn together to improve our students' learning.",
                    edited_by=facilitators[n],
                    edited_at=community.created_at,
                    note="First version",
                )
            )
            revisions.append(
                plc.CharterRevision(
                    community=community,
                    mission="We learn together to improve our students' learning in mathematics, from shared data.",
                    vision="Every student in grade 10 masters the basics of algebra.",
                    values="Focus on learning, collective responsibility, openness to trying.",
                    norms="We start and end on time\nWe rely on evidence from student work\nWe share failures too",
                    edited_by=facilitators[n],
                    edited_at=community.created_at + dt.timedelta(days=7),
                    note="Norms agreed",
                )
            )
            for g in range(3):
                goals.append(
                    plc.Goal(
                        community=community,
                        title=f"Goal {g + 1}: raise mastery in the common assessment",
                        target="80% of grade 10 students",
                        measure="The common assessment at the end of term",
                        due_date=today + dt.timedelta(days=30 * (g + 1)),
                        progress=(n * 7 + g * 20) % 100,
                        created_at=community.created_at,
                    )
                )
            for a in range(5):
                activities.append(
                    plc.Activity(
                        community=community,
                        title=f"Meeting {a + 1}: analyse the results",
                        format=["meeting", "workshop", "observation", "assessment", "lesson_study"][a],
                        starts_on=today + dt.timedelta(days=14 * (a - 2)),
                        responsible=facilitators[n],
                        status="done" if a < 2 else "planned",
                    )
                )
            if n % 2 == 0:
                snapshot = [
                    {"user": p.pk, "name": p.display_name, "role": role, "role_label": role.title()}
                    for p, role, status in planned_members[n]
                    if status == "active"
                ]
                signed = n % 4 == 0
                decisions.append(
                    plc.Decision(
                        community=community,
                        number=f"{today.year}/{community.pk:04d}",
                        topic=community.topic,
                        goals_text="Raise mastery in the common assessment",
                        period_start=today - dt.timedelta(days=60),
                        period_end=today + dt.timedelta(days=240),
                        members=snapshot,
                        status="signed" if signed else "draft",
                        drafted_by=facilitators[n],
                        signed_by=signers[n] if signed else None,
                        signed_by_name=signers[n].display_name if signed else "",
                        signed_by_title="Principal" if signed else "",
                        signed_at=now - dt.timedelta(days=30) if signed else None,
                        verification_code=new_verification_code() if signed else None,
                    )
                )
        plc.CharterRevision.objects.bulk_create(revisions, batch_size=batch)
        goals = plc.Goal.objects.bulk_create(goals, batch_size=batch)
        plc.GoalUpdate.objects.bulk_create(
            [
                plc.GoalUpdate(
                    goal=goal,
                    progress=max(goal.progress - 10 * k, 0),
                    note="Progress after the meeting",
                    by=facilitators[i // 3],
                    at=now - dt.timedelta(days=10 * k + 1),
                )
                for i, goal in enumerate(goals)
                for k in range(2)
            ],
            batch_size=batch,
        )
        plc.Activity.objects.bulk_create(activities, batch_size=batch)
        plc.Decision.objects.bulk_create(decisions, batch_size=batch)
        step(f"{len(communities):,} communities, {len(community_memberships):,} community memberships")

        # --- The event trail, as the services would have written it ---------------------------
        community_type = ContentType.objects.get_for_model(plc.Community)
        membership_type = ContentType.objects.get_for_model(plc.Membership)
        events = []
        for n, community in enumerate(communities):
            base = {"community_id": community.pk, "school_id": community.school_id}
            events.append(
                Event(
                    at=community.created_at,
                    actor=facilitators[n],
                    actor_label=facilitators[n].display_name,
                    verb=Verb.COMMUNITY_CREATED,
                    target_type=community_type,
                    target_id=community.pk,
                    target_label=community.name,
                    after={"name": community.name, "visibility": community.visibility},
                    **base,
                )
            )
            events.append(
                Event(
                    at=community.created_at + dt.timedelta(days=7),
                    actor=facilitators[n],
                    actor_label=facilitators[n].display_name,
                    verb=Verb.CHARTER_EDITED,
                    target_type=community_type,
                    target_id=community.pk,
                    target_label=community.name,
                    after={"note": "Norms agreed"},
                    **base,
                )
            )
            for p, role, status in planned_members[n]:
                if role == "facilitator" or status != "active":
                    continue
                events.append(
                    Event(
                        at=community.created_at + dt.timedelta(days=1),
                        actor=p,
                        actor_label=p.display_name,
                        verb=Verb.INVITATION_ACCEPTED,
                        target_type=membership_type,
                        target_label=f"{p.display_name} · {community.name}",
                        after={"role": role, "status": "active"},
                        **base,
                    )
                )
        Event.objects.bulk_create(events, batch_size=batch)
        step(f"{len(events):,} events")

        bench_case, coordinator = _seed_cases(scale, schools, at_school, communities, now, step)

        threads = Thread.objects.bulk_create(
            [Thread(host_type=community_type, host_id=c.pk, created_at=c.created_at) for c in communities],
            batch_size=batch,
        )
        authors = [[p for p, role, status in planned_members[n] if status == "active"] for n in range(len(communities))]

    posts = _insert_posts(scale, communities, threads, authors, now, step)
    _analyze()
    step(f"{posts:,} posts; analysed")
    return {
        "user_id": bench_user.pk,
        "coordinator_id": coordinator.pk,
        "case": bench_case,
        "community": communities[0].pk,
        "bench_communities": [c.pk for c in communities[:BENCH_COMMUNITIES]],
        "seconds": round(time.monotonic() - started, 1),
    }


CASE_TITLES = [
    "Half the class stops writing in the last five minutes",
    "Exit tickets stay blank in grade 7",
    "Parents do not read the electronic diary",
    "الواجبات المنزلية لا يقرؤها أحد",
    "العمل الجماعي يتحول إلى ثرثرة",
    "دانش‌آموزان معنای درس را نمی‌فهمند",
    "Родители не приходят на собрания",
    "Дроби в 9 классе не даются половине класса",
]
CASE_STAGES = ["submitted", "clarifying", "matched", "scheduled", "preparing", "in_session", "drafting",
               "in_review", "published", "feedback", "closed", "declined", "withdrawn"]  # fmt: skip


def _seed_cases(scale: Scale, schools, at_school, communities, now: dt.datetime, step):
    """`scale.cases_per_school` cases in each school, in every stage, as the services would have
    left them: half assigned to one of the school's communities, a working group (a lead, sometimes
    a parent) for every third, kinds and topics, a question for every fifth, the submitted and the
    last moved event. The benchmark's case (the coordinator's case page) is the first school's
    first: drafting, in the benchmark user's community, with a group of five (a lead, two teachers,
    the counselor, a parent), a question, an answer and its history. Returns (its id, the first
    school's coordinator)."""
    from django.contrib.contenttypes.models import ContentType

    from halqa.cases.models import Case, CaseMember, Clarification, DifficultyTypeRow, Topic
    from halqa.events.models import Event, Verb

    batch = 5000
    kinds = list(DifficultyTypeRow.objects.values_list("code", flat=True))
    topics = list(Topic.objects.filter(school__isnull=True).values_list("pk", flat=True))
    per_school = scale.communities_per_school
    rows = []
    for s, school in enumerate(schools):
        own = [c for c in communities[s * per_school : (s + 1) * per_school] if c.school_id == school.pk]
        teachers = at_school[s].get("teacher", [])
        parents = at_school[s].get("parent", [])
        for i in range(scale.cases_per_school):
            family = bool(parents) and i % 5 == 4
            requester = parents[i % len(parents)] if family else teachers[i % len(teachers)]
            stage = "drafting" if i == 0 else CASE_STAGES[i % len(CASE_STAGES)]
            changed = now - dt.timedelta(days=i % 60, hours=i % 24)
            rows.append(
                Case(
                    school=school,
                    community=own[0] if i == 0 else (own[i % len(own)] if own and i % 2 else None),
                    title=CASE_TITLES[i % len(CASE_TITLES)],
                    what_happened="Every lesson the last five minutes are lost: half the class does not write.",
                    what_tried="Shorter tickets; a timer on the board.",
                    help_wanted="How do colleagues get every student to write something?",
                    language=LANGUAGES[i % len(LANGUAGES)][0],
                    subject=["math", "physics", "arabic", ""][i % 4],
                    grade=["7", "9", "10", ""][i % 4],
                    urgency=["low", "normal", "normal", "high"][i % 4],
                    requester=requester,
                    anonymous=family and i % 3 == 0,
                    requester_group="parent"
                    if family
                    else ("early_career_teacher" if i % 3 else "experienced_teacher"),
                    audience="parent" if family else "teacher",
                    channel="paper" if i % 11 == 0 else "web",
                    stage=stage,
                    stage_changed_at=changed,
                    created_at=changed - dt.timedelta(days=3 + i % 30),
                    due_dates={"drafting": (now + dt.timedelta(days=14)).date().isoformat()} if i % 4 == 0 else {},
                    close_reason="The requester uses the solution." if stage == "closed" else "",
                    decline_reason="Passed to the school counsellor." if stage == "declined" else "",
                )
            )
    cases = Case.objects.bulk_create(rows, batch_size=batch)
    members, kind_rows, topic_rows, questions, events = [], [], [], [], []
    case_type = ContentType.objects.get_for_model(Case)
    for n, case in enumerate(cases):
        s, i = divmod(n, scale.cases_per_school)
        teachers = at_school[s].get("teacher", [])
        coordinator = at_school[s]["coordinator"][0]
        if i % 3 == 0:
            group = {teachers[(i + 7) % len(teachers)]: "lead"}
            if i == 0:
                group.update({teachers[(i + k) % len(teachers)]: "member" for k in (8, 9)})
                group[at_school[s]["counselor"][0]] = "expert"
            if at_school[s].get("parent") and i % 9 == 0:
                group.setdefault(at_school[s]["parent"][(i // 9) % len(at_school[s]["parent"])], "member")
            members += [
                CaseMember(case=case, user=p, role=role, created_at=case.created_at) for p, role in group.items()
            ]
        kind_rows.append(Case.types.through(case_id=case.pk, difficultytyperow_id=kinds[n % len(kinds)]))
        topic_rows += [Case.topics.through(case_id=case.pk, topic_id=topics[(n + k) % len(topics)]) for k in (0, 5)]
        if i % 5 == 0:
            questions.append(
                Clarification(
                    case=case, author=coordinator, body="Which grade, and since when?", created_at=case.created_at
                )
            )
            if i == 0:
                questions.append(
                    Clarification(case=case, author=case.requester, is_question=False, body="Grade 7, since October.")
                )
        base = {"target_type": case_type, "target_id": case.pk, "target_label": case.title, "school_id": case.school_id,
                "community_id": case.community_id}  # fmt: skip
        who = None if case.anonymous else case.requester
        events.append(Event(at=case.created_at, actor=who, actor_label="" if who else "Anonymous requester",
                            verb=Verb.CASE_SUBMITTED, after={"stage": "submitted"}, **base))  # fmt: skip
        if case.stage != "submitted":
            events.append(Event(at=case.stage_changed_at, actor=coordinator, actor_label=coordinator.display_name,
                                verb=Verb.CASE_MOVED, before={"stage": "submitted"}, after={"stage": case.stage},
                                **base))  # fmt: skip
    CaseMember.objects.bulk_create(members, batch_size=batch)
    Case.types.through.objects.bulk_create(kind_rows, batch_size=batch)
    Case.topics.through.objects.bulk_create(topic_rows, batch_size=batch, ignore_conflicts=True)
    Clarification.objects.bulk_create(questions, batch_size=batch)
    Event.objects.bulk_create(events, batch_size=batch)
    step(f"{len(cases):,} cases, {len(members):,} working-group places, {len(events):,} case events")
    return cases[0].pk, at_school[0]["coordinator"][0]


def _insert_posts(scale: Scale, communities, threads, authors, now: dt.datetime, step) -> int:
    """Conversations of five posts (a question and replies two deep), spread over the last year.

    Ids are given here, so that parents and roots are known without reading anything back; on
    PostgreSQL the rows go in with COPY and the id sequence is moved past them afterwards.
    """
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.db.models import Max

    from halqa.discussions import richtext
    from halqa.discussions.models import Post

    bodies = [(body, richtext.render(body, {}).html) for body in POST_BODIES]
    columns = ["id", "thread_id", "parent_id", "root_id", "depth", "author_id", "body", "body_html",
               "created_at", "edited_at", "is_deleted", "last_activity_at"]  # fmt: skip
    postgres = connection.vendor == "postgresql"
    adapt = (lambda value: value) if postgres else connection.ops.adapt_datetimefield_value
    next_id = (Post.objects.aggregate(top=Max("id"))["top"] or 0) + 1

    def rows_for(n: int, thread, people, first_id: int):
        start = communities[n].created_at + dt.timedelta(days=8)
        count = scale.posts_per_community
        step_seconds = max((now - start).total_seconds() / max(count, 1), 1.0)
        pid = first_id
        for k in range(count):
            at = start + dt.timedelta(seconds=k * step_seconds)
            position = k % POSTS_PER_CONVERSATION
            root = pid - position
            if position == 0:
                parent, depth = None, 0
                last = min(count - 1, k + POSTS_PER_CONVERSATION - 1)
                last_activity = start + dt.timedelta(seconds=last * step_seconds)
            else:
                parent = root if position in (1, 3) else pid - 1
                depth = 1 if position in (1, 3) else 2
                last_activity = at
            deleted = k % 97 == 96
            body, html = ("", "") if deleted else bodies[(n + k) % len(bodies)]
            yield (
                pid,
                thread.pk,
                parent,
                root if position else None,
                depth,
                people[(k * 7 + n) % len(people)].pk,
                body,
                html,
                adapt(at),
                adapt(at + dt.timedelta(minutes=10)) if k % 23 == 22 else None,
                deleted,
                adapt(last_activity),
            )
            pid += 1

    table = connection.ops.quote_name(Post._meta.db_table)
    written = 0
    chunk = max(1, 200_000 // max(scale.posts_per_community, 1))  # communities per transaction
    for first in range(0, len(communities), chunk):
        with transaction.atomic(), connection.cursor() as cursor:
            if postgres:
                with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for n in range(first, min(first + chunk, len(communities))):
                        for row in rows_for(n, threads[n], authors[n], next_id):
                            copy.write_row(row)
                        next_id += scale.posts_per_community
            else:
                sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608 (names from the model)
                for n in range(first, min(first + chunk, len(communities))):
                    cursor.executemany(sql, list(rows_for(n, threads[n], authors[n], next_id)))
                    next_id += scale.posts_per_community
        written = min(first + chunk, len(communities)) * scale.posts_per_community
        step(f"{written:,} posts")
    if postgres:
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), [Post]):
                cursor.execute(statement)
    return written


def _analyze() -> None:
    """Give the query planner statistics, as a database in service would have."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- Getting a seeded database ready for a run ---------------------------------------------


def counts() -> dict[str, int]:
    from halqa.accounts.models import User
    from halqa.cases.models import Case
    from halqa.communities.models import Community, Membership
    from halqa.discussions.models import Post
    from halqa.orgs.models import School

    return {
        "schools": School.objects.count(),
        "people": User.objects.count(),
        "communities": Community.objects.count(),
        "community_memberships": Membership.objects.count(),
        "posts": Post.objects.count(),
        "cases": Case.objects.count(),
    }


def sign_in(user) -> str:
    """A signed-in session for `user`, as allauth would leave it after a password sign-in."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils.module_loading import import_string

    from halqa.accounts.middleware import SessionIdleTimeoutMiddleware

    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[SessionIdleTimeoutMiddleware.STARTED_KEY] = store[SessionIdleTimeoutMiddleware.SESSION_KEY] = int(time.time())
    store.create()
    return store.session_key


def api_key(user) -> str:
    """A fresh API token for `user` (the benchmark's earlier ones are deleted first)."""
    from halqa.accounts.models import ApiToken
    from halqa.accounts.services import create_api_token

    ApiToken.objects.filter(user=user).delete()
    _token, key = create_api_token(user, actor=user, name="benchmark", lifetime="30")
    return key


def page_urls(info: dict[str, Any]) -> dict[str, str]:
    return {page.key: page.path.format(community=info["community"], case=info["case"]) for page in PAGES}


def headers_for(page_auth: str, session_key: str, key: str) -> dict[str, str]:
    from django.conf import settings

    if page_auth == "token":
        return {"Authorization": f"Token {key}"}
    return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}"}


def sessions_of(page: Page, sessions: dict[str, str]) -> str:
    """The session a page is loaded with: the benchmark teacher's, or the coordinator's."""
    return sessions[page.user]


def measure_queries(
    urls: dict[str, str], sessions: dict[str, str] | str, key: str, *, tries: int = 3
) -> dict[str, dict[str, Any]]:
    """Status and queries of each key page for its user, and where one request's time goes.

    `sessions` gives each kind of benchmark user's session ({"teacher": …, "coordinator": …}; a
    single key is the teacher's for every page). Counted on the requests after a first one (so
    per-process caches and the session's once-a-minute write are not); the timing is the fastest
    of `tries`, in this process, unloaded.
    """
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    if isinstance(sessions, str):
        sessions = dict.fromkeys(("teacher", "coordinator"), sessions)
    result = {}
    for page in PAGES:
        if page.auth == "token":
            client = Client(HTTP_AUTHORIZATION=f"Token {key}")
        else:
            client = Client()
            client.cookies[settings.SESSION_COOKIE_NAME] = sessions_of(page, sessions)
        client.get(urls[page.key])
        best = None
        for _ in range(tries):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                response = client.get(urls[page.key])
            elapsed = time.perf_counter() - started
            if best is None or elapsed < best[0]:
                best = (elapsed, response, list(captured.captured_queries))
        elapsed, response, queries = best
        timed = [(float(query["time"]), query["sql"]) for query in queries]
        slowest = max(timed, default=(0.0, ""))
        result[page.key] = {
            "status": response.status_code,
            "queries": len(queries),
            "bytes": len(response.content),
            "ms": round(elapsed * 1000, 1),
            "sql_ms": round(sum(seconds for seconds, _sql in timed) * 1000, 1),
            "slowest_ms": round(slowest[0] * 1000, 1),
            "slowest_table": _table_of(slowest[1]),
        }
    return result


def _table_of(sql: str) -> str:
    """The table a statement reads from or writes to, to name the slowest query briefly."""
    import re

    match = re.search(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', sql)
    return match.group(1) if match else sql[:40]


def _wipe(url: str) -> None:
    """Remove the benchmark database entirely (never anything else: see bench.common.database_url)."""
    if vendor(url) == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    _postgres_admin(url, drop=True)


def _postgres_admin(url: str, *, drop: bool) -> None:
    import dj_database_url
    import psycopg
    from psycopg import sql

    db = dj_database_url.parse(url)
    with psycopg.connect(
        dbname="postgres",
        user=db["USER"],
        password=db["PASSWORD"],
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        autocommit=True,
    ) as conn:
        name = sql.Identifier(db["NAME"])
        if drop:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def _marker(url: str) -> Path:
    import dj_database_url

    return VAR / f"{vendor(url)}-{Path(str(dj_database_url.parse(url)['NAME'])).stem}.json"


def prepare(url: str, scale: Scale, *, reseed: bool = False) -> dict[str, Any]:
    """Seed (unless this database already holds this scale), migrate, sign in, count queries."""
    import django

    VAR.mkdir(parents=True, exist_ok=True)
    marker = _marker(url)
    info = json.loads(marker.read_text()) if marker.exists() else None
    fresh = reseed or info is None or info.get("scale") != asdict(scale)
    if fresh:
        marker.unlink(missing_ok=True)
        _wipe(url)
    elif vendor(url) == "postgresql":
        _postgres_admin(url, drop=False)

    django.setup()
    from django.core.management import call_command

    from halqa.accounts.models import User

    print(f"{vendor(url)} {scale.schools}×: migrating", flush=True)
    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    if not fresh and not User.objects.filter(pk=info["user_id"], email=BENCH_EMAIL).exists():
        raise SystemExit(f"{marker} does not match the database; run again with --reseed.")
    if fresh:
        print(f"{vendor(url)} {scale.schools}×: seeding {scale}", flush=True)
        info = {"scale": asdict(scale), **seed(scale)}
        info["counts"] = counts()
        marker.write_text(json.dumps(info, indent=2))
    user = User.objects.get(pk=info["user_id"])
    session_key, key = sign_in(user), api_key(user)
    sessions = {"teacher": session_key, "coordinator": sign_in(User.objects.get(pk=info["coordinator_id"]))}
    info["counts"] = counts()
    urls = page_urls(info)
    return {
        **info,
        "url": url,
        "session_key": session_key,
        "api_key": key,
        "urls": urls,
        "headers": {page.key: headers_for(page.auth, sessions_of(page, sessions), key) for page in PAGES},
        "session_header": headers_for("session", session_key, key),
        "queries": measure_queries(urls, sessions, key),
        "database_version": database_version(),
    }


def database_version() -> str:
    import sqlite3

    from django.db import connection

    if connection.vendor == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


def main(argv: list[str] | None = None) -> int:
    import os

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=1, help="1: one school; 100: the district")
    parser.add_argument("--reseed", action="store_true", help="drop the benchmark database and seed it again")
    parser.add_argument("--out", type=Path, help="write the JSON summary here instead of stdout")
    parser.add_argument(
        "--cases-per-school",
        type=int,
        default=int(os.environ.get("BENCH_CASES_PER_SCHOOL", "1000")),
        help="cases in each school (1,000: 100,000 cases in the 100× district)",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "halqa.settings")
    url = os.environ.get("DATABASE_URL", "")
    if not is_bench_database(url):
        raise SystemExit("DATABASE_URL must name a benchmark database (see bench/common.py: database_url).")
    summary = prepare(url, Scale.factor(args.scale, cases_per_school=args.cases_per_school), reseed=args.reseed)
    text = json.dumps(summary, indent=2)
    if args.out:
        args.out.write_text(text)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
