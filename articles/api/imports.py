"""
The importers' endpoint: fixture files, as text or as their JSON equivalent, through the admin upload's import.

The same parse, validation, errors (`file:line: field: message`), three-way
merge and moderation as the command and the admin's upload: the files go
through articles.stories.write.import_upload, the import of an upload held in memory.
A story in JSON is written as a YAML front matter (JSON is YAML) and parsed
like any file, so it meets exactly the same checks.
"""

import json

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import editorial
from ..models import Revision
from ..stories.uploads import Upload, UploadedFixture
from ..stories.write import CREATED, UPDATED, import_upload

MAX_FILES = 100


class FixtureTextParser(BaseParser):
    """One story file as it is (text/plain or text/markdown): the bytes go to the parser unchanged."""

    media_type = "text/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read()


class MayImport(BasePermission):
    """The admin's rule for its Import stories page: staff with the import permission."""

    message = "Importing needs a staff account with the permission to import stories."

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_active and user.is_staff and user.has_perm("articles.import_stories"))


class FileSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=255)
    text = serializers.CharField(
        required=False, trim_whitespace=False, help_text="The file's text, front matter and all."
    )
    story = serializers.DictField(required=False, help_text="The front matter as a JSON object instead of text.")

    def validate(self, attrs):
        if ("text" in attrs) == ("story" in attrs):
            raise serializers.ValidationError("give either text or story")
        return attrs


class ImportRequestSerializer(serializers.Serializer):
    files = FileSerializer(many=True, max_length=MAX_FILES, min_length=1)


RESULT = inline_serializer(
    "ImportedFile",
    {
        "path": serializers.CharField(),
        "status": serializers.ChoiceField(["created", "updated", "unchanged", "duplicates", "failed"]),
        "message": serializers.CharField(),
        "warnings": serializers.ListField(child=serializers.CharField()),
        # What intake rules did to the file, one line each.
        "rules": serializers.ListField(child=serializers.CharField()),
        "changes": serializers.ListField(child=serializers.CharField()),
        "conflicts": serializers.ListField(child=serializers.CharField()),
        "pending": serializers.BooleanField(),
        "duplicate_of": serializers.ListField(child=serializers.DictField()),
        "story": serializers.IntegerField(allow_null=True),
    },
)
REPORT = inline_serializer(
    "ImportReport",
    {
        "dry_run": serializers.BooleanField(),
        "summary": serializers.DictField(child=serializers.IntegerField()),
        "files": RESULT.__class__(many=True),
    },
)


# A 400 is a report when files were read and some failed, or says what was wrong with the request.
REFUSED = PolymorphicProxySerializer(
    component_name="ImportRefused",
    serializers=[
        REPORT,
        inline_serializer("ImportRequestErrors", {"errors": serializers.DictField()}),
        inline_serializer("RequestUnreadable", {"detail": serializers.CharField()}),
    ],
    resource_type_field_name=None,
)


class StoryImportView(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated, MayImport]
    parser_classes = [JSONParser, FixtureTextParser]

    @extend_schema(
        summary="Import story files",
        description=(
            "As the admin's Import stories page does: a story file's text (`text/plain`, `?name=` gives its name),"
            ' or JSON `{"files": [{"name", "text" | "story"}]}`. Failed files are reported per file'
            " (`file:line: field: message`) and the others are imported; 400 when any failed. An importer who may"
            " not publish gets new stories unpublished and changes to live stories held for an editor."
        ),
        parameters=[
            OpenApiParameter("dry_run", bool, description="Validate and report; write nothing."),
            OpenApiParameter("overwrite_editorial", bool, description="Take the files' values (editors only)."),
            OpenApiParameter("name", str, description="The file's name, for a text body."),
        ],
        request={"application/json": ImportRequestSerializer, "text/plain": str},
        responses={200: REPORT, 400: REFUSED},
        examples=[
            OpenApiExample(
                "One story",
                value={"files": [{"name": "a.md", "story": {"title": "A story", "webUrl": "https://example.com/a"}}]},
                request_only=True,
            )
        ],
    )
    def post(self, request):
        files = self._files(request)
        if isinstance(files, Response):
            return files
        dry_run = _flag(request, "dry_run")
        may_publish = request.user.has_perm("articles.change_article") and request.user.has_perm(
            "articles.publish_article"
        )
        report = import_upload(
            Upload(files=files),
            dry_run=dry_run,
            may_publish=may_publish,
            user=request.user,
            overwrite_editorial=may_publish and _flag(request, "overwrite_editorial"),
            source=Revision.Source.API,
        )
        if not dry_run:
            editorial.log_import(
                user=request.user,
                created=[result.article_id for result in report.results if result.status == CREATED],
                updated=[result.article_id for result in report.results if result.status == UPDATED],
                source="the API",
            )
        body = {
            "dry_run": dry_run,
            "summary": {
                name: getattr(report, name) for name in ("created", "updated", "unchanged", "duplicates", "failed")
            },
            "files": [_result(result) for result in report.results],
        }
        return Response(body, status=status.HTTP_400_BAD_REQUEST if report.failed else status.HTTP_200_OK)

    def _files(self, request):
        if isinstance(request.data, bytes):
            name = request.query_params.get("name") or "api.md"
            return [UploadedFixture(name=name[:255], data=request.data)]
        incoming = ImportRequestSerializer(data=request.data)
        if not incoming.is_valid():
            return Response({"errors": incoming.errors}, status=status.HTTP_400_BAD_REQUEST)
        return [
            UploadedFixture(name=item["name"], data=_text(item).encode("utf-8"))
            for item in incoming.validated_data["files"]
        ]


def _text(item):
    if "text" in item:
        return item["text"]
    # JSON is YAML: the object is the front matter as it is, and meets the same checks.
    return "---\n" + json.dumps(item["story"], ensure_ascii=False, indent=2) + "\n---\n"


def _flag(request, name):
    return request.query_params.get(name, "").lower() in ("1", "true", "yes")


def _result(result):
    return {
        "path": result.path,
        "status": result.status,
        "message": result.message,
        "warnings": list(result.warnings),
        "rules": list(result.rules),
        "changes": sorted(result.changes),
        "conflicts": [name for name, _, _ in result.conflicts],
        "pending": result.pending,
        "duplicate_of": result.duplicate_of,
        "story": result.article_id,
    }
