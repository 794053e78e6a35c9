from pathlib import Path

from django.conf import settings

from halqa.communities.management.commands.community_permissions import markdown


def test_permissions_doc_shows_the_table_from_the_code():
    doc = (Path(settings.BASE_DIR) / "docs" / "permissions.md").read_text()
    assert markdown() in doc, "docs/permissions.md is out of date: paste `manage.py community_permissions`"
