"""The library's card on a case page: the case's products, and "Turn the draft into a product"."""

from django import template

from halqa.library.access import product_access
from halqa.library.models import Product, Status
from halqa.library.services import may_turn_into_product

register = template.Library()


@register.inclusion_tag("library/_case_card.html", takes_context=True)
def library_for_case(context, case, can):
    user = context["request"].user
    # Most cases have no product: one query then, and the reader's visible set only when there is one.
    products = list(Product.objects.filter(source_case=case).order_by("-created_at"))
    if products:
        visible = set(product_access.visible(user).filter(source_case=case).values_list("pk", flat=True))
        products = [product for product in products if product.pk in visible]
    # The case page has read its drafts already (the records' card): its latest, or None.
    has_draft = context["draft_latest"] is not None if "draft_latest" in context else case.drafts.exists()
    may_start = (
        may_turn_into_product(user, case) and not any(p.status != Status.RETRACTED for p in products) and has_draft
    )
    return {"case": case, "products": products, "may_start": may_start, "csrf_token": context.get("csrf_token")}


@register.simple_tag
def criterion_label(score) -> str:
    """A review's score's criterion in the reader's language (as the reviewer saw it, else its own
    label for this language, or the built-in translation of a default criterion)."""
    from halqa.library.rubrics import label

    return label(score.key, score.label, score.criterion.labels if score.criterion else None)
