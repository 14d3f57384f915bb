from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from rest_framework import serializers

from engagement.currencies import currency_choices
from engagement.models import (
    AuditEvent,
    Engagement,
    Organisation,
    ReadinessBaseline,
    StaffingAssignment,
)

CENTS = Decimal("0.01")


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "kind"]


class StaffingSerializer(serializers.ModelSerializer):
    person = serializers.CharField(source="display_name", read_only=True)

    class Meta:
        model = StaffingAssignment
        fields = ["id", "person", "user", "side", "staffing_role"]


class BaselineSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReadinessBaseline
        fields = ["stage", "skills", "process", "tooling", *ReadinessBaseline.QUESTIONS,
                  "notes", "assessed_on"]


class EngagementSerializer(serializers.ModelSerializer):
    client = OrganisationSerializer(read_only=True)
    vendor = OrganisationSerializer(read_only=True)
    end_date = serializers.DateField(read_only=True)

    class Meta:
        model = Engagement
        fields = [
            "id", "title", "client", "vendor", "format", "use_case", "start_date",
            "length_weeks", "end_date", "contract_value", "currency", "off_ramp_date", "status",
            "version", "created_at", "updated_at",
        ]
        read_only_fields = fields


def _decimal(value):
    return None if value is None else f"{value.quantize(CENTS):f}"


def _date(value):
    return None if value is None else value.isoformat()


def _datetime(value):
    # As DRF's DateTimeField writes it: in the current time zone, UTC as "Z".
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class EngagementListSerializer(serializers.BaseSerializer):
    """The engagement list, read-only: the same JSON as EngagementSerializer, written from the
    plain values of `VALUES` (one query, no model instances, no field machinery per row)."""

    VALUES = ("id", "title", "client_id", "client__name", "client__kind", "vendor_id",
              "vendor__name", "vendor__kind", "format", "use_case", "start_date",
              "length_weeks", "contract_value", "currency", "off_ramp_date", "status",
              "version", "created_at", "updated_at")

    def to_representation(self, row):
        start = row["start_date"]
        return {
            "id": row["id"], "title": row["title"],
            "client": {"id": row["client_id"], "name": row["client__name"],
                       "kind": row["client__kind"]},
            "vendor": {"id": row["vendor_id"], "name": row["vendor__name"],
                       "kind": row["vendor__kind"]},
            "format": row["format"], "use_case": row["use_case"], "start_date": _date(start),
            "length_weeks": row["length_weeks"],
            "end_date": _date(start + timedelta(weeks=row["length_weeks"])),
            "contract_value": _decimal(row["contract_value"]), "currency": row["currency"],
            "off_ramp_date": _date(row["off_ramp_date"]), "status": row["status"],
            "version": row["version"], "created_at": _datetime(row["created_at"]),
            "updated_at": _datetime(row["updated_at"]),
        }


class EngagementDetailSerializer(EngagementSerializer):
    staffing = StaffingSerializer(many=True, read_only=True)
    baselines = BaselineSerializer(many=True, read_only=True)

    class Meta(EngagementSerializer.Meta):
        fields = EngagementSerializer.Meta.fields + ["staffing", "baselines"]
        read_only_fields = fields


class EngagementCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    client = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())
    vendor = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())
    format = serializers.ChoiceField(choices=Engagement.Format.choices)
    use_case = serializers.CharField(required=False, allow_blank=True, default="")
    start_date = serializers.DateField()
    length_weeks = serializers.IntegerField(min_value=1, max_value=260)
    contract_value = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    currency = serializers.ChoiceField(choices=currency_choices(), default="EUR")
    off_ramp_date = serializers.DateField(required=False, allow_null=True, default=None)


class EngagementUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    use_case = serializers.CharField(required=False, allow_blank=True)
    format = serializers.ChoiceField(choices=Engagement.Format.choices, required=False)
    start_date = serializers.DateField(required=False)
    length_weeks = serializers.IntegerField(min_value=1, max_value=260, required=False)
    contract_value = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0,
                                              required=False)
    currency = serializers.ChoiceField(choices=currency_choices(), required=False)
    off_ramp_date = serializers.DateField(required=False, allow_null=True)
    version = serializers.IntegerField(
        required=False, help_text="The version you read; a stale one answers 409."
    )


class TransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Engagement.Status.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    acknowledge_warnings = serializers.BooleanField(
        required=False, default=False,
        help_text="Go past the move's warnings (a 409 `warnings_unacknowledged` lists them).")


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id", "engagement", "seq", "at", "actor", "actor_label", "verb", "object_type",
            "object_id", "before", "after", "reason", "prev_hash", "hash",
        ]
        read_only_fields = fields
