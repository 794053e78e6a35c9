"""Case events reach the right people through the one notification system, never the wrong ones,
and never name an anonymous requester."""

from __future__ import annotations

import pytest

from halqa.cases import services
from halqa.cases.models import CaseMember, Stage
from halqa.notifications.models import Kind, Notification
from halqa.notifications.queries import items, notifications_of

pytestmark = pytest.mark.django_db

STORY = {
    "title": "Half the class skips the exit ticket",
    "what_happened": "Every lesson half the class stops writing.",
    "help_wanted": "How do colleagues do it?",
    "language": "en",
}


@pytest.fixture
def settle(run_tasks, django_capture_on_commit_callbacks):
    """Run what the change scheduled after commit, then the task queue, as the worker would."""

    def run(change):
        with django_capture_on_commit_callbacks(execute=True):
            result = change()
        for _round in range(3):
            with django_capture_on_commit_callbacks(execute=True):
                run_tasks()
        return result

    return run


def told(person, kind=None):
    rows = Notification.objects.filter(recipient=person)
    return rows.filter(kind=kind) if kind else rows


def test_a_move_reaches_the_requester_and_the_group_only(world, settle):
    case = settle(lambda: services.submit_case(actor=world.teacher, school=world.school, **STORY))
    CaseMember.objects.create(case=case, user=world.colleague)
    settle(lambda: services.move(case, actor=world.principal, to=Stage.CLARIFYING))
    assert told(world.teacher, Kind.CASE_MOVED).count() == 1
    assert told(world.colleague, Kind.CASE_MOVED).count() == 1
    for outsider in (world.principal, world.other_teacher, world.parent, world.expert):
        assert not told(outsider, Kind.CASE_MOVED).exists()


def test_a_question_reaches_the_requester_by_email_and_the_answer_reaches_the_asker(world, settle, smtp_server):
    case = settle(lambda: services.submit_case(actor=world.parent, school=world.school, anonymous=True, **STORY))
    settle(lambda: services.ask(case, actor=world.principal, body="Since when?"))
    assert told(world.parent, Kind.CASE_QUESTION).count() == 1
    settle(lambda: services.answer(case, actor=world.parent, body="Since September."))
    assert told(world.principal, Kind.CASE_ANSWER).count() == 1
    shown = items(list(notifications_of(world.principal)), world.principal)
    text = " ".join(str(item.sentence) for item in shown)
    assert "answered the questions" in text and world.parent.display_name not in text
    assert world.parent.email in {address for message in smtp_server.messages for address in message["to"]}


def test_being_added_to_a_group_is_told_to_that_person(world, settle):
    case = settle(lambda: services.submit_case(actor=world.teacher, school=world.school, **STORY))
    settle(lambda: services.add_to_group(case, actor=world.principal, person=world.colleague, role="expert"))
    assert told(world.colleague, Kind.CASE_GROUP).count() == 1
    assert not told(world.teacher, Kind.CASE_GROUP).exists()


def test_an_anonymous_requester_is_not_told_of_their_own_move(world, settle):
    case = settle(lambda: services.submit_case(actor=world.parent, school=world.school, anonymous=True, **STORY))
    CaseMember.objects.create(case=case, user=world.colleague)
    settle(lambda: services.move(case, actor=world.parent, to=Stage.WITHDRAWN))
    assert not told(world.parent, Kind.CASE_MOVED).exists()  # their own doing, though the event names nobody
    assert told(world.colleague, Kind.CASE_MOVED).count() == 1
    open_case = settle(lambda: services.submit_case(actor=world.parent, school=world.school, anonymous=True, **STORY))
    settle(lambda: services.move(open_case, actor=world.principal, to=Stage.CLARIFYING))
    assert told(world.parent, Kind.CASE_MOVED).count() == 1  # a coordinator's move still reaches them
