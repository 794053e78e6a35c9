"""Fill the role, subject and grade tables from the vocabularies in choices.py (reversible)."""

from django.db import migrations

from halqa.accounts.choices import Grade, Role, Subject

TABLES = {"RoleRow": Role, "SubjectRow": Subject, "GradeRow": Grade}


def fill(apps, schema_editor):
    for model_name, choices in TABLES.items():
        model = apps.get_model("accounts", model_name)
        for code in choices.values:
            model.objects.get_or_create(code=code)


def empty(apps, schema_editor):
    for model_name, choices in TABLES.items():
        apps.get_model("accounts", model_name).objects.filter(code__in=choices.values).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(fill, empty)]
