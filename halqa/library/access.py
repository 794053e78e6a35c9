"""Who may see a product and what they may do with it (the pattern of `halqa/core/access.py`).

* A published or retracted product is known to everyone signed in (a retracted one shows only its
  title and why it was retracted); anonymous visitors read the library only when the deployment
  says so (`LIBRARY_PUBLIC`, handled by the pages, never by this policy).
* A draft or a product in review is seen only by its authors, its assigned reviewers, and its
  stewards: the coordinators of its school (coordinators, principal and deputy, the authority's
  admins) and the facilitators of its community.
* Authors edit a draft (and submit it); an assigned reviewer reviews a product in review; stewards
  assign reviewers, publish and retract; whoever sees a published product may say whether it helped.
* The authors and the stewards add and remove a product's files while it is not retracted.
* Before publishing, the authors and the stewards keep the production plan; assigned reviewers
  comment (on the whole or a passage); authors, reviewers and stewards answer comments.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from halqa.cases.access import _communities, coordinated_schools
from halqa.core import access
from halqa.orgs.access import standing

from .models import Assignment, Author, Product, Status

VIEW = "view"
EDIT = "edit"  # change a draft (a new revision) and submit it for review
REVIEW = "review"
MANAGE = "manage"  # assign reviewers, publish, retract
RATE = "rate"
PLAN = "plan"  # the production plan: add, change, reorder steps, mark them done
COMMENT = "comment"  # a reviewer's comment on the whole or on a passage
DISCUSS = "discuss"  # answer a comment (one level), resolve it
ATTACH = "attach"  # add and remove the product's files

OPEN = (Status.PUBLISHED, Status.RETRACTED)
WORKING = (Status.DRAFT, Status.IN_REVIEW)


def authored_by(user) -> frozenset[int]:
    if user is None or not user.is_authenticated:
        return frozenset()
    return access.cached(
        ("product-authors", user.pk),
        lambda: frozenset(Author.objects.filter(user=user).values_list("product_id", flat=True)),
    )


def reviewed_by(user) -> frozenset[int]:
    if user is None or not user.is_authenticated:
        return frozenset()
    return access.cached(
        ("product-reviewers", user.pk),
        lambda: frozenset(Assignment.objects.filter(reviewer=user).values_list("product_id", flat=True)),
    )


class ProductAccess(access.Policy):
    model = Product
    actions = frozenset({VIEW, EDIT, REVIEW, MANAGE, RATE, PLAN, COMMENT, DISCUSS, ATTACH})
    read_action = VIEW
    refusals = {
        EDIT: _("Only the authors can change a draft."),
        REVIEW: _("Only an assigned reviewer can review a product in review."),
        MANAGE: _("Only the school's coordinators and the community's facilitators can do this."),
        RATE: _("Only a published product can be rated."),
        PLAN: _("Only the authors and the stewards plan a product that is not published yet."),
        COMMENT: _("Only an assigned reviewer comments on a product that is not published yet."),
        DISCUSS: _("Only the authors, the reviewers and the stewards answer review comments."),
        ATTACH: _("Only the authors and the stewards add or remove the files of a product that is not retracted."),
    }

    def stewards(self, user, product: Product) -> bool:
        me = standing(user)
        if me.superuser:
            return True
        if product.school_id and (
            product.school_id in coordinated_schools(me) or product.school.authority_id in me.admin_of
        ):
            return True
        return bool(product.community_id and product.community_id in _communities(user, facilitating=True))

    def grants(self, user, product: Product) -> frozenset[str]:
        if not user.is_authenticated:
            return frozenset()
        author = product.pk in authored_by(user)
        reviewer = product.pk in reviewed_by(user)
        steward = self.stewards(user, product)
        if not (author or reviewer or steward or product.status in OPEN):
            return frozenset()
        actions = {VIEW}
        if author and product.status == Status.DRAFT:
            actions.add(EDIT)
        if reviewer and product.status == Status.IN_REVIEW:
            actions.add(REVIEW)
        if steward:
            actions.add(MANAGE)
        if product.status == Status.PUBLISHED:
            actions.add(RATE)
        if product.status in WORKING:
            if author or steward:
                actions.add(PLAN)
            if reviewer:
                actions.add(COMMENT)
            actions.add(DISCUSS)
        if (author or steward) and product.status != Status.RETRACTED:
            actions.add(ATTACH)
        return frozenset(actions)

    def _steward_q(self, user) -> Q:
        me = standing(user)
        if me.superuser:
            return Q(pk__isnull=False)
        # only the parts this person has: an empty one would still join the schools for every row
        parts = [
            Q(school_id__in=sorted(coordinated_schools(me))) if coordinated_schools(me) else None,
            Q(school__authority_id__in=sorted(me.admin_of)) if me.admin_of else None,
            Q(community_id__in=sorted(communities)) if (communities := _communities(user, facilitating=True)) else None,
        ]
        found = Q(pk__in=[])
        for part in parts:
            if part is not None:
                found |= part
        return found

    def where(self, user, action: str) -> QuerySet[Product]:
        author = Q(pk__in=sorted(authored_by(user)))
        reviewer = Q(pk__in=sorted(reviewed_by(user)))
        steward = self._steward_q(user)
        if action == EDIT:
            return Product.objects.filter(author, status=Status.DRAFT)
        if action == REVIEW:
            return Product.objects.filter(reviewer, status=Status.IN_REVIEW)
        if action == MANAGE:
            return Product.objects.filter(steward)
        if action == RATE:
            return Product.objects.filter(status=Status.PUBLISHED)
        if action == PLAN:
            return Product.objects.filter(author | steward, status__in=WORKING)
        if action == COMMENT:
            return Product.objects.filter(reviewer, status__in=WORKING)
        if action == DISCUSS:
            return Product.objects.filter(author | reviewer | steward, status__in=WORKING)
        if action == ATTACH:
            return Product.objects.filter(author | steward).exclude(status=Status.RETRACTED)
        return Product.objects.filter(author | reviewer | steward | Q(status__in=OPEN))


product_access = access.register(ProductAccess())
