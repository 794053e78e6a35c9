"""The REST side of a product's production plan (/api/v1/products/{id}/steps/), its review comments
(/api/v1/products/{id}/comments/) and the review rubrics (/api/v1/rubrics/). The same services as
the pages: a product the caller may not know answers 404, an action they may not take 403 with the
reason, bad input 400 with the service's sentence per field."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from halqa.orgs.models import Authority, School

from . import comments, plan, queries, rubrics
from .access import authored_by
from .models import Comment, Criterion, Rubric

STEP = OpenApiParameter("step", int, OpenApiParameter.PATH, description="The step's id.")
COMMENT = OpenApiParameter("comment", int, OpenApiParameter.PATH, description="The comment's id (a thread's first).")
CRITERION = OpenApiParameter("criterion", int, OpenApiParameter.PATH, description="The criterion's id.")
NOT_FOUND = OpenApiResponse(
    response={"$ref": "#/components/schemas/Error"},
    description="The product, step or comment does not exist or may not be known to the caller.",
)


# --- Serializers ------------------------------------------------------------------------------------


class ProductStepSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    position = serializers.IntegerField(read_only=True, help_text="0 first.")
    title = serializers.CharField(max_length=200, trim_whitespace=False)
    due = serializers.DateField()
    owner = serializers.IntegerField(
        source="owner_id", allow_null=True, required=False, min_value=1, max_value=2**31 - 1
    )
    done_at = serializers.DateTimeField(read_only=True, allow_null=True)


class ProductStepChangeSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, trim_whitespace=False)
    due = serializers.DateField(required=False)
    owner = serializers.IntegerField(allow_null=True, required=False, min_value=1, max_value=2**31 - 1)


class ProductStepMoveSerializer(serializers.Serializer):
    position = serializers.IntegerField(min_value=0, max_value=1000, help_text="The new place, 0 first.")


class ProductCommentAnswerSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    author = serializers.IntegerField(source="author_id", read_only=True, allow_null=True)
    body = serializers.CharField(max_length=4000, trim_whitespace=False)
    revision = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class ProductCommentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    author = serializers.IntegerField(source="author_id", read_only=True, allow_null=True)
    revision = serializers.IntegerField(read_only=True, help_text="The revision commented on.")
    body = serializers.CharField(max_length=4000, trim_whitespace=False)
    quote = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, help_text="A passage of the current revision's text."
    )
    start = serializers.IntegerField(
        source="quote_start",
        required=False,
        allow_null=True,
        min_value=0,
        max_value=100_000,
        help_text="Where the passage starts in the revision's text (found when left out).",
    )
    gone = serializers.BooleanField(read_only=True, help_text="The passage is no longer in the newest revision.")
    resolved = serializers.SerializerMethodField()
    answers = ProductCommentAnswerSerializer(many=True, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)

    def get_resolved(self, comment) -> bool:
        return comment.resolved_at is not None


class ProductCommentResolveSerializer(serializers.Serializer):
    resolved = serializers.BooleanField(default=True)


class RubricCriterionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    key = serializers.CharField(read_only=True, help_text="The name of its score in a review's `scores`.")
    label = serializers.CharField(max_length=200, trim_whitespace=False)
    labels = serializers.DictField(
        child=serializers.CharField(max_length=200, allow_blank=True),
        required=False,
        help_text="The label per language code (ar, fa, ru, en); the label for the others.",
    )
    shown = serializers.SerializerMethodField(help_text="The label in the caller's language.")
    description = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    weight = serializers.IntegerField(min_value=1, max_value=10, required=False, default=1)
    position = serializers.IntegerField(read_only=True)

    def get_shown(self, criterion) -> str:
        return rubrics.label(criterion.key, criterion.label, criterion.labels)


class RubricCriterionChangeSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=200, required=False, trim_whitespace=False)
    labels = serializers.DictField(child=serializers.CharField(max_length=200, allow_blank=True), required=False)
    description = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    weight = serializers.IntegerField(min_value=1, max_value=10, required=False)


class RubricCriterionMoveSerializer(serializers.Serializer):
    position = serializers.IntegerField(min_value=0, max_value=100, help_text="The new place, 0 first.")


class RubricSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    school = serializers.IntegerField(source="school_id", allow_null=True, read_only=True)
    authority = serializers.IntegerField(source="authority_id", allow_null=True, read_only=True)
    is_default = serializers.BooleanField(read_only=True)
    criteria = RubricCriterionSerializer(many=True, read_only=True)
    can_edit = serializers.SerializerMethodField()

    def get_can_edit(self, rubric) -> bool:
        return rubrics.may_edit_rubric(self.context["request"].user, rubric)


class RubricCreateSerializer(serializers.Serializer):
    school = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False)
    authority = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False)


# --- Product: steps and comments (mixed into ProductViewSet) ------------------------------------------


def _one(queryset, pk):
    found = queryset.filter(pk=pk).first() if str(pk).isdigit() else None
    if found is None:
        raise Http404
    return found


class ProductWorkMixin:
    """Steps of the production plan and review comments, for ProductViewSet."""

    def _steps_response(self, product):
        return Response(ProductStepSerializer(product.steps.order_by("position", "pk"), many=True).data)

    def _sees_work(self, product, can) -> bool:
        return queries.sees_reviews(can) or product.pk in authored_by(self.request.user)

    @extend_schema(
        methods=["GET"], responses={200: ProductStepSerializer(many=True), 404: NOT_FOUND}, summary="Production plan"
    )
    @extend_schema(
        methods=["POST"],
        request=ProductStepSerializer,
        responses={201: ProductStepSerializer(many=True), 404: NOT_FOUND},
        summary="Add a step to the production plan (at the end)",
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def steps(self, request, pk=None):
        product, can = self._product()
        if request.method == "GET":
            if not self._sees_work(product, can):
                return Response([])
            return self._steps_response(product)
        data = ProductStepSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        plan.add_step(
            product, actor=request.user, title=fields["title"], due=fields["due"], owner=fields.get("owner_id")
        )
        return Response(ProductStepSerializer(product.steps.order_by("position", "pk"), many=True).data, status=201)

    @extend_schema(
        parameters=[STEP],
        methods=["PATCH"],
        request=ProductStepChangeSerializer,
        responses={200: ProductStepSerializer(many=True), 404: NOT_FOUND},
        summary="Change a step (title, due date, owner)",
    )
    @extend_schema(
        methods=["DELETE"],
        parameters=[STEP],
        request=None,
        responses={204: None, 404: NOT_FOUND},
        summary="Remove a step",
    )
    @action(detail=True, methods=["patch", "delete"], url_path=r"steps/(?P<step>[0-9]+)", pagination_class=None)
    def step(self, request, pk=None, step=None):
        product, _can = self._product()
        found = _one(product.steps.all(), step)
        if request.method == "DELETE":
            plan.remove_step(found, actor=request.user)
            return Response(status=204)
        data = ProductStepChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan.change_step(found, actor=request.user, **data.validated_data)
        return self._steps_response(product)

    @extend_schema(
        parameters=[STEP],
        request=ProductStepMoveSerializer,
        responses={200: ProductStepSerializer(many=True), 404: NOT_FOUND},
        summary="Move a step to another place in the plan",
    )
    @action(detail=True, methods=["post"], url_path=r"steps/(?P<step>[0-9]+)/move", pagination_class=None)
    def step_move(self, request, pk=None, step=None):
        product, _can = self._product()
        found = _one(product.steps.all(), step)
        data = ProductStepMoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan.move_step(found, actor=request.user, position=data.validated_data["position"])
        return self._steps_response(product)

    @extend_schema(
        parameters=[STEP],
        request=None,
        responses={200: ProductStepSerializer(many=True), 404: NOT_FOUND},
        summary="Mark a step done (the ones before it first)",
    )
    @action(detail=True, methods=["post"], url_path=r"steps/(?P<step>[0-9]+)/done", pagination_class=None)
    def step_done(self, request, pk=None, step=None):
        product, _can = self._product()
        plan.complete_step(_one(product.steps.all(), step), actor=request.user)
        return self._steps_response(product)

    def _threads(self, product):
        return Response(ProductCommentSerializer(comments.threads(product), many=True).data)

    @extend_schema(
        methods=["GET"],
        responses={200: ProductCommentSerializer(many=True), 404: NOT_FOUND},
        summary="Review comments with their answers (for authors, reviewers, stewards)",
    )
    @extend_schema(
        methods=["POST"],
        request=ProductCommentSerializer,
        responses={201: ProductCommentSerializer, 404: NOT_FOUND},
        summary="Comment on the current revision, on the whole or on a quoted passage (a reviewer)",
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def comments(self, request, pk=None):
        product, can = self._product()
        if request.method == "GET":
            if not self._sees_work(product, can):
                return Response([])
            return self._threads(product)
        data = ProductCommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        made = comments.add_comment(
            product,
            actor=request.user,
            body=fields["body"],
            quote=fields.get("quote", ""),
            start=fields.get("quote_start"),
        )
        shown = next(c for c in comments.threads(product) if c.pk == made.pk)
        return Response(ProductCommentSerializer(shown).data, status=201)

    @extend_schema(
        parameters=[COMMENT],
        request=ProductCommentAnswerSerializer,
        responses={201: ProductCommentAnswerSerializer, 404: NOT_FOUND},
        summary="Answer a review comment",
    )
    @action(detail=True, methods=["post"], url_path=r"comments/(?P<comment>[0-9]+)/answers", pagination_class=None)
    def comment_answer(self, request, pk=None, comment=None):
        product, _can = self._product()
        found = _one(Comment.objects.filter(product=product, parent__isnull=True), comment)
        data = ProductCommentAnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        made = comments.reply(found, actor=request.user, body=data.validated_data["body"])
        return Response(ProductCommentAnswerSerializer(made).data, status=201)

    @extend_schema(
        parameters=[COMMENT],
        request=ProductCommentResolveSerializer,
        responses={200: ProductCommentSerializer, 404: NOT_FOUND},
        summary="Mark a review comment resolved, or open again",
    )
    @action(detail=True, methods=["post"], url_path=r"comments/(?P<comment>[0-9]+)/resolve", pagination_class=None)
    def comment_resolve(self, request, pk=None, comment=None):
        product, _can = self._product()
        found = _one(Comment.objects.filter(product=product, parent__isnull=True), comment)
        data = ProductCommentResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comments.resolve(found, actor=request.user, resolved=data.validated_data["resolved"])
        shown = next(c for c in comments.threads(product) if c.pk == found.pk)
        return Response(ProductCommentSerializer(shown).data)

    @extend_schema(responses={200: RubricSerializer, 404: NOT_FOUND}, summary="The rubric its reviews use now")
    @action(detail=True, methods=["get"], pagination_class=None)
    def rubric(self, request, pk=None):
        product, _can = self._product()
        return Response(RubricSerializer(rubrics.rubric_for(product), context=self.get_serializer_context()).data)


# --- Rubrics ----------------------------------------------------------------------------------------


@extend_schema(tags=["library"])
@extend_schema_view(
    list=extend_schema(summary="Every review rubric: the default, the authorities' and the schools' own"),
    retrieve=extend_schema(summary="A rubric and its criteria"),
    create=extend_schema(
        request=RubricCreateSerializer,
        responses={201: RubricSerializer},
        summary="A school's or authority's own rubric (a copy of the one it inherits; the default without either)",
    ),
    destroy=extend_schema(summary="A school or authority goes back to the rubric it inherits"),
)
class RubricViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Review rubrics: anyone signed in reads them; a school's leaders and coordinators, an
    authority's admins and the deployment's admins edit their own."""

    serializer_class = RubricSerializer
    queryset = Rubric.objects.all()
    pagination_class = None
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        rubrics.default_rubric()
        return (
            Rubric.objects.prefetch_related("criteria")
            .select_related("school", "authority")
            .order_by("-is_default", "authority_id", "school_id", "pk")
        )

    def create(self, request):
        data = RubricCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        owner = {}
        if "school" in data.validated_data:
            owner["school"] = School.objects.filter(pk=data.validated_data["school"]).first()
            if owner["school"] is None:
                raise serializers.ValidationError({"school": [_("Choose a school.")]})
        elif "authority" in data.validated_data:
            owner["authority"] = Authority.objects.filter(pk=data.validated_data["authority"]).first()
            if owner["authority"] is None:
                raise serializers.ValidationError({"authority": [_("Choose an authority.")]})
        made = rubrics.own_rubric(request.user, **owner)
        return Response(
            RubricSerializer(self.get_queryset().get(pk=made.pk), context=self.get_serializer_context()).data,
            status=201,
        )

    def destroy(self, request, pk=None):
        rubric = self.get_object()
        rubrics.drop_rubric(rubric, actor=request.user)
        return Response(status=204)

    def _shown(self, rubric):
        return Response(
            RubricSerializer(self.get_queryset().get(pk=rubric.pk), context=self.get_serializer_context()).data
        )

    @extend_schema(request=RubricCriterionSerializer, responses={201: RubricSerializer}, summary="Add a criterion")
    @action(detail=True, methods=["post"])
    def criteria(self, request, pk=None):
        rubric = self.get_object()
        data = RubricCriterionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        rubrics.add_criterion(
            rubric,
            actor=request.user,
            label=fields["label"],
            labels=fields.get("labels"),
            description=fields.get("description", ""),
            weight=fields.get("weight", 1),
        )
        response = self._shown(rubric)
        response.status_code = 201
        return response

    @extend_schema(
        parameters=[CRITERION],
        methods=["PATCH"],
        request=RubricCriterionChangeSerializer,
        responses=RubricSerializer,
        summary="Change a criterion",
    )
    @extend_schema(
        methods=["DELETE"],
        parameters=[CRITERION],
        request=None,
        responses={200: RubricSerializer},
        summary="Remove a criterion",
    )
    @action(detail=True, methods=["patch", "delete"], url_path=r"criteria/(?P<criterion>[0-9]+)")
    def criterion(self, request, pk=None, criterion=None):
        rubric = self.get_object()
        found = _one(Criterion.objects.filter(rubric=rubric).select_related("rubric"), criterion)
        if request.method == "DELETE":
            rubrics.remove_criterion(found, actor=request.user)
            return self._shown(rubric)
        data = RubricCriterionChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rubrics.change_criterion(found, actor=request.user, **data.validated_data)
        return self._shown(rubric)

    @extend_schema(
        parameters=[CRITERION],
        request=RubricCriterionMoveSerializer,
        responses=RubricSerializer,
        summary="Move a criterion",
    )
    @action(detail=True, methods=["post"], url_path=r"criteria/(?P<criterion>[0-9]+)/move")
    def criterion_move(self, request, pk=None, criterion=None):
        rubric = self.get_object()
        found = _one(Criterion.objects.filter(rubric=rubric).select_related("rubric"), criterion)
        data = RubricCriterionMoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rubrics.move_criterion(found, actor=request.user, position=data.validated_data["position"])
        return self._shown(rubric)
