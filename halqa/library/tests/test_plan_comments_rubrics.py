"""A product's production plan (steps in order, the case's due date following them), review comments
on a passage (quoted, answered, resolved, "no longer in the text"), and rubrics edited per school,
authority or deployment: services, pages and API, on both sides of every permission, with bad input
refused and nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from halqa.cases.models import Case, Stage
from halqa.cases.tests.test_records import settle as settle
from halqa.events.models import Event, Verb
from halqa.library import comments, plan, rubrics, services
from halqa.library.models import Comment, Criterion, Product, Review, Rubric, Score, Step
from halqa.library.tests.test_library import APPROVE, api_as
from halqa.library.tests.test_library import lib as lib
from halqa.notifications.models import Notification
from halqa.notifications.queries import items

pytestmark = pytest.mark.django_db

API = "/api/v1/products/"
TODAY = timezone.localdate()
D1, D2, D3 = (TODAY + dt.timedelta(days=n) for n in (5, 10, 20))
TEXT = "Start the ticket at minute thirty. Collect the cards at the door. Read them before the next lesson."


def in_review(w) -> Product:
    """The case's product, submitted, the expert assigned (the case is in review)."""
    product = services.from_case(w.case, actor=w.colleague)
    services.revise(product, actor=w.colleague, body=TEXT, note="Text")
    services.submit(product, actor=w.colleague)
    services.assign(product, actor=w.principal, reviewer=w.expert)
    return Product.objects.get(pk=product.pk)


def facilitated(w) -> Product:
    """A draft by the teacher in the community Cyrus facilitates (Cyrus: a steward, not an author)."""
    return services.start(
        actor=w.teacher, title="Exit cards", language="en", body=TEXT, school=w.school, community=w.community
    )


# --- The production plan ---------------------------------------------------------------------------


def test_steps_go_in_order_and_the_case_is_due_when_the_last_open_step_is(lib, login):
    w = lib
    product = in_review(w)
    first = plan.add_step(product, actor=w.colleague, title="Outline", due=D1, owner=w.colleague)
    second = plan.add_step(product, actor=w.colleague, title="Full text", due=D2, owner=w.parent)
    third = plan.add_step(product, actor=w.principal, title="Layout", due=D3)
    assert [s.title for s in product.steps.all()] == ["Outline", "Full text", "Layout"]
    case = Case.objects.get(pk=w.case.pk)
    assert case.stage == Stage.IN_REVIEW and case.due_dates[Stage.IN_REVIEW] == D3.isoformat()
    with pytest.raises(ValidationError) as refused:  # due before the step ahead of it
        plan.add_step(product, actor=w.colleague, title="Print", due=D1)
    assert "“Print” would be due before “Layout”" in str(refused.value)
    with pytest.raises(ValidationError):  # moving the last first would put D3 before D1
        plan.move_step(third, actor=w.colleague, position=0)
    with pytest.raises(ValidationError):  # a change that breaks the order
        plan.change_step(first, actor=w.colleague, due=D3 + dt.timedelta(days=1))
    with pytest.raises(ValidationError) as refused:  # step after step
        plan.complete_step(second, actor=w.colleague)
    assert "Finish “Outline” first" in str(refused.value)
    plan.complete_step(first, actor=w.colleague)
    plan.complete_step(second, actor=w.parent)
    with pytest.raises(ValidationError):  # an open step may not come before a done one
        plan.move_step(third, actor=w.colleague, position=0)
    plan.change_step(third, actor=w.colleague, due=D3 + dt.timedelta(days=3), title="Layout and print")
    assert Case.objects.get(pk=w.case.pk).due_dates[Stage.IN_REVIEW] == (D3 + dt.timedelta(days=3)).isoformat()
    plan.complete_step(third, actor=w.colleague)  # nothing open: the case keeps its date
    assert Case.objects.get(pk=w.case.pk).due_dates[Stage.IN_REVIEW] == (D3 + dt.timedelta(days=3)).isoformat()
    assert list(Step.objects.filter(product=product).values_list("position", flat=True)) == [0, 1, 2]
    case_events = Event.objects.filter(verb=Verb.CASE_DUE_FOLLOWS_PRODUCT, target_id=w.case.pk)
    assert case_events.count() == 4 and case_events.last().after["product"] == product.pk
    assert Event.objects.filter(verb=Verb.PRODUCT_STEP_DONE).count() == 3
    assert Event.objects.filter(verb=Verb.PRODUCT_PLAN_CHANGED).count() >= 4
    assert login(w.colleague).get(w.case.get_absolute_url()).status_code == 200  # the case page reads its plan


