"""The audit page and its CSV export: site staff read the whole trail, a district admin their
authority's part of it, everyone else does not know it exists."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from halqa.accounts.tests.factories import UserFactory
from halqa.communities import services
from halqa.communities.models import Role
from halqa.communities.tests.factories import CommunityFactory
from halqa.core.testing.queries import count_queries
from halqa.events import record
from halqa.events.models import Event, Verb
from halqa.orgs.tests.seeding import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return UserFactory(display_name="Site Sara", is_staff=True)


@pytest.fixture
def trail(world):
    """Events in the world's authority (a school community, a network community, a school) and in
    the foreign one, plus a sign-in with no school."""
    home = CommunityFactory(school=world.school, facilitator=world.teacher, name="Readers")
    network_wide = CommunityFactory(school=None, network=world.network, facilitator=world.supervisor, name="Net PLC")
    foreign = CommunityFactory(school=world.foreign_school, facilitator=world.foreign_teacher, name="Far PLC")
    services.update_charter(home, actor=world.teacher, mission="Read together")
    services.update_charter(network_wide, actor=world.supervisor, mission="Share across schools")
    services.update_charter(foreign, actor=world.foreign_teacher, mission="Elsewhere")
    record(Verb.SIGNED_IN, actor=world.teacher, target=world.teacher)
    return home, network_wide, foreign


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_staff_read_the_whole_trail_newest_first(client, staff, trail):
    client.force_login(staff)
    response = client.get(reverse("events:audit"))
    assert response.status_code == 200
    events = list(response.context["page"].object_list)
    assert len(events) == 5  # the four of the trail, and the staff member's own sign-in
    assert events == sorted(events, key=lambda e: (e.at, e.pk), reverse=True)
    assert "Elsewhere" in response.content.decode()


def test_a_district_admin_reads_only_their_authoritys_events(client, world, trail):
    home, network_wide, foreign = trail
    client.force_login(world.district_admin)
    response = client.get(reverse("events:audit"))
    assert response.status_code == 200
    seen = {e.community_id for e in response.context["page"].object_list}
    assert seen == {home.pk, network_wide.pk}
    # asking for the foreign community by id is refused as input, and shows nothing of it
    response = client.get(reverse("events:audit"), {"community": foreign.pk})
    assert response.status_code == 400
    assert not response.context["page"].object_list
    rows = csv_rows(client.get(reverse("events:audit_csv")))
    assert len(rows) == 3 and "Elsewhere" not in str(rows)


@pytest.mark.parametrize("who", ["teacher", "principal", "parent", "student", "supervisor"])
def test_others_do_not_know_the_audit_exists(client, world, trail, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("events:audit")).status_code == 404
    assert client.get(reverse("events:audit_csv")).status_code == 404


def test_visitors_are_sent_to_sign_in(client):
    for name in ("events:audit", "events:audit_csv"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_filters_narrow_the_trail(client, staff, world, trail):
    home, _network_wide, _foreign = trail
    services.change_role(home.memberships.get(user=world.teacher), actor=world.teacher, role=Role.FACILITATOR)
    client.force_login(staff)
    page = lambda **q: list(client.get(reverse("events:audit"), q).context["page"].object_list)  # noqa: E731
    assert {e.verb for e in page(verb=Verb.SIGNED_IN)} == {Verb.SIGNED_IN}
    assert {e.community_id for e in page(community=home.pk)} == {home.pk}
    assert len(page(school=world.foreign_school.pk)) == 1
    assert {e.actor_label for e in page(actor="supervisor saeed")} == {"Supervisor Saeed"}
    assert len(page(actor=world.teacher.email)) == 3
    today = timezone.localdate()
    assert len(page(since=today.isoformat(), until=today.isoformat())) == 6  # with the staff's sign-in
    assert page(until=(today - dt.timedelta(days=1)).isoformat()) == []


def test_bad_filters_are_explained_and_select_nothing(client, staff, trail):
    client.force_login(staff)
    response = client.get(reverse("events:audit"), {"since": "2026-05-02", "until": "2026-05-01", "verb": "x"})
    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {"until", "verb"}
    assert client.get(reverse("events:audit_csv"), {"since": "not a date"}).status_code == 400


def test_the_csv_export_is_the_filtered_trail_and_neutralises_formulas(client, staff, world, trail):
    record(Verb.SIGNED_IN, actor=None, target=None, actor_label="=HYPERLINK(evil)")
    client.force_login(staff)
    response = client.get(reverse("events:audit_csv"), {"verb": Verb.SIGNED_IN})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    assert rows[0][0] == "When (UTC)" and len(rows) == 4  # the header, two sign-ins and the staff's own
    assert {row[2] for row in rows[1:]} == {Verb.SIGNED_IN}
    assert "'=HYPERLINK(evil)" in {row[1] for row in rows[1:]}


def test_the_csv_export_is_capped(client, staff, trail, monkeypatch):
    from halqa.events import views

    monkeypatch.setattr(views, "CSV_MAX_ROWS", 2)
    client.force_login(staff)
    assert len(csv_rows(client.get(reverse("events:audit_csv")))) == 3  # header and two rows


def test_the_audit_page_query_count_does_not_grow_with_data(client, staff, world, trail):
    client.force_login(staff)
    url = reverse("events:audit")

    def ok(response):
        assert response.status_code == 200

    before, _ = count_queries(lambda: client.get(url))
    home = trail[0]
    Event.objects.bulk_create(
        Event(
            verb=Verb.CHARTER_EDITED,
            actor=world.teacher,
            actor_label="Teacher Tala",
            community=home,
            school_id=home.school_id,
        )
        for _ in range(200)
    )
    after, response = count_queries(lambda: client.get(url))
    assert after <= before and len(response.context["page"].object_list) == 50
    client.force_login(world.district_admin)
    assert_queries_do_not_grow(world, lambda: client.get(url), check=ok)


def test_the_staff_header_links_to_the_audit(client, staff, world):
    client.force_login(staff)
    assert reverse("events:audit") in client.get(reverse("home")).content.decode()
    client.force_login(world.principal)
    assert reverse("events:audit") not in client.get(reverse("home")).content.decode()


def test_the_admin_shows_the_trail_read_only(client, trail):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    event = Event.objects.first()
    assert client.get(reverse("admin:events_event_changelist")).status_code == 200
    assert client.get(reverse("admin:events_event_change", args=[event.pk])).status_code == 200  # a view
    assert client.get(reverse("admin:events_event_add")).status_code == 403
    assert client.post(reverse("admin:events_event_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    assert Event.objects.filter(pk=event.pk).exists()
