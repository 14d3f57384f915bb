from rest_framework import serializers

from sow.models import Clause, ClauseVersion, Schedule, SowDocument, SowSection, SowVersion


class ClauseVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClauseVersion
        fields = ["id", "number", "status", "body", "guidance", "created_at"]
        read_only_fields = ["id", "number", "status", "created_at"]


class ClauseSerializer(serializers.ModelSerializer):
    published_version = serializers.SerializerMethodField()

    class Meta:
        model = Clause
        fields = ["id", "key", "category", "title", "resolves", "published_version"]
        read_only_fields = fields

    def get_published_version(self, obj) -> int | None:
        published = getattr(obj, "published", None)
        return published[0].pk if published else None


class SectionSerializer(serializers.ModelSerializer):
    heading = serializers.CharField(read_only=True)
    clause_key = serializers.CharField(source="clause_version.clause.key", read_only=True,
                                       default="")
    clause_version_number = serializers.IntegerField(source="clause_version.number",
                                                     read_only=True, default=None)
    edited = serializers.BooleanField(source="is_overridden", read_only=True)

    class Meta:
        model = SowSection
        fields = ["id", "position", "heading", "clause_version", "clause_key",
                  "clause_version_number", "schedule", "override_body", "edited"]
        read_only_fields = fields


class SectionAddSerializer(serializers.Serializer):
    clause_version = serializers.PrimaryKeyRelatedField(
        queryset=ClauseVersion.objects.none(), required=False, allow_null=True)
    schedule = serializers.ChoiceField(choices=Schedule.choices, required=False, allow_blank=True,
                                       default="")
    version = serializers.IntegerField(required=False,
                                       help_text="The SOW revision you read; stale is 409.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["clause_version"].queryset = ClauseVersion.objects.visible_to(
                request.user).filter(status="published").select_related("clause")


class SowSerializer(serializers.ModelSerializer):
    sections = SectionSerializer(many=True, read_only=True)

    class Meta:
        model = SowDocument
        fields = ["id", "engagement", "title", "version", "updated_at", "sections"]
        read_only_fields = ["id", "version", "updated_at", "sections"]


class SowCreateSerializer(serializers.Serializer):
    engagement = serializers.IntegerField()
    title = serializers.CharField(max_length=200)


class FreezeSerializer(serializers.Serializer):
    justification = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False)


class PreviewSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=20000, trim_whitespace=False)


class FindingSerializer(serializers.Serializer):
    rule = serializers.CharField()
    severity = serializers.CharField()
    message = serializers.CharField()
    section_id = serializers.IntegerField(allow_null=True)
    section = serializers.CharField()
    fix_clause = serializers.CharField()


class CheckSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    findings = FindingSerializer(many=True)


class SowVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = SowVersion
        fields = ["id", "sow", "number", "status", "sha256", "html", "source", "author",
                  "created_at", "justification", "signed_on", "signatories"]
        read_only_fields = fields


class RenderJobSerializer(serializers.ModelSerializer):
    class Meta:
        from sow.models import RenderJob

        model = RenderJob
        fields = ["id", "sow_version", "variant", "status", "step", "reason", "warnings",
                  "attempts", "sha256", "page_count", "size", "render_seconds", "created_at",
                  "started_at", "finished_at"]
        read_only_fields = fields