def test_a_step_moves_and_goes_and_the_others_close_up(lib):
    w = lib
    product = facilitated(w)
    a = plan.add_step(product, actor=w.teacher, title="A", due=D1)
    b = plan.add_step(product, actor=w.teacher, title="B", due=D1)
    c = plan.add_step(product, actor=w.teacher, title="C", due=D1)
    plan.move_step(c, actor=w.teacher, position=0)
    stale = Step.objects.get(pk=a.pk)  # read before the next move, as a second person would
    plan.move_step(b, actor=w.teacher, position=0)
    plan.move_step(stale, actor=w.teacher, position=2)  # the order is read again under the lock
    assert [s.title for s in product.steps.order_by("position")] == ["B", "C", "A"]
    assert sorted(product.steps.values_list("position", flat=True)) == [0, 1, 2]
    plan.remove_step(c, actor=w.teacher)
    assert list(product.steps.order_by("position").values_list("title", "position")) == [("B", 0), ("A", 1)]


def test_who_may_plan(lib):
    w = lib
    product = in_review(w)
    step = plan.add_step(product, actor=w.colleague, title="Outline", due=D1)  # an author
    plan.add_step(product, actor=w.principal, title="Check", due=D2)  # a steward
    mine = facilitated(w)
    plan.add_step(mine, actor=w.colleague, title="Facilitator's step", due=D1)  # the community's facilitator
    with pytest.raises(PermissionDenied):  # the reviewer
        plan.add_step(product, actor=w.expert, title="x", due=D3)
    for outsider in (w.other_principal, w.foreign_teacher, w.student, w.other_parent, w.teacher):
        with pytest.raises(Http404):
            plan.complete_step(step, actor=outsider)
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(Http404):
        plan.add_step(product, actor=AnonymousUser(), title="x", due=D3)
    services.review(product, actor=w.expert, scores=APPROVE, decision="approve")
    services.publish(product, actor=w.principal)
    with pytest.raises(PermissionDenied):  # a published product's plan is closed
        plan.add_step(product, actor=w.colleague, title="Late", due=D3)
    assert product.steps.count() == 2 and not product.steps.filter(done_at__isnull=False).exists()


@pytest.mark.parametrize(
    "change",
    [
        {"title": ""},
        {"title": "   "},
        {"title": "a\x00b"},
        {"title": "x" * 201},
        {"due": "not a date"},
        {"due": None},
        {"due": "2999-01-01"},
        {"due": "1990-01-01"},
    ],
)
def test_bad_steps_are_refused_and_nothing_changes(lib, change):
    w = lib
    product = facilitated(w)
    fields = {"title": "Outline", "due": D1, **change}
    with pytest.raises(ValidationError):
        plan.add_step(product, actor=w.teacher, **fields)
    assert not product.steps.exists()


def test_a_step_owner_is_an_author_or_of_the_working_group(lib):
    w = lib
    product = in_review(w)
    with pytest.raises(ValidationError):
        plan.add_step(product, actor=w.colleague, title="Outline", due=D1, owner=w.other_teacher)
    assert plan.add_step(product, actor=w.colleague, title="Outline", due=D1, owner=w.parent.pk).owner == w.parent


def test_the_plan_on_the_product_page(lib, login, client):
    w = lib
    product = in_review(w)
    add = reverse("library:step_add", args=[product.pk])
    page = login(w.colleague).get(product.get_absolute_url()).content.decode()
    assert 'action="' + add in page and "Production plan" in page
    assert login(w.colleague).post(add, {"title": "Outline", "due": D1.isoformat()}).status_code == 302
    assert login(w.colleague).post(add, {"title": "Earlier", "due": TODAY.isoformat()}).status_code == 400
    assert login(w.colleague).post(add, {"title": "", "due": D2.isoformat()}).status_code == 400
    assert login(w.expert).post(add, {"title": "Mine", "due": D2.isoformat()}).status_code == 403
    assert login(w.other_teacher).post(add, {"title": "Mine", "due": D2.isoformat()}).status_code == 404
    assert login(w.principal).post(add, {"title": "Layout", "due": D2.isoformat()}).status_code == 302
    first, second = product.steps.all()
    done = reverse("library:step_done", args=[product.pk, second.pk])
    assert login(w.colleague).post(done).status_code == 302  # refused with a message: the first is open
    assert not Step.objects.get(pk=second.pk).done_at
    assert login(w.student).post(done).status_code == 404
    assert login(w.colleague).post(reverse("library:step_done", args=[product.pk, first.pk])).status_code == 302
    assert Step.objects.get(pk=first.pk).done_at
    change = reverse("library:step_change", args=[product.pk, second.pk])
    later = (D2 + dt.timedelta(days=1)).isoformat()
    assert login(w.colleague).post(change, {"title": "Layout", "due": TODAY.isoformat()}).status_code == 400
    assert (
        "would be due before"
        in login(w.colleague).post(change, {"title": "L", "due": TODAY.isoformat()}).content.decode()
    )
    assert (
        login(w.colleague).post(change, {"title": "Layout", "due": later, "owner": w.other_teacher.pk}).status_code
        == 400
    )
    assert login(w.expert).post(change, {"title": "Mine", "due": later}).status_code == 403
    assert login(w.other_principal).post(change, {"title": "Mine", "due": later}).status_code == 404
    answer = login(w.colleague).post(change, {"title": "Layout and print", "due": later, "owner": w.parent.pk})
    assert answer.status_code == 302
    assert Step.objects.filter(
        pk=second.pk, title="Layout and print", owner=w.parent, due=D2 + dt.timedelta(days=1)
    ).exists()
    assert Case.objects.get(pk=w.case.pk).due_dates[Stage.IN_REVIEW] == later
    move = reverse("library:step_move", args=[product.pk, second.pk])
    assert login(w.colleague).post(move, {"position": "x"}).status_code == 400
    assert login(w.colleague).post(move, {"position": "1"}).status_code == 400  # refused: the first is done
    assert login(w.foreign_teacher).post(move, {"position": "1"}).status_code == 404
    remove = reverse("library:step_remove", args=[product.pk, second.pk])
    assert login(w.expert).post(remove).status_code == 403
    assert login(w.colleague).post(reverse("library:step_remove", args=[product.pk, 999999])).status_code == 404
    assert login(w.colleague).post(remove).status_code == 302 and product.steps.count() == 1
    page = login(w.colleague).get(product.get_absolute_url()).content.decode()
    assert "Outline" in page and "Layout" not in page
    client.logout()
    for url in (add, done, change, move, remove):
        assert client.post(url).status_code == 302  # to sign in


