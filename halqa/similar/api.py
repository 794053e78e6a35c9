"""`POST /api/v1/similar/`: the cases and published products the caller may see that look like a
story, with the reasons. The same service as the intake form and the pages (services.find)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from halqa.api.throttling import PersonWriteThrottle, WindowThrottle

from . import services


class SimilarThrottle(WindowThrottle):
    """Lookups per person (settings.API_THROTTLE_RATES["similar"], shared with the intake form)."""

    scope = "similar"

    def applies(self, request) -> bool:
        return request.user.is_authenticated

    def ident(self, request) -> str:
        return str(request.user.pk)


class SimilarRequestSerializer(serializers.Serializer):
    text = serializers.CharField(
        max_length=services.MAX_CHARS,
        trim_whitespace=False,
        help_text="The story: in Arabic, Persian, Russian or English.",
    )
    exclude = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="A case to leave out (the one being written about)."
    )
    kinds = serializers.MultipleChoiceField(
        choices=services.KINDS, required=False, help_text="What to look for (default: cases and products)."
    )
    limit = serializers.IntegerField(required=False, min_value=1, max_value=services.MAX_LIMIT, default=10)


class SimilarItemSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=services.KINDS)
    id = serializers.IntegerField(source="object_id")
    title = serializers.CharField()
    language = serializers.CharField()
    score = serializers.FloatField(
        help_text="Similarity: the centred cosine of the two stories' vectors with the model, "
        "else the full-text score relative to the best match."
    )
    band = serializers.ChoiceField(choices=list(services.BAND_LABELS))
    reasons = serializers.ListField(child=serializers.CharField(), help_text="Why it is proposed, translated.")
    url = serializers.CharField(help_text="Its page.")


class SimilarAnswerSerializer(serializers.Serializer):
    semantic = serializers.BooleanField(
        help_text="False when the embedding model is off: full-text matches only, in the story's language."
    )
    language = serializers.CharField(help_text="The story's language, by its script.")
    results = SimilarItemSerializer(many=True, source="matches")


class SimilarView(APIView):
    throttle_classes = [PersonWriteThrottle, SimilarThrottle]

    @extend_schema(
        tags=["similar"],
        request=SimilarRequestSerializer,
        responses=SimilarAnswerSerializer,
        summary="Cases and products like a story",
    )
    def post(self, request):
        """Ranked best first, only among what the caller may see; a case is never described by who
        asked. An empty story, one too long, one in another script, NUL or broken Unicode: 400."""
        data = SimilarRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        options = data.validated_data
        found = services.find(
            request.user,
            options["text"],
            exclude_case=options.get("exclude"),
            kinds=options.get("kinds") or services.KINDS,
            limit=options["limit"],
        )
        return Response(SimilarAnswerSerializer(found).data)
