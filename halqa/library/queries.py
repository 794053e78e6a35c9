"""Reading the library: every list starts from what the person may see (`ProductAccess`)."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db.models import Avg, Count, QuerySet

from halqa.cases.access import case_access
from halqa.search import services as search

from .access import MANAGE, VIEW, product_access
from .models import Decision, Product, Status


def published_for(user) -> QuerySet[Product]:
    """The published products this person (or, per `LIBRARY_PUBLIC`, an anonymous visitor) may read."""
    if user is not None and user.is_authenticated:
        return product_access.rows(user, VIEW).filter(status=Status.PUBLISHED)
    if getattr(settings, "LIBRARY_PUBLIC", False):
        return Product.objects.filter(status=Status.PUBLISHED)
    return Product.objects.none()


def library(user, *, q: str = "", kind="", audience="", subject="", grade="", language="", topic=None,
            community=None, school=None, sort: str = "new"):  # fmt: skip
    """(products, snippets by id): filtered, ordered newest first, by helpfulness, or by relevance."""
    found = published_for(user)
    if kind:
        found = found.filter(kind=kind)
    if audience:
        found = found.filter(audience=audience)
    if subject:
        found = found.filter(subjects__contains=f",{subject},")
    if grade:
        found = found.filter(grades__contains=f",{grade},")
    if language:
        found = found.filter(language=language)
    if topic is not None:
        found = found.filter(topics=topic)
    if community is not None:
        found = found.filter(community=community)
    if school is not None:
        found = found.filter(school=school)
    annotated = found.select_related("school", "community").annotate(
        helpful=Avg("ratings__score"), rated=Count("ratings", distinct=True)
    )
    if q:
        # the search sees the plain filtered set (no join to the ratings in its subquery)
        snippets: dict = {}
        return Ranked(search.search_ids(q, kind="product", within=found, limit=FOUND), annotated, q, snippets), snippets
    return ordered(annotated, sort), {}


FOUND = 100  # products a search lists at most (five pages)


class Ranked(Sequence):
    """A search's products in the order of relevance, for a Paginator: the ids are ranked up front
    (tokens only); the products and their snippets (the only text read) are fetched for the slice a
    page takes, and the snippets are put into the shared `snippets` dict by object id."""

    def __init__(self, ids: list[int], products: QuerySet[Product], query: str, snippets: dict):
        self.ids, self.products, self.query, self.snippets = ids, products, query, snippets

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0] if index >= 0 else list(self)[index]  # IndexError past the end
        ids = self.ids[index]
        by_id = {product.pk: product for product in self.products.filter(pk__in=ids)}
        self.snippets.update(search.hits(self.query, kind="product", object_ids=ids))
        return [by_id[pk] for pk in ids if pk in by_id]

    def __iter__(self):
        return iter(self[:])

    def __eq__(self, other) -> bool:
        return list(self) == list(other) if isinstance(other, (list, tuple, Ranked)) else NotImplemented

    __hash__ = None


SORTS = {
    "new": ("-published_at", "-pk"),
    "helpful": ("-helpful", "-rated", "-published_at", "-pk"),
    # how many people used it (services.record_use), newest first among equals
    "used": ("-uses", "-published_at", "-pk"),
}


def ordered(found: QuerySet[Product], sort: str = "new") -> QuerySet[Product]:
    """Newest first, most helpful (needs the `helpful` and `rated` annotations) or most used; each
    ends with the id, so pages never repeat or skip a product."""
    return found.order_by(*SORTS.get(sort or "new", SORTS["new"]))


def get_for(user, pk: int):
    """(product, allowed) for the product page; anonymous visitors get published products when the
    library is public (with no actions)."""
    from django.http import Http404

    from halqa.core.access import Allowed

    if user is None or not user.is_authenticated:
        if not getattr(settings, "LIBRARY_PUBLIC", False):
            raise Http404
        product = Product.objects.filter(pk=pk, status__in=(Status.PUBLISHED, Status.RETRACTED)).first()
        if product is None:
            raise Http404
        return product, Allowed(product_access, {VIEW}, product)
    return product_access.get(user, pk, Product.objects.select_related("school", "community", "source_case"))


def review_summary(product: Product) -> dict:
    """How many reviews and approvals, the mean score per criterion (in the order of the newest
    review's rubric, labels in the reader's language) and the weighted overall mean. Two queries."""
    from .models import Score
    from .rubrics import label

    reviews = list(product.reviews.order_by("-created_at", "-pk").values_list("pk", "decision"))
    if not reviews:
        return {"count": 0}
    scores = list(
        Score.objects.filter(review__product=product)
        .select_related("criterion")
        .order_by("-review__created_at", "-review_id", "pk")
    )
    by_key: dict[str, list] = {}
    for score in scores:
        by_key.setdefault(score.key, []).append(score)
    criteria = [
        {
            "key": key,
            "label": label(key, rows[0].label, rows[0].criterion.labels if rows[0].criterion else None),
            "mean": round(sum(r.value for r in rows) / len(rows), 1),
        }
        for key, rows in by_key.items()
    ]
    weighted = sum(s.value * s.weight for s in scores)
    weights = sum(s.weight for s in scores)
    return {
        "count": len(reviews),
        "approvals": sum(1 for _pk, decision in reviews if decision == Decision.APPROVE),
        "criteria": criteria,
        "overall": round(weighted / weights, 1) if weights else None,
        **{c["key"]: c["mean"] for c in criteria},
    }


def sees_reviews(allowed) -> bool:
    """Reviews in full (comments, who wrote them) for authors, reviewers and stewards."""
    return bool({"edit", "review", MANAGE} & set(allowed.names))


def case_link(user, product: Product):
    """The source case, when the viewer may see it (else None: the page names no case)."""
    case = product.source_case
    if case is None or user is None or not user.is_authenticated:
        return None
    return case if case_access.allowed(user, case) else None
