from django.conf import settings
from django.utils.translation import get_language, get_language_bidi


def site(request):
    return {
        "LANGUAGE_DIR": "rtl" if get_language_bidi() else "ltr",
        "CURRENT_LANGUAGE": get_language(),
        "SITE_LANGUAGES": settings.LANGUAGES,
    }