def test_the_plan_through_the_api(lib):
    w = lib
    product = in_review(w)
    url = f"{API}{product.pk}/steps/"
    answer = api_as(w.colleague).post(url, {"title": "Outline", "due": D1.isoformat(), "owner": w.parent.pk})
    assert answer.status_code == 201 and answer.json()[0]["owner"] == w.parent.pk
    assert api_as(w.colleague).post(url, {"title": "Early", "due": TODAY.isoformat()}).status_code == 400
    assert api_as(w.colleague).post(url, {"title": "x\x00", "due": D2.isoformat()}).status_code == 400
    assert api_as(w.colleague).post(url, {"title": "x", "due": "31/12/2027"}).status_code == 400
    assert api_as(w.expert).post(url, {"title": "Mine", "due": D2.isoformat()}).status_code == 403
    assert api_as(w.foreign_teacher).post(url, {"title": "Mine", "due": D2.isoformat()}).status_code == 404
    assert api_as(None).get(url).status_code in (401, 403)
    assert api_as(w.principal).post(url, {"title": "Layout", "due": D2.isoformat()}).status_code == 201
    steps = api_as(w.expert).get(url).json()  # a reviewer reads the plan
    assert [s["title"] for s in steps] == ["Outline", "Layout"] and steps[1]["position"] == 1
    first, second = steps[0]["id"], steps[1]["id"]
    assert api_as(w.colleague).post(f"{url}{second}/done/").status_code == 400
    assert api_as(w.expert).post(f"{url}{first}/done/").status_code == 403
    assert api_as(w.other_parent).post(f"{url}{first}/done/").status_code == 404
    assert api_as(w.colleague).post(f"{url}{first}/done/").status_code == 200
    assert api_as(w.colleague).patch(f"{url}{second}/", {"due": D3.isoformat()}).status_code == 200
    assert Case.objects.get(pk=w.case.pk).due_dates[Stage.IN_REVIEW] == D3.isoformat()
    assert api_as(w.colleague).patch(f"{url}{second}/", {"due": TODAY.isoformat()}).status_code == 400
    assert api_as(w.student).patch(f"{url}{second}/", {"title": "x"}).status_code == 404
    assert api_as(w.colleague).post(f"{url}{second}/move/", {"position": 0}).status_code == 400
    assert api_as(w.colleague).post(f"{url}{second}/move/", {"position": -1}).status_code == 400
    assert api_as(w.expert).post(f"{url}{second}/move/", {"position": 1}).status_code == 403
    assert api_as(w.colleague).delete(f"{url}999999/").status_code == 404
    assert api_as(w.expert).delete(f"{url}{second}/").status_code == 403
    assert api_as(w.colleague).delete(f"{url}{second}/").status_code == 204
    assert [s["title"] for s in api_as(w.colleague).get(url).json()] == ["Outline"]
    assert api_as(w.other_teacher).get(url).status_code == 404


def test_the_person_given_a_step_is_told_once_and_nobody_else(lib, settle):
    """Added with an owner, or its owner changed to someone: that person is told (a link to the plan);
    a step one takes oneself, a new due date, a move or a removal tells nobody."""
    w = lib
    product = in_review(w)

    def told(person):
        return list(Notification.objects.filter(kind="product_step", recipient=person))

    step = settle(lambda: plan.add_step(product, actor=w.colleague, title="Full text", due=D2, owner=w.parent))
    [note] = items(told(w.parent), w.parent)
    assert "Full text" in note.sentence and note.link == f"/library/{product.pk}/#plan-h"
    layout = settle(lambda: plan.add_step(product, actor=w.colleague, title="Layout", due=D3, owner=w.colleague))
    assert told(w.colleague) == []  # one's own step
    settle(lambda: plan.change_step(step, actor=w.colleague, due=D3))  # as late as the layout: may follow it
    settle(lambda: plan.move_step(step, actor=w.colleague, position=1))
    settle(lambda: plan.remove_step(layout, actor=w.colleague))
    assert len(told(w.parent)) == 1  # a new date or place is no new step
    settle(lambda: plan.change_step(step, actor=w.parent, owner=w.colleague))
    assert len(told(w.colleague)) == 1
    settle(lambda: plan.change_step(step, actor=w.colleague, owner=w.colleague))  # unchanged owner
    assert len(told(w.colleague)) == 1
    assert Notification.objects.filter(kind="product_step").exclude(recipient__in=[w.parent, w.colleague]).count() == 0


