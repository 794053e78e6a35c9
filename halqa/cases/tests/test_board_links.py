"""Where the boards are found: a community's page links to its board for whoever may open that
board, and a case's page names the boards the viewer may open that show the case."""

from __future__ import annotations

import pytest
from django.urls import reverse

from halqa.cases import services
from halqa.cases.models import Stage
from halqa.cases.tests.test_board import board_world  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def test_the_community_page_links_to_its_board_for_those_who_may_open_it(board_world, login):  # noqa: F811
    w = board_world
    board = f'href="{reverse("cases:community_board", args=[w.community.pk])}"'
    for person in (w.colleague, w.expert, w.principal, w.district_admin):
        page = login(person).get(w.community.get_absolute_url())
        assert page.status_code == 200 and board in page.content.decode(), person
        assert login(person).get(reverse("cases:community_board", args=[w.community.pk])).status_code == 200
    # A guest (the student), and a teacher of another school, see the community but not its board.
    for person in (w.student, w.other_teacher):
        page = login(person).get(w.community.get_absolute_url())
        if page.status_code == 200:
            assert board not in page.content.decode(), person
        assert login(person).get(reverse("cases:community_board", args=[w.community.pk])).status_code == 404


def test_the_case_page_names_the_boards_that_show_it(board_world, login):  # noqa: F811
    w = board_world
    school = f'href="{reverse("cases:board")}?school={w.school.pk}#card-{w.open_case.pk}"'
    community = f'href="{reverse("cases:community_board", args=[w.community.pk])}#card-{w.open_case.pk}"'
    groups = f'href="{reverse("cases:group_board")}#card-{w.group_case.pk}"'

    page = login(w.principal).get(w.open_case.get_absolute_url()).content.decode()
    assert "On the boards" in page and school in page and community in page
    assert "Board of Al-Farabi School" in page
    page = login(w.expert).get(w.open_case.get_absolute_url()).content.decode()  # a member of the community
    assert community in page and school not in page
    page = login(w.parent).get(w.group_case.get_absolute_url()).content.decode()  # in its working group
    assert groups in page and "Board of my working groups" in page
    page = login(w.teacher).get(w.open_case.get_absolute_url()).content.decode()  # the requester: no board
    assert "On the boards" not in page
    # A closed case is on no board (the boards count the final stages).
    services.move(w.open_case, actor=w.principal, to=Stage.DECLINED, note="Not for us.")
    page = login(w.principal).get(w.open_case.get_absolute_url()).content.decode()
    assert "On the boards" not in page
