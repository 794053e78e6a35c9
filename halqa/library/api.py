"""The REST side of the library (/api/v1/products/): the same access policy, queries and services as
the pages. A product the caller may not know exists answers 404, an action they may not take 403
with the reason, bad input 400 with the service's sentence per field. A retracted product's text is
never returned; `q` searches published products only."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Avg, Count
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from halqa.accounts.choices import Grade, Subject
from halqa.accounts.models import User
from halqa.accounts.queries import people_visible_to
from halqa.cases.access import case_access
from halqa.cases.models import Audience, Topic
from halqa.discussions.api import NonEmptyFileField
from halqa.search import services as search

from . import queries, services
from .access import MANAGE, product_access
from .api_work import NOT_FOUND, ProductWorkMixin
from .models import Decision, Kind, Licence, Product, ProductAttachment, Status

ATTACHMENT = OpenApiParameter("file_id", int, OpenApiParameter.PATH, description="The file's id.")
CASE_NOT_FOUND = OpenApiResponse(
    response={"$ref": "#/components/schemas/Error"},
    description="The case does not exist or may not be known to the caller.",
)


class ProductSerializer(serializers.ModelSerializer):
    subjects = serializers.ListField(child=serializers.CharField(), source="subject_list", read_only=True)
    grades = serializers.ListField(child=serializers.CharField(), source="grade_list", read_only=True)
    community = serializers.IntegerField(source="community_id", read_only=True, allow_null=True)
    school = serializers.IntegerField(source="school_id", read_only=True, allow_null=True)
    helpful = serializers.FloatField(read_only=True, allow_null=True, help_text="Average answer to 'did this help?'")
    uses = serializers.IntegerField(read_only=True, help_text="How many people used it (read, downloaded, printed, "
                                    "added it as a meeting's source), its authors apart; each person once.")  # fmt: skip

    class Meta:
        model = Product
        fields = [
            "id",
            "kind",
            "audience",
            "title",
            "summary",
            "language",
            "subjects",
            "grades",
            "licence",
            "status",
            "community",
            "school",
            "published_at",
            "helpful",
            "uses",
        ]
        read_only_fields = fields


class ProductAuthorSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user_id")
    name = serializers.CharField(source="user.display_name")
    contribution = serializers.CharField()


class ProductAttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="Where to download it (the people who may see the product).")

    class Meta:
        model = ProductAttachment
        fields = ["id", "name", "size", "content_type", "url"]
        read_only_fields = fields

    def get_url(self, attachment) -> str:
        return attachment.get_absolute_url()


class ProductAttachmentUploadSerializer(serializers.Serializer):
    file = NonEmptyFileField(
        allow_empty_file=False,
        use_url=False,
        help_text="One file per request: pdf, png, jpg, gif, webp, txt, docx, xlsx, pptx, odt, ods, odp. "
        "An image can be shown in the text with ![what it shows](attachment:<id>), and any file linked with "
        "[its name](attachment:<id>).",
    )


class ProductDetailSerializer(ProductSerializer):
    body_html = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    what_failed = serializers.SerializerMethodField()
    authors = ProductAuthorSerializer(many=True, read_only=True)
    topics = serializers.SerializerMethodField()
    source_case = serializers.SerializerMethodField()
    retract_reason = serializers.CharField(read_only=True)
    link = serializers.CharField(read_only=True)
    can = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()

    class Meta(ProductSerializer.Meta):
        fields = [
            *ProductSerializer.Meta.fields,
            "attachments",
            "body",
            "body_html",
            "what_failed",
            "link",
            "authors",
            "topics",
            "source_case",
            "retract_reason",
            "can",
        ]
        read_only_fields = fields

    def _hidden(self, product) -> bool:
        return product.status == Status.RETRACTED

    def get_body(self, product) -> str:
        return "" if self._hidden(product) else product.body

    def get_body_html(self, product) -> str:
        return "" if self._hidden(product) else product.body_html

    def get_what_failed(self, product) -> str:
        return "" if self._hidden(product) else product.what_failed

    @extend_schema_field(ProductAttachmentSerializer(many=True))
    def get_attachments(self, product):
        """A retracted product's files are hidden with its text."""
        if self._hidden(product):
            return []
        return ProductAttachmentSerializer(product.attachments.all(), many=True).data

    def get_topics(self, product) -> list[int]:
        return [topic.pk for topic in product.topics.all()]

    def get_source_case(self, product) -> int | None:
        """The source case's id, only when the caller may see the case."""
        case = queries.case_link(self.context["request"].user, product)
        return case.pk if case else None

    def get_can(self, product) -> list[str]:
        return list(product_access.allowed(self.context["request"].user, product))


class ProductWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)
    audience = serializers.ChoiceField(choices=Audience.choices, required=False)
    title = serializers.CharField(max_length=200, required=False)
    summary = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    body = serializers.CharField(max_length=100_000, required=False, allow_blank=True, trim_whitespace=False)
    what_failed = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    link = serializers.URLField(max_length=500, required=False, allow_blank=True)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    subjects = serializers.ListField(
        child=serializers.ChoiceField(choices=Subject.choices), required=False, max_length=20
    )
    grades = serializers.ListField(child=serializers.ChoiceField(choices=Grade.choices), required=False, max_length=20)
    topics = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1), required=False, max_length=30
    )
    licence = serializers.ChoiceField(choices=Licence.choices, required=False)
    note = serializers.CharField(
        max_length=500, required=False, allow_blank=True, help_text="What changed (revisions)."
    )


class ProductFromCaseSerializer(serializers.Serializer):
    case = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


class ProductFilterSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text="Search published products.")
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)
    audience = serializers.ChoiceField(choices=Audience.choices, required=False)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    subject = serializers.ChoiceField(choices=Subject.choices, required=False)
    grade = serializers.ChoiceField(choices=Grade.choices, required=False)
    sort = serializers.ChoiceField(
        choices=[("new", "newest first"), ("helpful", "most helpful"), ("used", "most used")],
        required=False,
        help_text="The order (without q; a search is ordered by relevance).",
    )


class ProductRevisionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField()
    note = serializers.CharField()
    author = serializers.IntegerField(source="author_id", allow_null=True)
    created_at = serializers.DateTimeField()


class ProductCompareQuerySerializer(serializers.Serializer):
    a = serializers.IntegerField(min_value=1, max_value=1_000_000)
    b = serializers.IntegerField(min_value=1, max_value=1_000_000)


class ProductCompareSerializer(serializers.Serializer):
    title = serializers.CharField(help_text="HTML: escaped words, <del> removed, <ins> added.")
    summary = serializers.CharField()
    body = serializers.CharField()
    what_failed = serializers.CharField()


class ProductScoreSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField(help_text="The criterion as the reviewer saw it.")
    weight = serializers.IntegerField()
    value = serializers.IntegerField()


class ProductReviewInputSerializer(serializers.Serializer):
    scores = serializers.DictField(
        child=serializers.IntegerField(min_value=1, max_value=5),
        required=False,
        help_text="1–5 per criterion key of the product's rubric (GET /api/v1/products/{id}/rubric/).",
    )
    accuracy = serializers.IntegerField(min_value=1, max_value=5, required=False, help_text="Same as scores.accuracy.")
    practicality = serializers.IntegerField(min_value=1, max_value=5, required=False)
    clarity = serializers.IntegerField(min_value=1, max_value=5, required=False)
    standards = serializers.IntegerField(min_value=1, max_value=5, required=False)
    decision = serializers.ChoiceField(choices=Decision.choices)
    comment = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class ProductReviewSerializer(serializers.Serializer):
    scores = ProductScoreSerializer(many=True, source="scores.all")
    accuracy = serializers.SerializerMethodField(help_text="The default rubric's criteria (null when not scored).")
    practicality = serializers.SerializerMethodField()
    clarity = serializers.SerializerMethodField()
    standards = serializers.SerializerMethodField()
    decision = serializers.ChoiceField(choices=Decision.choices)
    comment = serializers.CharField()
    reviewer = serializers.IntegerField(source="reviewer_id", allow_null=True)
    revision = serializers.IntegerField()
    created_at = serializers.DateTimeField()

    def _value(self, review, key) -> int | None:
        return next((s.value for s in review.scores.all() if s.key == key), None)

    def get_accuracy(self, review) -> int | None:
        return self._value(review, "accuracy")

    def get_practicality(self, review) -> int | None:
        return self._value(review, "practicality")

    def get_clarity(self, review) -> int | None:
        return self._value(review, "clarity")

    def get_standards(self, review) -> int | None:
        return self._value(review, "standards")


class ProductAssignSerializer(serializers.Serializer):
    reviewer = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


class ProductCoAuthorSerializer(serializers.Serializer):
    user = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    contribution = serializers.CharField(max_length=300, required=False, allow_blank=True)


class ProductRetractSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ProductRatingSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)


def _topics(ids):
    if ids is None:
        return None
    found = list(Topic.objects.filter(pk__in=sorted(set(ids))))
    if len(found) != len(set(ids)):
        raise serializers.ValidationError({"topics": [_("Choose from the list.")]})
    return found


@extend_schema(tags=["library"])
@extend_schema_view(
    list=extend_schema(parameters=[ProductFilterSerializer], summary="Products you may see (q: search the published)"),
    retrieve=extend_schema(responses=ProductDetailSerializer),
    create=extend_schema(
        request=ProductWriteSerializer, responses={201: ProductDetailSerializer}, summary="Start a product"
    ),
    partial_update=extend_schema(
        request=ProductWriteSerializer, responses=ProductDetailSerializer, summary="Revise a draft (a new revision)"
    ),
)
class ProductViewSet(ProductWorkMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The methodological library: products, revisions, reviews, publishing, ratings."""

    serializer_class = ProductSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]  # delete: a step of the plan

    def get_queryset(self):
        user = self.request.user
        found = product_access.visible(user).annotate(helpful=Avg("ratings__score"), rated=Count("ratings"))
        if self.action != "list":
            return found
        filters = ProductFilterSerializer(data=self.request.query_params.dict())
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        for name in ("status", "kind", "audience", "language"):
            if data.get(name):
                found = found.filter(**{name: data[name]})
        if data.get("subject"):
            found = found.filter(subjects__contains=f",{data['subject']},")
        if data.get("grade"):
            found = found.filter(grades__contains=f",{data['grade']},")
        if data.get("q"):
            ids = search.search_ids(data["q"], kind="product", within=found.filter(status=Status.PUBLISHED), limit=200)
            order = {pk: n for n, pk in enumerate(ids)}
            return sorted(found.filter(pk__in=ids), key=lambda product: order[product.pk])
        if data.get("sort"):
            return queries.ordered(found, data["sort"])
        return found.order_by("-published_at", "-created_at", "-pk")

    def _product(self):
        return product_access.get(self.request.user, self.kwargs["pk"])

    def _detail(self, pk: int, status_code: int = 200) -> Response:
        product = (
            self.get_queryset()
            .select_related("school", "community", "source_case")
            .prefetch_related("authors__user", "topics", "attachments")
            .get(pk=pk)
        )
        return Response(
            ProductDetailSerializer(product, context=self.get_serializer_context()).data, status=status_code
        )

    def retrieve(self, request, pk=None):
        product, _can = self._product()
        return self._detail(product.pk)

    def create(self, request):
        data = ProductWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields.pop("note", None)
        topics = _topics(fields.pop("topics", None))
        product = services.start(actor=request.user, topics=topics, **fields)
        return self._detail(product.pk, status_code=201)

    def partial_update(self, request, pk=None):
        product, _can = self._product()
        data = ProductWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        note = fields.pop("note", "")
        topics = _topics(fields.pop("topics", None))
        services.revise(product, actor=request.user, note=note, topics=topics, **fields)
        return self._detail(product.pk)

    @extend_schema(
        request=ProductFromCaseSerializer,
        responses={201: ProductDetailSerializer, 404: CASE_NOT_FOUND},
        summary="Turn a case's draft into a product",
    )
    @action(detail=False, methods=["post"], url_path="from-case")
    def from_case(self, request):
        data = ProductFromCaseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case, _allowed = case_access.get(request.user, data.validated_data["case"])
        product = services.from_case(case, actor=request.user)
        return self._detail(product.pk, status_code=201)

    @extend_schema(responses=ProductRevisionSerializer(many=True), summary="Every revision, newest first")
    @action(detail=True, methods=["get"], pagination_class=None)
    def revisions(self, request, pk=None):
        product, can = self._product()
        if product.status == Status.RETRACTED and MANAGE not in can:
            return Response([])
        return Response(ProductRevisionSerializer(product.revisions.order_by("-number"), many=True).data)

    @extend_schema(
        parameters=[ProductCompareQuerySerializer],
        responses=ProductCompareSerializer,
        summary="Compare two revisions word by word",
    )
    @action(detail=True, methods=["get"])
    def compare(self, request, pk=None):
        product, _can = self._product()
        query = ProductCompareQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        changes = services.compare(
            product, actor=request.user, first=query.validated_data["a"], second=query.validated_data["b"]
        )
        return Response({name: str(value) for name, value in changes.items()})

    @extend_schema(
        methods=["GET"],
        responses=ProductReviewSerializer(many=True),
        summary="Reviews (for authors, reviewers, stewards)",
    )
    @extend_schema(
        methods=["POST"],
        request=ProductReviewInputSerializer,
        responses={201: ProductReviewSerializer},
        summary="Review the current revision",
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def reviews(self, request, pk=None):
        product, can = self._product()
        if request.method == "GET":
            from .access import authored_by

            if not (queries.sees_reviews(can) or product.pk in authored_by(request.user)):
                return Response([])
            return Response(ProductReviewSerializer(product.reviews.prefetch_related("scores"), many=True).data)
        data = ProductReviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        scores = {k: fields[k] for k in services.RUBRIC if k in fields} | dict(fields.get("scores") or {})
        made = services.review(
            product, actor=request.user, scores=scores, decision=fields["decision"], comment=fields.get("comment", "")
        )
        return Response(ProductReviewSerializer(made).data, status=201)

    @extend_schema(request=ProductAssignSerializer, responses=ProductDetailSerializer, summary="Assign a reviewer")
    @action(detail=True, methods=["post"])
    def reviewers(self, request, pk=None):
        product, can = self._product()
        can.need(MANAGE)
        data = ProductAssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reviewer = User.objects.filter(pk=data.validated_data["reviewer"], is_active=True).first()
        services.assign(product, actor=request.user, reviewer=reviewer)
        return self._detail(product.pk)

    @extend_schema(request=ProductCoAuthorSerializer, responses=ProductDetailSerializer, summary="Add a co-author")
    @action(detail=True, methods=["post"])
    def authors(self, request, pk=None):
        product, _can = self._product()
        data = ProductCoAuthorSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        person = people_visible_to(request.user).filter(pk=data.validated_data["user"]).first()
        services.set_author(
            product, actor=request.user, person=person, contribution=data.validated_data.get("contribution", "")
        )
        return self._detail(product.pk)

    @extend_schema(request=None, responses=ProductDetailSerializer, summary="Submit the draft for review")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        product, _can = self._product()
        services.submit(product, actor=request.user)
        return self._detail(product.pk)

    @extend_schema(request=None, responses=ProductDetailSerializer, summary="Publish (enough approvals needed)")
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        product, _can = self._product()
        services.publish(product, actor=request.user)
        return self._detail(product.pk)

    @extend_schema(request=ProductRetractSerializer, responses=ProductDetailSerializer, summary="Retract with a reason")
    @action(detail=True, methods=["post"])
    def retract(self, request, pk=None):
        product, _can = self._product()
        data = ProductRetractSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.retract(product, actor=request.user, reason=data.validated_data["reason"])
        return self._detail(product.pk)

    @extend_schema(
        request={"multipart/form-data": ProductAttachmentUploadSerializer},
        responses={201: ProductAttachmentSerializer, 404: NOT_FOUND},
        summary="Add a file to the product",
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser], pagination_class=None)
    def attachments(self, request, pk=None):
        """Its authors and stewards add a file while the product is not retracted; the file is checked
        as discussions' files are (type by its content, size, name, how many)."""
        product, _can = self._product()
        data = ProductAttachmentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            added = services.attach(product, actor=request.user, files=[data.validated_data["file"]])
        except ValidationError as error:  # the service speaks of "files"; this endpoint takes one "file"
            raise serializers.ValidationError({"file": error.messages}) from error
        return Response(ProductAttachmentSerializer(added[0]).data, status=201)

    @extend_schema(
        parameters=[ATTACHMENT],
        request=None,
        responses={204: None, 404: NOT_FOUND},
        summary="Remove a file of the product",
    )
    @action(detail=True, methods=["delete"], url_path=r"attachments/(?P<file_id>[0-9]+)", pagination_class=None)
    def attachment(self, request, pk=None, file_id=None):
        product, _can = self._product()
        if not str(file_id).isdigit() or len(str(file_id)) > 18:
            raise Http404
        services.remove_attachment(product, actor=request.user, attachment_id=int(file_id))
        return Response(status=204)

    @extend_schema(
        request=ProductRatingSerializer, responses=ProductRatingSerializer, summary="Did this help? (yours, changeable)"
    )
    @action(detail=True, methods=["post"])
    def rating(self, request, pk=None):
        product, _can = self._product()
        data = ProductRatingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rating = services.rate(product, actor=request.user, **data.validated_data)
        return Response(ProductRatingSerializer(rating).data)