# --- Review comments on a passage ---------------------------------------------------------------------


def test_a_reviewer_quotes_a_passage_the_authors_answer_and_resolve(lib, settle):
    w = lib
    product = in_review(w)
    comment = settle(
        lambda: comments.add_comment(
            product, actor=w.expert, body="Why minute thirty?", quote="at minute thirty", start=None
        )
    )
    assert comment.quote_start == TEXT.index("at minute thirty") and comment.revision == 2
    told = set(Notification.objects.filter(kind="product_comment").values_list("recipient", flat=True))
    assert told == {w.colleague.pk, w.parent.pk}  # the authors
    whole = comments.add_comment(product, actor=w.expert, body="Good overall.")
    assert whole.quote == "" and whole.quote_start is None
    answer = settle(lambda: comments.reply(comment, actor=w.colleague, body="Attention drops after it."))
    assert answer.parent == comment
    assert Notification.objects.filter(kind="product_comment", recipient=w.expert).count() == 1
    nested = comments.reply(answer, actor=w.expert, body="Thanks")  # an answer to an answer joins the thread
    assert nested.parent == comment
    settle(lambda: comments.resolve(comment, actor=w.parent))
    assert Comment.objects.get(pk=comment.pk).resolved_by == w.parent
    assert Notification.objects.filter(kind="product_comment", recipient=w.expert).count() == 2
    comments.resolve(comment, actor=w.expert, resolved=False)  # the writer opens it again
    assert Comment.objects.get(pk=comment.pk).resolved_at is None
    verbs = set(Event.objects.filter(verb__startswith="product.comment").values_list("verb", flat=True))
    assert verbs == {Verb.PRODUCT_COMMENTED, Verb.PRODUCT_COMMENT_ANSWERED, Verb.PRODUCT_COMMENT_RESOLVED}


def test_a_passage_gone_from_a_later_revision_is_said_so(lib, login):
    w = lib
    product = in_review(w)
    kept = comments.add_comment(product, actor=w.expert, body="Fine", quote="Collect the cards")
    gone = comments.add_comment(product, actor=w.expert, body="Too late", quote="Read them before the next lesson.")
    services.review(product, actor=w.expert, scores=APPROVE, decision="changes", comment="See my comments.")
    product.refresh_from_db()
    services.revise(product, actor=w.colleague, body=TEXT.replace("Read them before", "Sort them after"), note="x")
    shown = {t.pk: t for t in comments.threads(product)}
    assert not shown[kept.pk].gone and shown[gone.pk].gone
    assert shown[gone.pk].passage[1] == "Read them before the next lesson."
    page = login(w.colleague).get(product.get_absolute_url()).content.decode()
    assert "<mark>Read them before the next lesson.</mark>" in page
    assert "This passage is no longer in revision 3." in page
    assert page.count("no longer in revision") == 1


def test_who_may_comment_answer_and_resolve(lib):
    w = lib
    product = in_review(w)
    for insider in (w.colleague, w.principal):  # an author, a steward: they answer, they do not comment
        with pytest.raises(PermissionDenied):
            comments.add_comment(product, actor=insider, body="x")
    for outsider in (w.other_principal, w.foreign_teacher, w.student, w.other_parent, w.teacher):
        with pytest.raises(Http404):
            comments.add_comment(product, actor=outsider, body="x")
    comment = comments.add_comment(product, actor=w.expert, body="Shorter, please.")
    for outsider in (w.other_principal, w.student, w.teacher):
        with pytest.raises(Http404):
            comments.reply(comment, actor=outsider, body="x")
        with pytest.raises(Http404):
            comments.resolve(comment, actor=outsider)
    comments.reply(comment, actor=w.principal, body="Agreed.")  # a steward answers
    with pytest.raises(PermissionDenied):  # but resolves only as an author or the writer
        comments.resolve(comment, actor=w.principal)
    services.review(product, actor=w.expert, scores=APPROVE, decision="approve")
    services.publish(product, actor=w.principal)
    with pytest.raises(PermissionDenied):
        comments.add_comment(product, actor=w.expert, body="Late")
    with pytest.raises(PermissionDenied):
        comments.reply(comment, actor=w.colleague, body="Late")
    assert Comment.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "quote", "start"),
    [
        ("", "", None),
        ("a\x00b", "", None),
        ("x" * 4001, "", None),
        ("Fine", "not in the text", None),
        ("Fine", "minute thirty", 0),  # the wrong place
        ("Fine", "minute thirty", "x"),
        ("Fine", "q\x00", None),
        ("Fine", "x" * 2001, None),
    ],
)
def test_bad_comments_are_refused_and_nothing_changes(lib, body, quote, start):
    w = lib
    product = in_review(w)
    with pytest.raises(ValidationError):
        comments.add_comment(product, actor=w.expert, body=body, quote=quote, start=start)
    assert not Comment.objects.exists()


