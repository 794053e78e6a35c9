from django.shortcuts import render

from .models import Item


def items(request, bucket: int):
    rows = list(Item.objects.filter(bucket=bucket).order_by("id"))
    return render(request, "ceiling/items.html", {"bucket": bucket, "rows": rows})
