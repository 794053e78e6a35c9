"""Read helpers: a thread as one person sees it, and a page of it in a fixed number of queries.

`Discussion` bundles a thread with its host and the host's policy, and remembers the policy's
answers for one person, so a page asks each question once however many posts it shows.
"""

from __future__ import annotations

import math
from functools import cached_property

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Model, Q, QuerySet, prefetch_related_objects
from django.http import Http404
from django.utils.translation import gettext as _

from halqa.accounts.models import User

from . import registry
from .models import Attachment, Post, Thread
from .uploads import ALLOWED_EXTENSIONS, KINDS, MAX_ATTACHMENTS, max_bytes

POSTS_PER_PAGE = 10  # conversations per page: the page that hosts a discussion shows other things too
MAX_NESTING = 3  # replies are indented at most this many levels; deeper ones line up at the last level
PICKER_LIMIT = 8
PAGE_PARAMETER = "discussion_page"


class Discussion:
    """A thread, its host and the host's policy, seen by `user`."""

    def __init__(self, thread: Thread, host: Model, policy: registry.HostPolicy, user: User):
        self.thread = thread
        self.host = host
        self.policy = policy
        self.user = user

    @cached_property
    def can_read(self) -> bool:
        return bool(self.user.is_authenticated and self.user.is_active and self.policy.can_read(self.user, self.host))

    @cached_property
    def can_post(self) -> bool:
        return self.can_read and bool(self.policy.can_post(self.user, self.host))

    @cached_property
    def can_moderate(self) -> bool:
        return self.can_read and bool(self.policy.can_moderate(self.user, self.host))

    @cached_property
    def url(self) -> str:
        return self.policy.url(self.host)

    @cached_property
    def title(self) -> str:
        return str(self.policy.title(self.host))

    def may_edit(self, post: Post) -> bool:
        return not post.is_deleted and post.author_id == self.user.pk and self.can_post

    def may_delete(self, post: Post) -> bool:
        """Authors may delete their own posts while they can read the thread; moderators anyone's."""
        return self.can_read and (post.author_id == self.user.pk or self.can_moderate)

    def mentionable(self) -> QuerySet[User]:
        if not self.can_post:
            return User.objects.none()
        return self.policy.mentionable(self.user, self.host).filter(is_active=True)


def discussion_of(thread: Thread, user: User) -> Discussion | None:
    """The thread seen by `user`, or None when its host is gone or no longer has a policy."""
    host = thread.host
    if host is None or not registry.is_registered(host):
        return None
    return Discussion(thread, host, registry.policy_for(host), user)


def discussion_for_host(host: Model, user: User) -> Discussion | None:
    """The host's discussion if `user` may read it (creating the thread the first time), else None."""
    from .services import thread_for

    policy = registry.policy_for(host)
    if not (user.is_authenticated and user.is_active and policy.can_read(user, host)):
        return None
    discussion = Discussion(thread_for(host), host, policy, user)
    discussion.can_read = True  # already asked above
    return discussion


def readable_discussion(user: User, thread: Thread | None) -> Discussion:
    """The thread's discussion for `user`, or 404 when it does not exist for them."""
    discussion = discussion_of(thread, user) if thread is not None else None
    if discussion is None or not discussion.can_read:
        raise Http404(_("There is no such discussion."))
    return discussion


def discussion_or_404(user: User, thread_id: int) -> Discussion:
    thread = Thread.objects.select_related("host_type").filter(pk=thread_id).first()
    return readable_discussion(user, thread)


def post_or_404(user: User, post_id: int) -> tuple[Post, Discussion]:
    """A post and its discussion, or 404 if `user` may not read that discussion."""
    post = Post.objects.select_related("thread__host_type", "author").filter(pk=post_id).first()
    discussion = readable_discussion(user, post.thread if post else None)
    return post, discussion


def attachment_or_404(user: User, attachment_id: int) -> Attachment:
    attachment = (
        Attachment.objects.select_related("post__thread__host_type")
        .filter(pk=attachment_id, post__is_deleted=False)
        .first()
    )
    readable_discussion(user, attachment.post.thread if attachment else None)
    return attachment


def find_parent(thread: Thread, parent_id: int | None) -> Post | None:
    """The post being answered, looked up in this thread only (an id from elsewhere is refused)."""
    if parent_id is None:
        return None
    parent = Post.objects.filter(pk=parent_id, thread=thread).first()
    if parent is None:
        raise ValidationError({"parent": _("The post you are replying to is not in this discussion.")})
    return parent


