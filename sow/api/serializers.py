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
    own = serializers.BooleanField(source="is_own", read_only=True)

    class Meta:
        model = SowSection
        fields = ["id", "position", "number_label", "heading", "clause_version", "clause_key",
                  "clause_version_number", "schedule", "own", "category", "override_body",
                  "edited"]
        read_only_fields = fields


class PublishedVersionsMixin:
    """`clause_version` chooses among the published versions the requesting user can see."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["clause_version"].queryset = ClauseVersion.objects.visible_to(
                request.user).filter(status="published").select_related("clause")


class SectionAddSerializer(PublishedVersionsMixin, serializers.Serializer):
    clause_version = serializers.PrimaryKeyRelatedField(
        queryset=ClauseVersion.objects.none(), required=False, allow_null=True)
    schedule = serializers.ChoiceField(choices=Schedule.choices, required=False, allow_blank=True,
                                       default="")
    placement = serializers.ChoiceField(
        choices=["end", "category"], required=False, default="end",
        help_text="category: insert a clause in its category's place (how fixes go in).")
    version = serializers.IntegerField(required=False,
                                       help_text="The SOW revision you read; stale is 409.")


class SowSerializer(serializers.ModelSerializer):
    sections = SectionSerializer(many=True, read_only=True)

    class Meta:
        model = SowDocument
        fields = ["id", "engagement", "title", "version", "updated_at", "imported_from",
                  "import_notes", "sections"]
        read_only_fields = ["id", "version", "updated_at", "imported_from", "import_notes",
                            "sections"]


class SowCreateSerializer(serializers.Serializer):
    engagement = serializers.IntegerField()
    title = serializers.CharField(max_length=200)


class FreezeSerializer(serializers.Serializer):
    justification = serializers.CharField(required=False, allow_blank=True, default="",
                                          help_text="Required when the check finds errors or "
                                                    "warnings: why freeze anyway.")
    acknowledge_warnings = serializers.BooleanField(
        required=False, default=False,
        help_text="Warnings are never passed silently: acknowledge them (recorded with who, "
                  "when and the justification).")
    acknowledged = serializers.ListField(
        child=serializers.CharField(max_length=32), required=False,
        help_text="The keys of the warnings you read (from the check); a warning not among "
                  "them refuses the freeze. Without it, acknowledge_warnings covers all.")
    version = serializers.IntegerField(required=False)


class ImportSerializer(serializers.Serializer):
    engagement = serializers.IntegerField()
    file = serializers.FileField(required=False, help_text="DOCX, PDF with a text layer, or "
                                                           ".txt/.md; up to 10 MB.")
    text = serializers.CharField(required=False, trim_whitespace=False, max_length=500_000,
                                 help_text="Or the SOW's text (Markdown headings understood).")
    title = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")

    def validate(self, data):
        if bool(data.get("file")) == bool((data.get("text") or "").strip()):
            raise serializers.ValidationError("Send a file or the text (one of the two).")
        return data


class ReplaceSectionSerializer(PublishedVersionsMixin, serializers.Serializer):
    section = serializers.IntegerField()
    clause_version = serializers.PrimaryKeyRelatedField(queryset=ClauseVersion.objects.none())
    version = serializers.IntegerField(required=False,
                                       help_text="The SOW revision you read; stale is 409.")


class PreviewSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=20000, trim_whitespace=False)


class QuoteSerializer(serializers.Serializer):
    text = serializers.CharField()
    start = serializers.IntegerField(help_text="Offset of the quote in the section's text.")
    end = serializers.IntegerField()


class FixSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["clause", "link"])
    clause = serializers.CharField(required=False, help_text="kind=clause: the library key.")
    action = serializers.ChoiceField(choices=["insert", "replace"], required=False)
    section = serializers.IntegerField(required=False,
                                       help_text="action=replace: the section to replace.")
    label = serializers.CharField(required=False, help_text="kind=link: what the link does.")
    url = serializers.CharField(required=False, help_text="kind=link: the page that fixes it.")


class FindingSerializer(serializers.Serializer):
    key = serializers.CharField()
    rule = serializers.CharField()
    severity = serializers.ChoiceField(choices=["error", "warning"])
    message = serializers.CharField()
    source = serializers.ChoiceField(choices=["text", "plan", "library"])
    section_id = serializers.IntegerField(allow_null=True)
    section = serializers.CharField()
    quote = QuoteSerializer(allow_null=True)
    fix = FixSerializer(allow_null=True)


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
