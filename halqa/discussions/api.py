"""The REST side of discussions: the same host policies, queries and services as the pages.

    GET    /api/v1/threads/{id}/               what the thread is about (host type, title, url)
    GET    /api/v1/threads/{id}/posts/         its posts, oldest first, paginated
    POST   /api/v1/threads/{id}/posts/         {"body": "...", "parent": id | null}
    GET    /api/v1/posts/{id}/                 one post
    PATCH  /api/v1/posts/{id}/                 {"body": "..."}: the author changes it
    DELETE /api/v1/posts/{id}/                 the author or a moderator deletes it
    POST   /api/v1/posts/{id}/attachments/     multipart "file": the author attaches a file (five at most)

A thread whose host the caller may not read answers 404; a write the host does not allow, 403.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from halqa.core.input import MultiPartParser

from . import services
from .models import Attachment, Post
from .queries import Discussion, discussion_or_404, find_parent, post_or_404

MAX_ID = 2**63 - 1
ID_PATTERN = "[0-9]{1,18}"  # an id the database can hold; anything else is a 404 before the view
ID = OpenApiParameter("id", OpenApiTypes.INT64, OpenApiParameter.PATH, description="The thread's or post's id.")


class BodyField(serializers.CharField):
    """A post's text: at least one visible character (as services.clean_body). A NUL never gets here:
    the API's parsers refuse it (halqa.core.input)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", services.MAX_BODY_LENGTH)
        kwargs.setdefault("help_text", _("The post's text, in the Markdown subset the pages accept."))
        super().__init__(**kwargs)
        self.validators.append(RegexValidator(r"\S", message=_("Please write something before posting."), code="empty"))


class AuthorSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    display_name = serializers.CharField(read_only=True)


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text=_("Where to download it (signed-in readers of the thread)."))

    class Meta:
        model = Attachment
        fields = ["id", "name", "size", "content_type", "url"]
        read_only_fields = fields

    def get_url(self, attachment) -> str:
        return reverse("discussions:attachment", args=[attachment.pk])


class PostSerializer(serializers.ModelSerializer):
    author = AuthorSerializer(read_only=True, allow_null=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    mentions = serializers.SerializerMethodField(help_text=_("Ids of the people linked in the post."))

    class Meta:
        model = Post
        fields = [
            "id",
            "thread",
            "parent",
            "depth",
            "author",
            "body",
            "body_html",
            "created_at",
            "edited_at",
            "is_deleted",
            "attachments",
            "mentions",
        ]
        read_only_fields = fields

    def get_mentions(self, post) -> list[int]:
        return sorted(mention.user_id for mention in post.mentions.all())


class NewPostSerializer(serializers.Serializer):
    body = BodyField()
    parent = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_ID, help_text=_("The post answered, if a reply.")
    )


class PostChangeSerializer(serializers.Serializer):
    body = BodyField(required=False)  # PATCH: leaving it out changes nothing


@extend_schema_field({"type": "string", "format": "binary", "minLength": 1})
class NonEmptyFileField(serializers.FileField):
    """A file with at least one byte: an empty one is not sent as a file at all by the multipart
    parser, so the schema says what the view takes."""


class AttachmentUploadSerializer(serializers.Serializer):
    file = NonEmptyFileField(
        allow_empty_file=False,
        use_url=False,
        help_text=_(
            "One file per request, up to five per post: pdf, png, jpg, gif, webp, txt, docx, xlsx, pptx, odt, ods, odp."
        ),
    )

    def validate(self, attrs):
        if len(self.initial_data.getlist("file")) > 1:
            raise serializers.ValidationError({"file": [_("Send one file per request.")]})
        return attrs


ThreadSerializer = inline_serializer(
    "Thread",
    {
        "id": serializers.IntegerField(),
        "host_type": serializers.CharField(help_text=_('The host\'s model, e.g. "communities.community".')),
        "title": serializers.CharField(),
        "url": serializers.CharField(help_text=_("The page that shows the discussion.")),
        "created_at": serializers.DateTimeField(),
        "can_post": serializers.BooleanField(),
        "can_moderate": serializers.BooleanField(),
    },
)