def test_comments_on_the_page(lib, login, client):
    w = lib
    product = in_review(w)
    url = reverse("library:comment", args=[product.pk])
    assert 'action="' + url in login(w.expert).get(product.get_absolute_url()).content.decode()
    assert login(w.expert).post(url, {"body": "Why?", "quote": "nowhere"}).status_code == 400
    assert login(w.expert).post(url, {"body": "Why?", "quote": "Collect the cards"}).status_code == 302
    assert login(w.colleague).post(url, {"body": "Mine"}).status_code == 403
    assert login(w.other_teacher).post(url, {"body": "Mine"}).status_code == 404
    comment = Comment.objects.get()
    answer = reverse("library:comment_reply", args=[product.pk, comment.pk])
    assert login(w.colleague).post(answer, {"body": ""}).status_code == 400
    assert login(w.colleague).post(answer, {"body": "Done."}).status_code == 302
    assert login(w.student).post(answer, {"body": "Me"}).status_code == 404
    assert (
        login(w.colleague).post(reverse("library:comment_reply", args=[product.pk, 999999]), {"body": "x"}).status_code
        == 404
    )
    resolve = reverse("library:comment_resolve", args=[product.pk, comment.pk])
    assert login(w.principal).post(resolve).status_code == 403
    assert login(w.foreign_teacher).post(resolve).status_code == 404
    assert login(w.colleague).post(resolve).status_code == 302 and Comment.objects.get(pk=comment.pk).resolved_at
    page = login(w.expert).get(product.get_absolute_url()).content.decode()
    assert "<mark>Collect the cards</mark>" in page and "Done." in page and "Resolved" in page
    assert login(w.expert).post(resolve, {"resolved": "0"}).status_code == 302
    assert Comment.objects.get(pk=comment.pk).resolved_at is None
    client.logout()
    for target in (url, answer, resolve):
        assert client.post(target, {"body": "x"}).status_code == 302


def test_comments_through_the_api(lib):
    w = lib
    product = in_review(w)
    url = f"{API}{product.pk}/comments/"
    answer = api_as(w.expert).post(url, {"body": "Why?", "quote": "minute thirty", "start": TEXT.index("minute")})
    assert answer.status_code == 201, answer.content
    made = answer.json()
    assert made["quote"] == "minute thirty" and made["start"] == TEXT.index("minute") and made["gone"] is False
    assert api_as(w.expert).post(url, {"body": "Why?", "quote": "minute thirty", "start": 1}).status_code == 400
    assert api_as(w.expert).post(url, {"body": ""}).status_code == 400
    assert api_as(w.colleague).post(url, {"body": "x"}).status_code == 403
    assert api_as(w.other_teacher).post(url, {"body": "x"}).status_code == 404
    assert api_as(None).post(url, {"body": "x"}).status_code in (401, 403)
    answers = f"{url}{made['id']}/answers/"
    assert api_as(w.colleague).post(answers, {"body": "Because."}).status_code == 201
    assert api_as(w.colleague).post(answers, {"body": "\x00"}).status_code == 400
    assert api_as(w.student).post(answers, {"body": "x"}).status_code == 404
    resolve = f"{url}{made['id']}/resolve/"
    assert api_as(w.principal).post(resolve, {}).status_code == 403
    assert api_as(w.other_principal).post(resolve, {}).status_code == 404
    assert api_as(w.colleague).post(resolve, {"resolved": "maybe"}).status_code == 400
    shown = api_as(w.colleague).post(resolve, {})
    assert shown.status_code == 200 and shown.json()["resolved"] is True
    assert api_as(w.other_teacher).get(url).status_code == 404
    assert api_as(None).get(url).status_code in (401, 403)
    threads = api_as(w.principal).get(url).json()
    assert threads[0]["answers"][0]["body"] == "Because."
    assert api_as(w.colleague).post(f"{url}999999/resolve/", {}).status_code == 404


# --- Rubrics --------------------------------------------------------------------------------------------


def test_the_default_rubric_keeps_the_four_criteria_and_reviews_keep_what_they_scored(lib):
    w = lib
    product = in_review(w)
    default = rubrics.rubric_for(product)
    assert default.is_default
    assert [c.key for c in default.criteria.all()] == ["accuracy", "practicality", "clarity", "standards"]
    review = services.review(product, actor=w.expert, scores=APPROVE, decision="approve")
    assert dict(review.scores.values_list("key", "value")) == APPROVE and review.rubric == default
    rubric = rubrics.own_rubric(w.principal, school=w.school)  # the school's own, a copy of the default
    assert [c.key for c in rubric.criteria.all()] == ["accuracy", "practicality", "clarity", "standards"]
    lab = rubrics.add_criterion(rubric, actor=w.principal, label="Uses the school's lab", weight=3)
    clarity = rubric.criteria.get(key="clarity")
    rubrics.change_criterion(clarity, actor=w.principal, label="Readable", labels={"ar": "وضوح النص"})
    assert lab.key == "uses-the-schools-lab"
    assert rubrics.rubric_for(Product.objects.get(pk=product.pk)) == rubric
    assert Score.objects.get(review=review, key="clarity").label == "Clarity"  # the review kept its own
    summary_before = services.approvals(product)
    assert summary_before == 1