def conversations(thread: Thread) -> QuerySet[Post]:
    """Top-level posts, the conversation with the newest activity last."""
    return (
        Post.objects.filter(thread=thread, root__isnull=True)
        .select_related("author")
        .order_by("last_activity_at", "id")
    )


def _page_number(raw, num_pages: int) -> int:
    """The page asked for, or the last one (where the newest activity is) when none or nonsense is asked."""
    try:
        number = int(raw)
    except (TypeError, ValueError):
        return num_pages
    return min(max(number, 1), num_pages)


def _arrange(top: list[Post], replies: list[Post]) -> None:
    """Give each post `level` and `shown_replies`: a tree at most MAX_NESTING replies deep.

    A reply deeper than that is shown among the replies at the last level, in time order,
    with `reply_to` naming the post it answers.
    """
    by_id = {post.pk: post for post in [*top, *replies]}
    for post in by_id.values():
        post.shown_replies = []
        post.reply_to = None
    for post in top:
        post.level = 0
        post.shown_under = None
    for reply in replies:  # in time order, so parents come first
        parent = by_id.get(reply.parent_id)
        if parent is None:
            continue
        holder = parent
        if parent.level >= MAX_NESTING:
            holder = by_id.get(parent.shown_under, parent)
            reply.reply_to = parent
        reply.level = holder.level + 1
        reply.shown_under = holder.pk
        holder.shown_replies.append(reply)


def thread_page(discussion: Discussion, page_number=None) -> dict:
    """What the thread template needs for one page, in five queries whatever the data.

    Queries: count of conversations, the page of them, all their replies, all the attachments.
    (The thread and the policy's questions come on top.) Mentions need none: they are in body_html.
    """
    paginator = Paginator(conversations(discussion.thread), POSTS_PER_PAGE)
    page: Page = paginator.page(_page_number(page_number, paginator.num_pages))
    top = list(page.object_list)
    replies = list(
        Post.objects.filter(root__in=[post.pk for post in top]).select_related("author").order_by("created_at", "id")
    )
    everything = [*top, *replies]
    prefetch_related_objects(everything, "attachments")
    _arrange(top, replies)
    for post in everything:
        post.can_edit = discussion.may_edit(post)
        post.can_delete = not post.is_deleted and discussion.may_delete(post)
    return {
        "discussion": discussion,
        "thread": discussion.thread,
        "page": page,
        "posts": top,
        "previous_url": page_url(discussion, page.number - 1) if page.has_previous() else "",
        "next_url": page_url(discussion, page.number + 1) if page.has_next() else "",
        "form_id": f"d{discussion.thread.pk}-new",
        **form_limits(),
    }


def form_limits() -> dict:
    """What the post form tells people about attachments."""
    return {
        "max_files": MAX_ATTACHMENTS,
        "max_file_size": max_bytes(),
        "file_types": ALLOWED_EXTENSIONS,
        "file_accept": ",".join(f".{extension}" for extension in KINDS),
    }


def page_url(discussion: Discussion, number: int) -> str:
    url = discussion.url
    return url + ("&" if "?" in url else "?") + f"{PAGE_PARAMETER}={number}#discussion-{discussion.thread.pk}"


def page_of(post: Post) -> tuple[int, int]:
    """(the page showing `post`'s conversation, the number of pages)."""
    root_id = post.root_id or post.pk
    root = Post.objects.filter(pk=root_id).values("last_activity_at").first()
    all_conversations = Post.objects.filter(thread_id=post.thread_id, root__isnull=True)
    total = all_conversations.count()
    if root is None:
        return 1, 1
    before = all_conversations.filter(
        Q(last_activity_at__lt=root["last_activity_at"]) | Q(last_activity_at=root["last_activity_at"], id__lt=root_id)
    ).count()
    return before // POSTS_PER_PAGE + 1, max(1, math.ceil(total / POSTS_PER_PAGE))


def link_to(post: Post, discussion: Discussion) -> str:
    """The host page, on the right page of the thread, scrolled to the post."""
    number, num_pages = page_of(post)
    url = discussion.url
    if number != num_pages:
        url += ("&" if "?" in url else "?") + f"{PAGE_PARAMETER}={number}"
    return f"{url}#post-{post.pk}"


def people_to_mention(discussion: Discussion, text: str) -> list[User]:
    """People the viewer may mention whose name contains `text` (the picker under the text box)."""
    text = " ".join(text.split())[:100]
    if not text:
        return []
    people = discussion.mentionable().filter(display_name__icontains=text)
    return list(people.order_by("display_name", "id")[:PICKER_LIMIT])