def _thread_data(discussion: Discussion) -> dict:
    thread = discussion.thread
    return {
        "id": thread.pk,
        "host_type": thread.host_label,
        "title": discussion.title,
        "url": discussion.url,
        "created_at": thread.created_at,
        "can_post": discussion.can_post,
        "can_moderate": discussion.can_moderate,
    }


def _with_details(posts):
    return posts.select_related("author").prefetch_related("attachments", "mentions")


def _refuse_writing(discussion: Discussion) -> None:
    if not discussion.can_post:
        raise PermissionDenied(_("You can read this discussion but not write in it."))


@extend_schema(tags=["discussions"], parameters=[ID])
class ThreadViewSet(viewsets.GenericViewSet):
    """Discussions attached to communities (and later cases and library items)."""

    lookup_value_regex = ID_PATTERN
    serializer_class = PostSerializer
    queryset = Post.objects.none()  # for the schema; every lookup goes through the host's policy

    def _discussion(self) -> Discussion:
        return discussion_or_404(self.request.user, int(self.kwargs["pk"]))

    @extend_schema(responses=ThreadSerializer)
    def retrieve(self, request, pk=None):
        return Response(_thread_data(self._discussion()))

    @extend_schema(methods=["GET"], responses=PostSerializer(many=True))
    @extend_schema(methods=["POST"], request=NewPostSerializer, responses={201: PostSerializer})
    @action(detail=True, methods=["get", "post"])
    def posts(self, request, pk=None):
        discussion = self._discussion()
        if request.method == "GET":
            posts = _with_details(Post.objects.filter(thread=discussion.thread).order_by("created_at", "id"))
            page = self.paginate_queryset(posts)
            return self.get_paginated_response(PostSerializer(page, many=True).data)
        _refuse_writing(discussion)
        incoming = NewPostSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        parent = find_parent(discussion.thread, incoming.validated_data.get("parent"))
        post = services.add_post(request.user, discussion.thread, incoming.validated_data["body"], parent=parent)
        return Response(PostSerializer(_with_details(Post.objects.filter(pk=post.pk)).get()).data, status=201)


@extend_schema(tags=["discussions"], parameters=[ID])
class PostViewSet(viewsets.GenericViewSet):
    """Single posts: read by the thread's readers, changed by their author, deleted by author or moderator."""

    lookup_value_regex = ID_PATTERN
    serializer_class = PostSerializer
    queryset = Post.objects.none()
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def _post(self) -> tuple[Post, Discussion]:
        return post_or_404(self.request.user, int(self.kwargs["pk"]))

    def _answer(self, post: Post, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(PostSerializer(_with_details(Post.objects.filter(pk=post.pk)).get()).data, status=status_code)

    def retrieve(self, request, pk=None):
        post, _discussion = self._post()
        return self._answer(post)

    @extend_schema(request=PostChangeSerializer, responses=PostSerializer)
    def partial_update(self, request, pk=None):
        post, discussion = self._post()
        if post.author_id != request.user.pk or not discussion.can_post:
            raise PermissionDenied(_("Only its author can change a post."))
        incoming = PostChangeSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        if "body" in incoming.validated_data:
            post = services.edit_post(request.user, post, incoming.validated_data["body"])
        return self._answer(post)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request, pk=None):
        post, _discussion = self._post()
        services.delete_post(request.user, post)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request={"multipart/form-data": AttachmentUploadSerializer}, responses={201: PostSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def attachments(self, request, pk=None):
        post, discussion = self._post()
        if post.author_id != request.user.pk or not discussion.can_post:
            raise PermissionDenied(_("Only its author can add files to a post."))
        incoming = AttachmentUploadSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            post = services.add_attachments(request.user, post, [incoming.validated_data["file"]])
        except ValidationError as error:  # the service speaks of "files"; this endpoint takes one "file"
            raise serializers.ValidationError({"file": error.messages}) from error
        return self._answer(post, status.HTTP_201_CREATED)
