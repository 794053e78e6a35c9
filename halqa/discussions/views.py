"""The HTML side of discussions: thin views over queries.py and services.py.

The thread itself is shown by the host's page through `{% discussion host %}`; these views take
the forms it posts (answering with the thread fragment to htmx), the edit page, downloads and the
people picker. Every one starts from the thread's host policy: 404 if it cannot be read.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import services
from .forms import EditForm, PostForm, add_errors
from .queries import (
    PAGE_PARAMETER,
    Discussion,
    attachment_or_404,
    discussion_or_404,
    find_parent,
    form_limits,
    link_to,
    people_to_mention,
    post_or_404,
    thread_page,
)
from .richtext import mention_token
from .uploads import file_response


def _refuse_writing(discussion: Discussion) -> None:
    if not discussion.can_post:
        raise PermissionDenied(_("You can read this discussion but not write in it."))


def _thread_fragment(request: HttpRequest, discussion: Discussion, form: PostForm, status: int = 200, **extra):
    page = request.POST.get(PAGE_PARAMETER) if status != 200 else None
    context = {**thread_page(discussion, page), "form": form, **extra}
    return render(request, "discussions/_thread.html", context, status=status)


def _form_again(request: HttpRequest, discussion: Discussion, form: PostForm) -> HttpResponse:
    """A refused post: the thread with the form and its errors (htmx), or a page with just the form."""
    if request.htmx and not form.data.get("parent"):
        return _thread_fragment(request, discussion, form, status=400)
    context = {
        "discussion": discussion,
        "thread": discussion.thread,
        "form": form,
        "form_id": f"d{discussion.thread.pk}-again",
        "parent_id": form.data.get("parent", ""),
        **form_limits(),
    }
    return render(request, "discussions/post_form.html", context, status=400)


@login_required
@require_POST
def create_post(request: HttpRequest, pk: int) -> HttpResponse:
    discussion = discussion_or_404(request.user, pk)
    _refuse_writing(discussion)
    form = PostForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            parent = find_parent(discussion.thread, data["parent"])
            post = services.add_post(request.user, discussion.thread, data["body"], parent=parent, files=data["files"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            if request.htmx:
                return _thread_fragment(request, discussion, PostForm(), posted=post)
            messages.success(request, _("Your post was published."))
            return redirect(link_to(post, discussion))
    return _form_again(request, discussion, form)


@login_required
@require_GET
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    """The form to answer one post: dropped under the post by htmx, or a page of its own without it."""
    post, discussion = post_or_404(request.user, pk)
    if post.is_deleted:
        raise Http404(_("This post was deleted."))
    _refuse_writing(discussion)
    context = {
        "discussion": discussion,
        "thread": discussion.thread,
        "post": post,
        "parent": post,
        "form": None,
        "form_id": f"d{discussion.thread.pk}-reply-{post.pk}",
        **form_limits(),
    }
    template = "discussions/_reply_form.html" if request.htmx else "discussions/reply.html"
    return render(request, template, context)


@login_required
def edit_post(request: HttpRequest, pk: int) -> HttpResponse:
    post, discussion = post_or_404(request.user, pk)
    if post.is_deleted:
        raise Http404(_("This post was deleted."))
    if not discussion.may_edit(post):
        raise PermissionDenied(_("Only its author can change a post."))
    form = EditForm(request.POST if request.method == "POST" else None, initial={"body": post.body})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.edit_post(request.user, post, form.cleaned_data["body"])
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("Your post was saved."))
                return redirect(link_to(post, discussion))
        status = 400
    context = {"discussion": discussion, "thread": discussion.thread, "post": post, "form": form}
    return render(request, "discussions/post_edit.html", context, status=status)


@login_required
@require_POST
def delete_post(request: HttpRequest, pk: int) -> HttpResponse:
    post, discussion = post_or_404(request.user, pk)
    services.delete_post(request.user, post)
    messages.success(request, _("The post was deleted."))
    return redirect(link_to(post, discussion))


@login_required
@require_GET
def download(request: HttpRequest, pk: int) -> FileResponse:
    """An attachment, only for people who may read its thread, always as a download."""
    return file_response(attachment_or_404(request.user, pk))


@login_required
@require_GET
def mentionable(request: HttpRequest, pk: int) -> HttpResponse:
    """The people picker's results: buttons that insert a mention token (htmx fragment)."""
    discussion = discussion_or_404(request.user, pk)
    _refuse_writing(discussion)
    query = request.GET.get("q", "")[:100]
    people = [(person, mention_token(person)) for person in people_to_mention(discussion, query)]
    return render(request, "discussions/_mentionable.html", {"people": people, "query": query.strip()})
