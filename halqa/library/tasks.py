"""The library's work in the task queue: rendering a product's PDF (halqa.library.pdf)."""

from django_tasks import task


@task()
def render_pdf(product_id: int) -> str:
    """Render the product's PDF unless it is there already; "gone" for a product deleted since."""
    from . import pdf
    from .models import Product

    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        return "gone"
    return pdf.build(product)
