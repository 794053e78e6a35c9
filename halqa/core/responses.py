"""What every answer to a signed-in person carries: it is theirs, so no cache may keep it.

A page or an API answer for a signed-in person holds what only they may see (a parent's name, a
members-only discussion). `Cache-Control: private, no-store` keeps it out of shared proxies and out
of the browser's disk cache, where the next person at a school's shared computer could find it. An
answer that sets its own Cache-Control (file downloads, /healthz) keeps it.
"""

from __future__ import annotations

from django.utils.cache import patch_cache_control


class PrivateResponsesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response


class RefuseTraceMiddleware:
    """TRACE (and CONNECT) are answered 405 on every page.

    Page views that take any method would otherwise answer TRACE like GET. Nothing is echoed either
    way, but a method no page uses has no business reaching a view. The API refuses them itself,
    with the `Allow` header its schema documents, so /api/ is left to it.
    """

    REFUSED = frozenset({"TRACE", "CONNECT"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in self.REFUSED and not request.path_info.startswith("/api/"):
            from django.http import HttpResponseNotAllowed

            return HttpResponseNotAllowed(["GET", "HEAD", "POST", "OPTIONS"])
        return self.get_response(request)


class RequestLanguageMiddleware:
    """Every request starts in the language it asks for (cookie, then Accept-Language).

    Django keeps the active language per thread, and LocaleMiddleware only sets it once sessions have
    been read. An answer made before that (a body too large, input refused while the form is read)
    would otherwise speak whatever language the thread's previous request left behind. LocaleMiddleware
    and the person's own preference refine it later in the stack.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils import translation

        translation.activate(translation.get_language_from_request(request))
        return self.get_response(request)
