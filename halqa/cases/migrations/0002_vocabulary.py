"""The four difficulty types and seed 004's topics, as rows."""

from django.db import migrations

TYPES = ["theoretical", "methodological", "organizational", "motivational"]
TOPICS = {
    "engaging_students": ("Engaging students", ["early_career_teacher"]),
    "choosing_tasks": ("Choosing the right tasks", ["early_career_teacher"]),
    "subject_methodology": ("Subject methodology", ["early_career_teacher"]),
    "organising_lesson": ("Organising the lesson", ["early_career_teacher"]),
    "working_with_parents": ("Working with parents", ["early_career_teacher", "experienced_teacher"]),
    "children_with_disabilities": ("Children with disabilities", ["experienced_teacher"]),
    "psychological_particularities": ("Children with psychological particularities", ["experienced_teacher"]),
    "electronic_diary": ("Using the school's electronic diary", ["parent", "student"]),
    "dialogue_with_teachers": ("Dialogue with teachers in the child's interest", ["parent", "student"]),
    "point_of_a_subject": ("Not understanding the point of a subject", ["parent", "student"]),
    "out_of_school": ("Out-of-school activities", ["parent", "student"]),
}


def forwards(apps, schema_editor):
    DifficultyTypeRow = apps.get_model("cases", "DifficultyTypeRow")
    Topic = apps.get_model("cases", "Topic")
    for code in TYPES:
        DifficultyTypeRow.objects.get_or_create(code=code)
    for key, (name, groups) in TOPICS.items():
        Topic.objects.get_or_create(key=key, defaults={"name": name, "groups": groups})


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_cases")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
