"""The library: a case's draft becomes a product, is reviewed on a rubric, published (moving the case
to feedback), found by search, rated and retracted; who may see and do what on both sides of each
permission; bad input refused with nothing changed; pages with bounded queries."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from halqa.cases import services as case_services
from halqa.cases.models import Case, Stage
from halqa.cases.records import save_draft
from halqa.cases.tests.test_records import DRAFT, STORY, to_drafting
from halqa.cases.tests.test_records import settle as settle
from halqa.communities.models import Role
from halqa.communities.tests.factories import CommunityFactory
from halqa.core.testing.queries import assert_query_bound
from halqa.events.models import Event, Verb
from halqa.library import services
from halqa.library.access import product_access
from halqa.library.models import Author, Product, Rating, Revision, Status
from halqa.library.queries import library
from halqa.notifications.models import Notification
from halqa.search import services as search

pytestmark = pytest.mark.django_db

APPROVE = {"accuracy": 5, "practicality": 4, "clarity": 5, "standards": 4}


@pytest.fixture
def lib(world):
    """Tala asks; Cyrus facilitates the community the case is assigned to and leads its group with
    the parent Parisa; Pia coordinates; the case has a draft and is in review. Eve (an expert) will
    review; Olga teaches at the other school, Fatima in the other authority."""
    w = world
    w.community = CommunityFactory(school=w.school, facilitator=w.colleague, members={Role.MEMBER: [w.expert]})
    w.case = case_services.submit_case(actor=w.teacher, school=w.school, **STORY)
    case_services.triage(w.case, actor=w.principal, community=w.community, assign=True)
    case_services.add_to_group(w.case, actor=w.principal, person=w.colleague, role="lead")
    case_services.add_to_group(w.case, actor=w.principal, person=w.parent, role="member")
    w.case = to_drafting(w, Case.objects.get(pk=w.case.pk))
    save_draft(w.case, actor=w.colleague, **DRAFT)
    w.case = case_services.move(w.case, actor=w.colleague, to=Stage.IN_REVIEW)
    return w


def approved(w) -> Product:
    product = services.from_case(w.case, actor=w.colleague)
    services.submit(product, actor=w.colleague)
    services.assign(product, actor=w.principal, reviewer=w.expert)
    services.review(product, actor=w.expert, scores=APPROVE, decision="approve")
    return Product.objects.get(pk=product.pk)


def test_a_case_draft_goes_through_review_to_the_library_and_the_case_to_feedback(lib, settle):
    w = lib
    product = services.from_case(w.case, actor=w.colleague)
    assert product.source_case == w.case and product.status == Status.DRAFT
    assert product.title == DRAFT["title"] and product.language == "en" and product.school == w.school
    assert set(product.authors.values_list("user", flat=True)) == {w.colleague.pk, w.parent.pk}
    assert services.from_case(w.case, actor=w.principal) == product  # one product per case
    services.submit(product, actor=w.colleague)
    with pytest.raises(ValidationError):
        services.assign(product, actor=w.principal, reviewer=w.parent)  # an author never reviews
    with pytest.raises(Http404):  # not assigned yet: the expert may not know the draft exists
        services.assign(product, actor=w.expert, reviewer=w.expert)
    services.assign(product, actor=w.principal, reviewer=w.expert)
    with pytest.raises(ValidationError):  # no approval yet
        services.publish(product, actor=w.principal)
    with pytest.raises(ValidationError):  # changes need a comment
        services.review(product, actor=w.expert, scores=APPROVE, decision="changes")
    services.review(product, actor=w.expert, scores=APPROVE, decision="changes", comment="Add a table.")
    product.refresh_from_db()
    assert product.status == Status.DRAFT
    services.revise(
        product, actor=w.colleague, body=DRAFT["body"] + "\n\n| a | b |\n|---|---|\n| 1 | 2 |", note="Table"
    )
    assert product.revisions.count() == 2
    services.submit(product, actor=w.colleague)
    services.review(product, actor=w.expert, scores=APPROVE, decision="approve")
    assert services.approvals(product) == 1
    with pytest.raises(PermissionDenied):
        services.publish(product, actor=w.expert)
    before = Notification.objects.filter(recipient=w.teacher).count()
    settle(lambda: services.publish(product, actor=w.principal))
    product.refresh_from_db()
    assert product.status == Status.PUBLISHED and product.case_note == ""
    assert "<table>" in product.body_html
    assert Case.objects.get(pk=w.case.pk).stage == Stage.FEEDBACK
    assert Notification.objects.filter(recipient=w.teacher).count() > before  # the requester is asked
    assert [hit.object_id for hit in search.search("tickets", within={"product": Product.objects.all()})] == [
        product.pk
    ]


def test_publishing_leaves_a_case_that_is_not_in_review_alone_and_says_why(lib):
    w = lib
    w.case = case_services.move(w.case, actor=w.principal, to=Stage.DRAFTING, note="More examples")
    product = approved(w)
    services.publish(product, actor=w.principal)
    product.refresh_from_db()
    assert product.status == Status.PUBLISHED
    assert "left alone" in product.case_note
    assert Case.objects.get(pk=w.case.pk).stage == Stage.DRAFTING


def test_the_facilitator_publishes_but_only_a_coordinator_moves_the_case(lib):
    w = lib
    product = approved(w)
    services.publish(product, actor=w.colleague)  # the community's facilitator (and an author)
    product.refresh_from_db()
    assert product.status == Status.PUBLISHED and product.case_note
    assert Case.objects.get(pk=w.case.pk).stage == Stage.IN_REVIEW


def test_who_sees_a_draft_and_who_a_published_product(lib, client, login, settings):
    w = lib
    product = services.from_case(w.case, actor=w.colleague)
    url = product.get_absolute_url()
    services.submit(product, actor=w.colleague)
    services.assign(product, actor=w.principal, reviewer=w.expert)
    product.refresh_from_db()
    insiders = [w.colleague, w.parent, w.expert, w.principal, w.district_admin]
    outsiders = [w.teacher, w.other_teacher, w.other_principal, w.foreign_teacher, w.student, w.supervisor]
    for person in insiders:
        assert login(person).get(url).status_code == 200, person
    for person in outsiders:
        assert login(person).get(url).status_code == 404, person
        assert product not in library(person)[0]
    client.logout()
    assert client.get(url).status_code == 302
    # only the reviewer reviews; only the authors of a draft edit
    assert set(product_access.allowed(w.expert, product)) == {"view", "review", "comment", "discuss"}
    assert "manage" in product_access.allowed(w.principal, product)
    assert "review" not in product_access.allowed(w.principal, product)
    assert login(w.other_teacher).post(reverse("library:review", args=[product.pk]), {}).status_code == 404
    assert login(w.colleague).get(reverse("library:edit", args=[product.pk])).status_code == 403
    services.review(product, actor=w.expert, scores=APPROVE, decision="approve")
    services.publish(product, actor=w.principal)
    for person in [*insiders, *outsiders]:
        assert login(person).get(url).status_code == 200, person
    assert search.search("tickets", within={"product": Product.objects.none()}) == []
    client.logout()
    assert client.get(url).status_code == 302
    assert client.get(reverse("library:list")).status_code == 302
    settings.LIBRARY_PUBLIC = True
    assert client.get(url).status_code == 200
    assert DRAFT["title"] in client.get(reverse("library:list")).content.decode()


def test_search_never_returns_a_draft(lib):
    w = lib
    product = services.from_case(w.case, actor=w.colleague)
    search.index("product", product.pk)
    everything = Product.objects.all()
    assert search.search("tickets", within={"product": everything}) == []
    found, _snippets = library(w.colleague, q="tickets")
    assert found == []


def test_the_source_case_is_linked_only_for_those_who_may_see_it(lib, login):
    w = lib
    product = approved(w)
    services.publish(product, actor=w.principal)
    case_url = w.case.get_absolute_url()
    assert case_url in login(w.principal).get(product.get_absolute_url()).content.decode()
    assert case_url not in login(w.foreign_teacher).get(product.get_absolute_url()).content.decode()


def test_hostile_and_bad_input(lib, login):
    w = lib
    product = services.from_case(w.case, actor=w.colleague)
    services.revise(
        product,
        actor=w.colleague,
        body="<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>",
        note="x",
    )
    product.refresh_from_db()
    assert "<script" not in product.body_html and "javascript:" not in product.body_html.replace("[x](javascript", "")
    assert "onerror" not in product.body_html.split("&lt;img")[0]
    count = Revision.objects.count()
    for bad in ({"title": "a\x00b"}, {"title": ""}, {"body": "x" * 100_001}, {"language": "xx"}, {"kind": "poem"}):
        with pytest.raises(ValidationError):
            services.revise(product, actor=w.colleague, note="n", **bad)
    with pytest.raises(ValidationError):
        services.revise(product, actor=w.colleague, note="", title="New")
    assert Revision.objects.count() == count
    client = login(w.colleague)
    response = client.post(reverse("library:edit", args=[product.pk]), {"title": "", "note": "n"})
    assert response.status_code == 400
    response = client.post(reverse("library:edit", args=[product.pk]), {"title": "a\x00", "note": "n"})
    assert response.status_code == 400
    assert Revision.objects.count() == count
    assert client.get(reverse("library:list"), {"q": '"a" OR b* ' + "word " * 1000}).status_code == 200


def test_ratings_one_per_person_changeable_and_retraction_hides_the_body(lib, login):
    w = lib
    product = approved(w)
    with pytest.raises(Http404):
        services.rate(product, actor=w.teacher, score=5)  # in review: unknown to the requester
    with pytest.raises(PermissionDenied):
        services.rate(product, actor=w.principal, score=5)  # seen, but not published yet
    services.publish(product, actor=w.principal)
    services.rate(product, actor=w.teacher, score=3)
    services.rate(product, actor=w.teacher, score=5, comment="It works")
    assert list(Rating.objects.values_list("score", "comment")) == [(5, "It works")]
    with pytest.raises(ValidationError):
        services.rate(product, actor=w.teacher, score=9)
    response = login(w.teacher).post(reverse("library:rate", args=[product.pk]), {"score": "4"})
    assert response.status_code == 302
    assert Rating.objects.get().score == 4
    with pytest.raises(PermissionDenied):
        services.retract(product, actor=w.teacher, reason="no")
    with pytest.raises(ValidationError):
        services.retract(product, actor=w.principal, reason="  ")
    services.retract(product, actor=w.principal, reason="Outdated by the new curriculum")
    page = login(w.other_teacher).get(product.get_absolute_url()).content.decode()
    assert "Outdated by the new curriculum" in page and "Start the ticket" not in page
    assert search.search("tickets", within={"product": Product.objects.all()}) == []
    assert login(w.other_teacher).post(reverse("library:rate", args=[product.pk]), {"score": "4"}).status_code == 403


def test_compare_is_word_level_and_escaped(lib, login):
    w = lib
    product = services.from_case(w.case, actor=w.colleague)
    services.revise(product, actor=w.colleague, title="Exit <b>tickets</b> that work", note="title")
    page = login(w.colleague).get(reverse("library:compare", args=[product.pk]), {"a": 1, "b": 2}).content.decode()
    assert "<del>get written</del>" in page.replace("<del>get</del> <del>written</del>", "<del>get written</del>")
    assert "&lt;b&gt;tickets&lt;/b&gt;" in page
    assert login(w.other_teacher).get(reverse("library:compare", args=[product.pk])).status_code == 404


def test_turning_the_draft_into_a_product_from_the_case_page(lib, login):
    w = lib
    page = login(w.colleague).get(w.case.get_absolute_url()).content.decode()
    assert reverse("library:from_case", args=[w.case.pk]) in page
    assert (
        reverse("library:from_case", args=[w.case.pk])
        not in login(w.teacher).get(w.case.get_absolute_url()).content.decode()
    )
    assert login(w.teacher).post(reverse("library:from_case", args=[w.case.pk])).status_code == 403
    assert login(w.foreign_teacher).post(reverse("library:from_case", args=[w.case.pk])).status_code == 404
    response = login(w.colleague).post(reverse("library:from_case", args=[w.case.pk]))
    product = Product.objects.get()
    assert response.status_code == 302 and response["Location"] == product.get_absolute_url()
    assert Author.objects.filter(product=product).count() == 2


def test_the_full_review_through_pages(lib, login):
    w = lib
    product = services.from_case(w.case, actor=w.colleague)
    assert login(w.colleague).post(reverse("library:submit", args=[product.pk])).status_code == 302
    assert (
        login(w.principal).post(reverse("library:assign", args=[product.pk]), {"reviewer": w.parent.pk}).status_code
        == 400
    )
    assert (
        login(w.principal).post(reverse("library:assign", args=[product.pk]), {"reviewer": w.expert.pk}).status_code
        == 302
    )
    review = {**APPROVE, "decision": "approve", "comment": "Clear."}
    assert (
        login(w.expert).post(reverse("library:review", args=[product.pk]), {**review, "clarity": "9"}).status_code
        == 400
    )
    assert login(w.expert).post(reverse("library:review", args=[product.pk]), review).status_code == 302
    assert login(w.principal).post(reverse("library:publish", args=[product.pk])).status_code == 302
    product.refresh_from_db()
    assert product.status == Status.PUBLISHED
    assert Case.objects.get(pk=w.case.pk).stage == Stage.FEEDBACK
    page = login(w.foreign_teacher).get(product.get_absolute_url()).content.decode()
    assert "Did this help?" in page and "Clear." not in page  # comments stay with the authors and reviewers


def test_library_and_product_pages_have_bounded_queries(lib, login):
    w = lib
    first = approved(w)
    services.publish(first, actor=w.principal)
    client = login(w.other_teacher)

    def grow():
        for n in range(5):
            product = services.start(
                actor=w.colleague, title=f"Product {n}", language="ru", body="Текст", school=w.school
            )
            services.submit(product, actor=w.colleague)
            services.assign(product, actor=w.principal, reviewer=w.expert)
            services.review(product, actor=w.expert, scores=APPROVE, decision="approve")
            services.publish(product, actor=w.principal)
            services.rate(product, actor=w.teacher, score=4)
            services.rate(first, actor=w.other_parent, score=3) if n == 0 else None
            services.review  # noqa: B018

    assert_query_bound(lambda: client.get(reverse("library:list")), grow=grow, check=lambda r: r.status_code == 200)
    assert_query_bound(
        lambda: client.get(first.get_absolute_url()),
        grow=lambda: [services.rate(first, actor=p, score=5) for p in (w.student, w.parent, w.supervisor)],
        check=lambda r: r.status_code == 200,
    )


def test_events_are_recorded(lib):
    from halqa.events.models import Event

    w = lib
    product = approved(w)
    services.publish(product, actor=w.principal)
    verbs = set(Event.objects.filter(verb__startswith="product.").values_list("verb", flat=True))
    assert {
        Verb.PRODUCT_CREATED,
        Verb.PRODUCT_SUBMITTED,
        Verb.PRODUCT_REVIEWER_ASSIGNED,
        Verb.PRODUCT_REVIEWED,
        Verb.PRODUCT_PUBLISHED,
    } <= verbs


def test_a_draft_is_unknown_to_the_service_for_outsiders(lib):
    w = lib
    product = services.from_case(w.case, actor=w.colleague)
    with pytest.raises(Http404):
        services.submit(product, actor=w.other_teacher)
    with pytest.raises(Http404):
        services.compare(product, actor=w.student, first=1, second=1)


# --- The API ------------------------------------------------------------------------------------------

API = "/api/v1/products/"


def api_as(user):
    from rest_framework.test import APIClient

    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def test_the_api_goes_the_same_way_with_the_same_permissions(lib):
    w = lib
    answer = api_as(w.colleague).post(f"{API}from-case/", {"case": w.case.pk}, format="json")
    assert answer.status_code == 201, answer.content
    pk = answer.json()["id"]
    assert answer.json()["source_case"] == w.case.pk and answer.json()["status"] == "draft"
    assert api_as(w.foreign_teacher).get(f"{API}{pk}/").status_code == 404
    assert api_as(None).get(f"{API}{pk}/").status_code in (401, 403)
    assert api_as(w.colleague).patch(f"{API}{pk}/", {"title": "x\x00"}, format="json").status_code == 400
    assert api_as(w.colleague).patch(f"{API}{pk}/", {"title": "Better", "note": ""}, format="json").status_code == 400
    answer = api_as(w.colleague).patch(
        f"{API}{pk}/", {"title": "Better", "note": "Title", "body": "<script>x</script>**ok**"}, format="json"
    )
    assert answer.status_code == 200 and "<script" not in answer.json()["body_html"]
    assert "<strong>ok</strong>" in answer.json()["body_html"]
    assert [r["number"] for r in api_as(w.colleague).get(f"{API}{pk}/revisions/").json()] == [2, 1]
    diff = api_as(w.colleague).get(f"{API}{pk}/compare/", {"a": 1, "b": 2}).json()
    assert "<ins>Better</ins>" in diff["title"]
    assert api_as(w.colleague).get(f"{API}{pk}/compare/", {"a": "x"}).status_code == 400
    assert api_as(w.colleague).post(f"{API}{pk}/submit/").status_code == 200
    assert api_as(w.expert).post(f"{API}{pk}/reviewers/", {"reviewer": w.expert.pk}).status_code == 404
    assert api_as(w.principal).post(f"{API}{pk}/reviewers/", {"reviewer": w.parent.pk}).status_code == 400
    assert api_as(w.principal).post(f"{API}{pk}/reviewers/", {"reviewer": w.expert.pk}).status_code == 200
    review = {**APPROVE, "decision": "approve"}
    assert api_as(w.principal).post(f"{API}{pk}/reviews/", review).status_code == 403
    assert api_as(w.expert).post(f"{API}{pk}/reviews/", {**review, "clarity": 0}).status_code == 400
    assert api_as(w.expert).post(f"{API}{pk}/reviews/", review).status_code == 201
    assert api_as(w.colleague).get(f"{API}{pk}/reviews/").json()[0]["decision"] == "approve"
    assert api_as(w.principal).post(f"{API}{pk}/publish/").status_code == 200
    assert Case.objects.get(pk=w.case.pk).stage == Stage.FEEDBACK
    assert api_as(w.foreign_teacher).get(f"{API}{pk}/reviews/").json() == []
    assert api_as(w.foreign_teacher).get(f"{API}{pk}/").json()["source_case"] is None
    assert api_as(w.teacher).post(f"{API}{pk}/rating/", {"score": 4}).status_code == 200
    assert api_as(w.teacher).post(f"{API}{pk}/rating/", {"score": 2, "comment": "meh"}).status_code == 200
    assert Rating.objects.get().score == 2
    search.index("product", pk)
    assert [p["id"] for p in api_as(w.foreign_teacher).get(API, {"q": "Better"}).json()["results"]] == [pk]
    assert api_as(w.foreign_teacher).get(API, {"q": "\x00"}).status_code == 400
    assert api_as(w.teacher).post(f"{API}{pk}/retract/", {"reason": "x"}).status_code == 403
    assert api_as(w.principal).post(f"{API}{pk}/retract/", {"reason": "Wrong"}).status_code == 200
    shown = api_as(w.foreign_teacher).get(f"{API}{pk}/").json()
    assert shown["body_html"] == "" and shown["retract_reason"] == "Wrong"
    assert api_as(w.foreign_teacher).get(API, {"q": "Better"}).json()["results"] == []


def test_the_api_lists_drafts_only_to_those_who_may_see_them(lib):
    w = lib
    product = services.from_case(w.case, actor=w.colleague)
    assert [p["id"] for p in api_as(w.principal).get(API).json()["results"]] == [product.pk]
    assert api_as(w.other_teacher).get(API).json()["results"] == []
    assert api_as(w.student).get(API, {"status": "draft"}).json()["results"] == []


def test_every_route_lets_in_those_who_may_and_keeps_out_the_others(lib, login, client):
    w = lib
    product = approved(w)
    pk = product.pk
    actions = ["submit", "assign", "review", "publish", "retract", "rate"]
    for name in actions:  # an outsider may not know the product in review exists
        assert login(w.foreign_teacher).post(reverse(f"library:{name}", args=[pk]), {}).status_code == 404, name
    client.logout()
    for name in ["new", "list"]:
        assert client.get(reverse(f"library:{name}")).status_code == 302
    for name in ["product", "print", "compare", "edit"]:
        assert client.get(reverse(f"library:{name}", args=[pk])).status_code == 302, name
    assert login(w.foreign_teacher).get(reverse("library:print", args=[pk])).status_code == 404
    assert login(w.principal).get(reverse("library:print", args=[pk])).status_code == 200
    assert login(w.teacher).get(reverse("library:new")).status_code == 200
    response = login(w.teacher).post(reverse("library:new"), {"kind": "article", "audience": "parent", "title": "Notes",
                                                           "language": "en", "licence": "cc-by-4.0"})  # fmt: skip
    assert response.status_code == 302 and Product.objects.filter(title="Notes", created_by=w.teacher).exists()
    assert login(w.teacher).post(reverse("library:new"), {"title": ""}).status_code == 400
    assert login(w.teacher).post(reverse("library:publish", args=[pk])).status_code == 404
    assert login(w.colleague).post(reverse("library:retract", args=[pk]), {"reason": "x"}).status_code == 400
    services.publish(product, actor=w.principal)
    assert login(w.teacher).post(reverse("library:retract", args=[pk]), {"reason": "x"}).status_code == 403
    assert login(w.principal).post(reverse("library:retract", args=[pk]), {"reason": ""}).status_code == 400
    assert login(w.principal).post(reverse("library:retract", args=[pk]), {"reason": "Old"}).status_code == 302
    # the API: anonymous callers are kept out of every operation, an outsider out of a draft's
    anonymous = api_as(None)
    draft = services.start(actor=w.teacher, title="Draft", language="en")
    for method, path in [
        ("get", API),
        ("post", API),
        ("post", f"{API}from-case/"),
        ("get", f"{API}{pk}/"),
        ("patch", f"{API}{pk}/"),
        ("get", f"{API}{pk}/revisions/"),
        ("get", f"{API}{pk}/compare/?a=1&b=1"),
        ("get", f"{API}{pk}/reviews/"),
        ("post", f"{API}{pk}/reviews/"),
        ("post", f"{API}{pk}/reviewers/"),
        ("post", f"{API}{pk}/submit/"),
        ("post", f"{API}{pk}/publish/"),
        ("post", f"{API}{pk}/retract/"),
        ("post", f"{API}{pk}/rating/"),
    ]:
        assert getattr(anonymous, method)(path, {}).status_code in (401, 403), (method, path)
        if f"/{pk}/" in path:
            outsider = getattr(api_as(w.foreign_teacher), method)(path.replace(f"/{pk}/", f"/{draft.pk}/"), {})
            assert outsider.status_code == 404, (method, path)
    assert api_as(w.foreign_teacher).post(f"{API}from-case/", {"case": w.case.pk}).status_code == 404
    answer = api_as(w.teacher).post(API, {"title": "Mine", "language": "ar", "kind": "protocol"}, format="json")
    assert answer.status_code == 201 and answer.json()["can"] == ["attach", "discuss", "edit", "plan", "view"]
    assert api_as(w.teacher).post(API, {"title": "", "language": "ar"}, format="json").status_code == 400
    assert api_as(w.teacher).post(f"{API}{draft.pk}/publish/").status_code == 403
    assert api_as(w.teacher).post(f"{API}{draft.pk}/submit/").status_code == 400  # nothing written yet


def test_authors_add_co_authors_with_their_contribution_but_not_a_reviewer(lib):
    w = lib
    product = services.start(actor=w.teacher, title="Together", language="en", body="Text", school=w.school)
    assert api_as(w.other_teacher).post(f"{API}{product.pk}/authors/", {"user": w.colleague.pk}).status_code == 404
    answer = api_as(w.teacher).post(f"{API}{product.pk}/authors/", {"user": w.colleague.pk, "contribution": "Tables"})
    assert answer.status_code == 200
    assert {"id": w.colleague.pk, "name": w.colleague.display_name, "contribution": "Tables"} in answer.json()[
        "authors"
    ]
    services.submit(product, actor=w.teacher)
    services.assign(product, actor=w.principal, reviewer=w.expert)
    services.review(product, actor=w.expert, scores=APPROVE, decision="changes", comment="More")
    with pytest.raises(ValidationError):
        services.set_author(product, actor=w.teacher, person=w.expert)
    assert api_as(w.teacher).post(f"{API}{product.pk}/authors/", {"user": 999999}).status_code == 400


def test_the_co_author_form_on_the_product_page(lib, login):
    w = lib
    product = services.start(actor=w.teacher, title="Together", language="en", body="Text", school=w.school)
    url = reverse("library:author", args=[product.pk])
    assert 'action="' + url in login(w.teacher).get(product.get_absolute_url()).content.decode()
    assert login(w.other_teacher).post(url, {"user": w.colleague.pk}).status_code == 404
    assert login(w.principal).post(url, {"user": w.colleague.pk}).status_code == 403  # a steward, not an author
    assert login(w.teacher).post(url, {"user": ""}).status_code == 400
    assert login(w.teacher).post(url, {"user": w.colleague.pk, "contribution": "Examples"}).status_code == 302
    assert Author.objects.get(product=product, user=w.colleague).contribution == "Examples"


def test_the_search_reads_the_body_as_its_reader_sees_it(lib):
    """Snippets come from the indexed text: the Markdown rendered and its tags dropped, entities
    read back, so a result shows no "##" or "&amp;"."""
    from halqa.library.search import read_product

    product = services.from_case(lib.case, actor=lib.colleague)
    services.revise(
        product, actor=lib.colleague, body="## Exit tickets\n\nQuestions & answers, **briefly**.", note="Shorter"
    )
    Product.objects.filter(pk=product.pk).update(status=Status.PUBLISHED)
    text = read_product(product.pk).text
    assert "Exit tickets" in text and "Questions & answers, briefly." in text
    assert "##" not in text and "**" not in text and "&amp;" not in text and "<" not in text


def test_cannot_use_it_reopens_the_product_as_a_new_revision_and_can_use_it_leaves_it(lib):
    """Seed 004, stage 7: "cannot use it" sends the case back to drafting and its published product
    back to its authors as a new revision noting why, out of the library until it passes review
    again; the anonymous requester stays unnamed in the product's events."""
    w = lib
    product = approved(w)
    services.publish(product, actor=w.principal)
    assert Case.objects.get(pk=w.case.pk).stage == Stage.FEEDBACK
    before = product.revisions.count()
    case_services.give_feedback(
        Case.objects.get(pk=w.case.pk),
        actor=w.teacher,
        understood=True,
        has_resources=False,
        helpful=2,
        can_use=False,
        comment="We have no printer for the worksheets.",
    )
    product.refresh_from_db()
    assert product.status == Status.DRAFT and Case.objects.get(pk=w.case.pk).stage == Stage.DRAFTING
    latest = product.revisions.order_by("-number").first()
    assert product.revisions.count() == before + 1 and "no printer" in latest.note
    assert services.approvals(product) == 0  # the old approval was for the revision before
    assert not product_access.visible(w.foreign_teacher).filter(pk=product.pk).exists()  # out of the library
    assert product_access.visible(w.colleague).filter(pk=product.pk).exists()  # the authors keep it
    event = Event.objects.get(verb=Verb.PRODUCT_REOPENED, target_id=product.pk)
    assert event.actor_id == w.teacher.pk  # the requester asked under their name here

    # A second round, published again: "I can use it" closes the case and leaves the product alone.
    services.submit(product, actor=w.colleague)
    services.review(product, actor=w.expert, scores=APPROVE, decision="approve")
    w.case = case_services.move(Case.objects.get(pk=w.case.pk), actor=w.colleague, to=Stage.IN_REVIEW)
    services.publish(product, actor=w.principal)
    assert Case.objects.get(pk=w.case.pk).stage == Stage.FEEDBACK
    case_services.give_feedback(
        Case.objects.get(pk=w.case.pk), actor=w.teacher, understood=True, has_resources=True, helpful=5, can_use=True
    )
    product.refresh_from_db()
    assert product.status == Status.PUBLISHED and Case.objects.get(pk=w.case.pk).stage == Stage.CLOSED
