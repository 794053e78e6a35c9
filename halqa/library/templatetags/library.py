"""The library's card on a case page: the case's products, and "Turn the draft into a product"."""

from django import template

from halqa.library.access import product_access
from halqa.library.models import Status
from halqa.library.services import may_turn_into_product

register = template.Library()


@register.inclusion_tag("library/_case_card.html", takes_context=True)
def library_for_case(context, case, can):
    user = context["request"].user
    products = list(product_access.visible(user).filter(source_case=case).order_by("-created_at"))
    may_start = (
        may_turn_into_product(user, case)
        and not any(p.status != Status.RETRACTED for p in products)
        and case.drafts.exists()
    )
    return {"case": case, "products": products, "may_start": may_start, "csrf_token": context.get("csrf_token")}