def test_a_custom_rubric_is_scored_and_summarised_with_weights(lib, login):
    w = lib
    product = in_review(w)
    rubric = rubrics.own_rubric(w.principal, school=w.school)
    rubrics.add_criterion(rubric, actor=w.principal, label="Uses the school's lab", weight=3)
    with pytest.raises(ValidationError):  # the new criterion needs its score
        services.review(product, actor=w.expert, scores=APPROVE, decision="approve")
    assert not Review.objects.exists()
    services.review(product, actor=w.expert, scores={**APPROVE, "uses-the-schools-lab": 1}, decision="approve")
    from halqa.library.queries import review_summary

    summary = review_summary(product)
    assert [c["key"] for c in summary["criteria"]][-1] == "uses-the-schools-lab"
    assert summary["overall"] == round((5 + 4 + 5 + 4 + 1 * 3) / 7, 1)
    page = login(w.colleague).get(product.get_absolute_url()).content.decode()
    assert "Uses the school&#x27;s lab 1" in page
    rubric_page = reverse("library:rubric_school", args=[w.school.pk])
    assert rubric_page not in page  # an author and the facilitator: not one who edits the rubric
    assert rubric_page in login(w.principal).get(product.get_absolute_url()).content.decode()
    # the API takes scores by key, and the four legacy fields for the default rubric's
    other = services.start(actor=w.teacher, title="Elsewhere", language="en", body="Text", school=w.foreign_school)
    services.submit(other, actor=w.teacher)
    services.assign(other, actor=w.foreign_principal, reviewer=w.expert)
    answer = api_as(w.expert).post(f"{API}{other.pk}/reviews/", {**APPROVE, "decision": "approve"}, format="json")
    assert answer.status_code == 201 and answer.json()["accuracy"] == 5
    assert [s["key"] for s in answer.json()["scores"]] == ["accuracy", "practicality", "clarity", "standards"]
    assert api_as(w.expert).get(f"{API}{product.pk}/rubric/").json()["id"] == rubric.pk
    assert api_as(w.other_teacher).get(f"{API}{product.pk}/rubric/").status_code == 404


def test_who_edits_which_rubric(lib, settings):
    w = lib
    for leader in (w.principal, w.district_admin):
        assert rubrics.may_edit(leader, school=w.school)
    for other in (w.teacher, w.colleague, w.parent, w.student, w.expert, w.other_principal, w.foreign_principal):
        assert not rubrics.may_edit(other, school=w.school), other
        with pytest.raises(PermissionDenied):
            rubrics.own_rubric(other, school=w.school)
    assert rubrics.may_edit(w.district_admin, authority=w.authority)
    assert not rubrics.may_edit(w.principal, authority=w.authority)
    assert not rubrics.may_edit(w.district_admin)  # the default: the deployment's admins
    with pytest.raises(PermissionDenied):
        rubrics.own_rubric(w.principal)
    w.supervisor.is_superuser = True
    w.supervisor.save()
    assert rubrics.may_edit(w.supervisor)
    school_rubric = rubrics.own_rubric(w.principal, school=w.school)
    with pytest.raises(PermissionDenied):
        rubrics.add_criterion(school_rubric, actor=w.other_principal, label="x")
    authority = rubrics.own_rubric(w.district_admin, authority=w.authority)
    rubrics.add_criterion(authority, actor=w.district_admin, label="District priority")
    other = rubrics.rubric_for_school(w.other_school)  # no rubric of its own: its authority's
    assert other == authority and other.criteria.last().label == "District priority"
    assert rubrics.rubric_for_school(w.foreign_school).is_default


@pytest.mark.parametrize(
    "data",
    [
        {"label": ""},
        {"label": "a\x00"},
        {"label": "x" * 201},
        {"label": "Fine", "weight": 0},
        {"label": "Fine", "weight": 11},
        {"label": "Fine", "weight": "heavy"},
        {"label": "Fine", "labels": {"xx": "unknown language"}},
        {"label": "Fine", "labels": "not a mapping"},
        {"label": "Fine", "description": "d" * 1001},
    ],
)
def test_bad_criteria_are_refused_and_nothing_changes(lib, data):
    w = lib
    rubric = rubrics.own_rubric(w.principal, school=w.school)
    with pytest.raises(ValidationError):
        rubrics.add_criterion(rubric, actor=w.principal, **data)
    assert rubric.criteria.count() == 4


