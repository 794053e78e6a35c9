"""The shared vocabulary of topics, from seed 004's analysis of requests, and how a topic is named.

Built-in topics carry a `key` and get their label from here, translated; a school's own topics are
named as written. The rows are created by a data migration.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .models import RequesterGroup

EARLY = RequesterGroup.EARLY_CAREER_TEACHER
EXPERIENCED = RequesterGroup.EXPERIENCED_TEACHER
FAMILY = (RequesterGroup.PARENT, RequesterGroup.STUDENT)

# key → (label, the requester groups seed 004 found it among)
TOPICS = {
    "engaging_students": (_("Engaging students"), [EARLY]),
    "choosing_tasks": (_("Choosing the right tasks"), [EARLY]),
    "subject_methodology": (_("Subject methodology"), [EARLY]),
    "organising_lesson": (_("Organising the lesson"), [EARLY]),
    "working_with_parents": (_("Working with parents"), [EARLY, EXPERIENCED]),
    "children_with_disabilities": (_("Children with disabilities"), [EXPERIENCED]),
    "psychological_particularities": (_("Children with psychological particularities"), [EXPERIENCED]),
    "electronic_diary": (_("Using the school's electronic diary"), [*FAMILY]),
    "dialogue_with_teachers": (_("Dialogue with teachers in the child's interest"), [*FAMILY]),
    "point_of_a_subject": (_("Not understanding the point of a subject"), [*FAMILY]),
    "out_of_school": (_("Out-of-school activities"), [*FAMILY]),
}


def topic_label(topic) -> str:
    if topic.key and topic.key in TOPICS:
        return str(TOPICS[topic.key][0])
    return topic.name
