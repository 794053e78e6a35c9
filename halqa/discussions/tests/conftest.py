"""A school stands in for a host: its members read, its staff write, its leaders moderate.

The discussion component does not know communities, cases or library items; any model with a
registered policy can host a thread, so the tests register one for School and take it away after.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from halqa.accounts.models import User
from halqa.discussions import registry, services
from halqa.orgs.models import LEADING_POSITIONS, Membership, School

from .files import PNG_BYTES

PNG = PNG_BYTES  # a real image: images are decoded and encoded again (uploads.py)
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


class SchoolDiscussionPolicy:
    """Members of a school read its discussion; all but parents and students write; leaders moderate."""

    def can_read(self, user, school) -> bool:
        return Membership.objects.filter(user=user, school=school).exists()

    def can_post(self, user, school) -> bool:
        return Membership.objects.filter(user=user, school=school).exclude(position__in=["parent", "student"]).exists()

    def can_moderate(self, user, school) -> bool:
        return Membership.objects.filter(user=user, school=school, position__in=LEADING_POSITIONS).exists()

    def mentionable(self, user, school):
        return User.objects.filter(memberships__school=school).distinct()

    def url(self, school) -> str:
        return school.get_absolute_url()

    def title(self, school) -> str:
        return school.name


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Attachments land in a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def host(world):
    """world.school, able to host a discussion for the length of the test."""
    with registry.registered(School, SchoolDiscussionPolicy()):
        yield world.school


@pytest.fixture
def thread(host):
    return services.thread_for(host)


@pytest.fixture
def other_thread(world, host):
    """The discussion of another school, which world.teacher cannot read."""
    return services.thread_for(world.other_school)


def upload(name: str, content: bytes = PNG, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def write(user, thread, body: str = "Hello, colleagues.", **kwargs):
    return services.add_post(user, thread, body, **kwargs)