def test_a_rubric_keeps_one_criterion_and_reorders_and_a_reserved_name_is_avoided(lib):
    w = lib
    rubric = rubrics.own_rubric(w.principal, school=w.school)
    decision = rubrics.add_criterion(rubric, actor=w.principal, label="Decision")
    assert decision.key == "decision-2"
    rubrics.move_criterion(decision, actor=w.principal, position=0)
    assert rubric.criteria.order_by("position").first() == decision
    with pytest.raises(ValidationError):
        rubrics.move_criterion(decision, actor=w.principal, position=9)
    for criterion in list(rubric.criteria.all())[1:]:
        rubrics.remove_criterion(criterion, actor=w.principal)
    with pytest.raises(ValidationError):
        rubrics.remove_criterion(decision, actor=w.principal)
    assert list(rubric.criteria.values_list("position", flat=True)) == [0]
    rubrics.drop_rubric(rubric, actor=w.principal)
    assert not Rubric.objects.filter(school=w.school).exists()
    with pytest.raises(PermissionDenied):
        rubrics.drop_rubric(rubrics.default_rubric(), actor=w.principal)
    w.supervisor.is_superuser = True
    w.supervisor.save()
    with pytest.raises(ValidationError):  # the default stays
        rubrics.drop_rubric(rubrics.default_rubric(), actor=w.supervisor)
    assert Rubric.objects.filter(is_default=True).count() == 1


def test_rubric_pages(lib, login, client):
    w = lib
    school = reverse("library:rubric_school", args=[w.school.pk])
    assert login(w.principal).get(reverse("library:rubrics")).status_code == 200
    assert login(w.teacher).get(reverse("library:rubrics")).status_code == 403
    assert login(w.principal).get(school).status_code == 200
    for other in (w.teacher, w.parent, w.student, w.other_principal, w.expert):
        assert login(other).get(school).status_code == 403, other
    assert login(w.principal).get(reverse("library:rubric_school", args=[999999])).status_code == 404
    assert login(w.principal).post(school, {"label": "", "weight": 1}).status_code == 400
    assert not Rubric.objects.filter(school=w.school).exists()
    assert login(w.principal).post(school, {"label": "Lab", "weight": 2, "label_ar": "المختبر"}).status_code == 302
    rubric = Rubric.objects.get(school=w.school)
    lab = rubric.criteria.get(key="lab")
    assert lab.labels == {"ar": "المختبر"} and lab.weight == 2 and rubric.criteria.count() == 5
    change = reverse("library:criterion_change", args=[lab.pk])
    refused = login(w.principal).post(change, {"label": "Lab work", "weight": 20})
    assert refused.status_code == 400 and "less than or equal to 10" in refused.content.decode()
    assert login(w.principal).post(change, {"label": "  ", "weight": 2}).status_code == 400
    assert login(w.principal).post(change, {"label": "Lab work", "weight": 3}).status_code == 302
    assert Criterion.objects.get(pk=lab.pk).label == "Lab work"
    assert login(w.other_principal).post(change, {"label": "Mine", "weight": 1}).status_code == 403
    move = reverse("library:criterion_move", args=[lab.pk])
    assert login(w.principal).post(move, {"position": 1}).status_code == 302
    assert rubric.criteria.order_by("position").first().pk == lab.pk
    assert login(w.teacher).post(move, {"position": 2}).status_code == 403
    remove = reverse("library:criterion_remove", args=[lab.pk])
    assert login(w.parent).post(remove).status_code == 403
    assert login(w.principal).post(remove).status_code == 302 and not Criterion.objects.filter(pk=lab.pk).exists()
    assert login(w.principal).post(reverse("library:criterion_remove", args=[999999])).status_code == 404
    authority = reverse("library:rubric_authority", args=[w.authority.pk])
    assert login(w.district_admin).post(authority, {"copy": "1"}).status_code == 302
    assert Rubric.objects.filter(authority=w.authority).exists()
    assert login(w.principal).get(authority).status_code == 403
    assert login(w.principal).get(reverse("library:rubric_default")).status_code == 403
    w.supervisor.is_superuser = True
    w.supervisor.save()
    assert login(w.supervisor).get(reverse("library:rubric_default")).status_code == 200
    client.logout()
    for url in (reverse("library:rubrics"), school, authority, reverse("library:rubric_default")):
        assert client.get(url).status_code == 302
    for url in (change, move, remove):
        assert client.post(url).status_code == 302


