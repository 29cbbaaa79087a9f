"""The JSON API of communities: areas, notices, and the caller's own tokens.

Nothing here decides who may see what: every queryset starts from `visible_to(request.user)`
and every write calls a service with `by=request.user`, as the pages do. A service's
`PermissionDenied` becomes a 403 and its `ValidationError` a 400, with the service's message.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from communities import services
from communities.models import ApiToken, Area, Notice

# --- Authentication in the schema ------------------------------------------------------------


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "communities.api_base.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <secret>`; make a token in your profile (/me/tokens/).",
        }


# --- Areas -------------------------------------------------------------------------------------


class AreaSerializer(serializers.ModelSerializer):
    parent = serializers.SerializerMethodField()
    level_name = serializers.CharField(source="get_level_display", read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Area
        fields = ["code", "name", "level", "level_name", "parent", "address", "url"]

    def get_parent(self, area: Area) -> str | None:
        """The parent's code, read from the path without a query (`parent_codes` in context)."""
        return self.context["parent_codes"].get(area.path[: -area.steplen])


class AreaDetailSerializer(AreaSerializer):
    ancestors = serializers.SerializerMethodField()
    children = serializers.SerializerMethodField()

    class Meta(AreaSerializer.Meta):
        fields = [*AreaSerializer.Meta.fields, "ancestors", "children"]

    def get_ancestors(self, area: Area) -> list[dict[str, str]]:
        return [
            {"code": above.code, "name": above.name}
            for above in Area.objects.above(area, include_self=False)
        ]

    def get_children(self, area: Area) -> list[dict[str, str]]:
        children = Area.objects.filter(path__startswith=area.path, depth=area.depth + 1)
        return [{"code": child.code, "name": child.name} for child in children]


def parent_codes(areas) -> dict[str, str]:
    """Path → code of the parents of these areas, in one query."""
    paths = {area.path[: -area.steplen] for area in areas if area.depth > 1}
    return dict(Area.objects.filter(path__in=paths).values_list("path", "code"))


@extend_schema_view(
    list=extend_schema(
        summary="The area tree",
        parameters=[
            OpenApiParameter("under", str, description="Only this area's subtree (its code)."),
            OpenApiParameter("level", int, enum=Area.Level.values, description="1 … 5."),
        ],
    ),
    retrieve=extend_schema(summary="An area, its ancestors and children"),
)
class AreaViewSet(viewsets.ReadOnlyModelViewSet):
    """Places are public: district → street → community → compound → building, by code."""

    lookup_field = "code"
    lookup_value_regex = r"[A-Za-z0-9][A-Za-z0-9-]*"

    def get_queryset(self):
        areas = Area.objects.all()
        under = self.request.query_params.get("under")
        if under:
            areas = areas.under(get_object_or_404(Area, code=under))
        level = self.request.query_params.get("level")
        if level:
            if level not in {str(value) for value in Area.Level.values}:
                raise exceptions.ValidationError({"level": _("Choose a level from 1 to 5.")})
            areas = areas.of_level(int(level))
        return areas

    def get_serializer_class(self):
        return AreaDetailSerializer if self.action == "retrieve" else AreaSerializer

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        serializer = AreaSerializer(page, many=True, context={"parent_codes": parent_codes(page)})
        return self.get_paginated_response(serializer.data)

    def retrieve(self, request, *args, **kwargs):
        area = get_object_or_404(Area, code=kwargs["code"])
        context = {"parent_codes": parent_codes([area])}
        return Response(AreaDetailSerializer(area, context=context).data)


# --- Notices -----------------------------------------------------------------------------------


class NoticeSerializer(serializers.ModelSerializer):
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    organization = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Notice
        fields = [
            "id",
            "area",
            "organization",
            "kind",
            "title",
            "body",
            "link_url",
            "pinned",
            "publish_at",
            "unpublish_at",
            "url",
        ]


@extend_schema_view(
    list=extend_schema(
        summary="Notices",
        parameters=[
            OpenApiParameter(
                "board",
                str,
                description="The board a resident of this area reads (its code): its notices "
                "and those of every area above it, pinned first.",
            )
        ],
    ),
    retrieve=extend_schema(summary="A notice"),
)
class NoticeViewSet(viewsets.ReadOnlyModelViewSet):
    """Live notices to everyone; scheduled and taken-down ones to those who publish there."""

    serializer_class = NoticeSerializer

    def get_queryset(self):
        notices = Notice.objects.visible_to(self.request.user).select_related(
            "area", "organization"
        )
        board = self.request.query_params.get("board")
        if board:
            notices = notices.on_board_of(get_object_or_404(Area, code=board))
        return notices


# --- The caller's tokens -----------------------------------------------------------------------


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at"]


@extend_schema_view(
    list=extend_schema(summary="My tokens (never their secrets)"),
    retrieve=extend_schema(summary="One of my tokens"),
)
class ApiTokenViewSet(viewsets.ReadOnlyModelViewSet):
    """Tokens are made in the profile (/me/tokens/), where the secret is shown once; here an
    integration can see its own and revoke one that leaked."""

    serializer_class = ApiTokenSerializer

    def get_queryset(self):
        return ApiToken.objects.visible_to(self.request.user)

    @extend_schema(summary="Revoke a token", request=None, responses=ApiTokenSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        token = services.revoke_api_token(token=self.get_object(), by=request.user)
        return Response(ApiTokenSerializer(token).data)