def test_rubrics_through_the_api(lib):
    w = lib
    assert api_as(None).get("/api/v1/rubrics/").status_code in (401, 403)
    listed = api_as(w.teacher).get("/api/v1/rubrics/").json()
    assert listed[0]["is_default"] and listed[0]["can_edit"] is False
    assert api_as(w.teacher).post("/api/v1/rubrics/", {"school": w.school.pk}).status_code == 403
    assert api_as(w.principal).post("/api/v1/rubrics/", {"school": 999999}).status_code == 400
    made = api_as(w.principal).post("/api/v1/rubrics/", {"school": w.school.pk})
    assert made.status_code == 201 and made.json()["can_edit"] is True and len(made.json()["criteria"]) == 4
    url = f"/api/v1/rubrics/{made.json()['id']}/"
    body = {"label": "Lab", "labels": {"ru": "Лаборатория"}, "weight": 2}
    assert api_as(w.other_principal).post(f"{url}criteria/", body, format="json").status_code == 403
    assert api_as(w.principal).post(f"{url}criteria/", {**body, "weight": 0}, format="json").status_code == 400
    assert api_as(w.principal).post(f"{url}criteria/", {"label": "\x00"}, format="json").status_code == 400
    added = api_as(w.principal).post(f"{url}criteria/", body, format="json")
    assert added.status_code == 201
    lab = added.json()["criteria"][-1]
    assert lab["key"] == "lab" and lab["labels"] == {"ru": "Лаборатория"}
    criterion = f"{url}criteria/{lab['id']}/"
    assert api_as(w.principal).patch(criterion, {"weight": 5}, format="json").json()["criteria"][-1]["weight"] == 5
    assert api_as(w.student).patch(criterion, {"weight": 5}, format="json").status_code == 403
    assert api_as(w.principal).post(f"{criterion}move/", {"position": 0}).json()["criteria"][0]["key"] == "lab"
    assert api_as(w.principal).post(f"{criterion}move/", {"position": 99}).status_code == 400
    assert api_as(w.teacher).post(f"{criterion}move/", {"position": 1}).status_code == 403
    assert api_as(w.teacher).delete(criterion).status_code == 403
    assert len(api_as(w.principal).delete(criterion).json()["criteria"]) == 4
    assert api_as(w.principal).delete(f"{url}criteria/999999/").status_code == 404
    assert api_as(w.teacher).delete(url).status_code == 403
    assert api_as(w.parent).get(url).json()["can_edit"] is False  # anyone signed in reads a rubric
    assert api_as(None).get(url).status_code in (401, 403)
    assert api_as(w.principal).delete(url).status_code == 204
    assert api_as(w.principal).get(url).status_code == 404


def test_the_product_page_stays_bounded_with_a_long_plan_and_many_comments(lib, login):
    from halqa.core.testing.queries import assert_query_bound

    w = lib
    product = in_review(w)
    plan.add_step(product, actor=w.colleague, title="Step 0", due=D1, owner=w.parent)
    first = comments.add_comment(product, actor=w.expert, body="First", quote="Collect the cards")
    comments.reply(first, actor=w.colleague, body="Answer")
    services.review(product, actor=w.expert, scores=APPROVE, decision="approve", comment="Fine")
    client = login(w.colleague)

    def grow():
        for n in range(1, 10):
            plan.add_step(product, actor=w.colleague, title=f"Step {n}", due=D2, owner=w.colleague)
            comment = comments.add_comment(product, actor=w.expert, body=f"Comment {n}", quote="minute thirty")
            comments.reply(comment, actor=w.colleague, body=f"Answer {n}")
            comments.reply(comment, actor=w.principal, body=f"Steward {n}")

    assert_query_bound(
        lambda: client.get(product.get_absolute_url()),
        grow=grow,
        check=lambda r: r.status_code == 200,
        check_after=lambda r: "Steward 9" in r.content.decode() and "Step 9" in r.content.decode(),
    )


def test_the_demo_product_in_review_shows_passage_comments_and_a_plan(client):
    import io

    from django.core.management import call_command

    from halqa.accounts.models import User
    from halqa.library.demo import IN_REVIEW

    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())  # twice: nothing more
    product = Product.objects.get(title=IN_REVIEW["fields"]["title"])
    assert [s.done_at is not None for s in product.steps.all()] == [True, True, False, False]
    threads = comments.threads(product)
    assert len(threads) == 2 and [t.gone for t in threads] == [False, True] and threads[1].resolved_at
    assert threads[0].passage[0] == "" and threads[1].passage == ("ردیف اول، ", "نزدیک پنجره", "، رو به معلم.")
    assert Rubric.objects.get(school__name="دبیرستان حافظ").criteria.count() == 5
    client.force_login(User.objects.get(email=IN_REVIEW["author"]))
    page = client.get(product.get_absolute_url()).content.decode()
    assert "<mark>نزدیک پنجره</mark>" in page and "بازبینی کارشناس" in page


def test_a_passage_is_shown_within_its_own_line_without_markdown_markers(lib):
    w = lib
    product = in_review(w)
    body = "## Timing\n\n1. Start the ticket at minute thirty.\n2. Collect the cards at the door."
    services.review(product, actor=w.expert, scores=APPROVE, decision="changes", comment="Split it.")
    product.refresh_from_db()
    services.revise(product, actor=w.colleague, body=body, note="List")
    services.submit(product, actor=w.colleague)
    comments.add_comment(product, actor=w.expert, body="Why?", quote="the ticket")
    comments.add_comment(product, actor=w.expert, body="Which door?", quote="Collect")
    first, second = comments.threads(product)
    assert first.passage == ("Start ", "the ticket", " at minute thirty.")
    assert second.passage == ("", "Collect", " the cards at the door.")
