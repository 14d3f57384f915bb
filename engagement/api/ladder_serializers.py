from rest_framework import serializers

from engagement.models import (
    AcceptanceCriterion,
    Approval,
    ApprovalRequest,
    Evidence,
    KnowledgeTransferDeliverable,
    Milestone,
    Phase,
    Side,
    StaffingRole,
    Workstream,
)


class EvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Evidence
        fields = ["id", "kind", "url", "original_name", "size", "content_type", "note",
                  "added_by", "added_at"]
        read_only_fields = fields


class CriterionSerializer(serializers.ModelSerializer):
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = AcceptanceCriterion
        fields = ["id", "milestone", "position", "statement", "method", "performer", "status",
                  "verified_by", "verified_at", "note", "evidence"]
        read_only_fields = ["id", "position", "status", "verified_by", "verified_at", "note",
                            "evidence"]


class CriterionCreateSerializer(serializers.Serializer):
    milestone = serializers.IntegerField()
    statement = serializers.CharField()
    method = serializers.ChoiceField(choices=AcceptanceCriterion.Method.choices)
    performer = serializers.ChoiceField(choices=Side.choices, default=Side.INTERNAL)


class VerifySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=AcceptanceCriterion.Status.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DeliverableSerializer(serializers.ModelSerializer):
    class Meta:
        model = KnowledgeTransferDeliverable
        fields = ["id", "kind", "title", "count", "cadence", "owner_role", "acceptance",
                  "delivered"]
        read_only_fields = fields


class MilestoneSerializer(serializers.ModelSerializer):
    criteria = CriterionSerializer(many=True, read_only=True)
    deliverables = DeliverableSerializer(many=True, read_only=True)
    start_date = serializers.DateField(read_only=True)
    due_date = serializers.DateField(read_only=True)
    warnings = serializers.SerializerMethodField()

    class Meta:
        model = Milestone
        fields = ["id", "engagement", "position", "stream", "kind", "title", "description",
                  "ownership_mode", "is_transition", "start_week", "end_week", "start_date",
                  "due_date", "status", "accepted_at", "version", "criteria", "deliverables",
                  "warnings"]
        read_only_fields = fields

    def get_warnings(self, obj) -> list[str]:
        return self.context.get("warnings", {}).get(obj.pk, [])


class MilestoneWriteSerializer(serializers.Serializer):
    engagement = serializers.IntegerField(required=False)
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    stream = serializers.ChoiceField(choices=Milestone.Stream.choices, required=False)
    kind = serializers.ChoiceField(choices=Milestone.Kind.choices, required=False)
    ownership_mode = serializers.ChoiceField(choices=Milestone._meta.get_field(
        "ownership_mode").choices, required=False)
    is_transition = serializers.BooleanField(required=False)
    start_week = serializers.IntegerField(min_value=1, required=False)
    end_week = serializers.IntegerField(min_value=1, required=False)
    version = serializers.IntegerField(required=False,
                                       help_text="The version you read; a stale one answers 409.")


class MilestoneTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Milestone.Status.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False)


class LadderGenerateSerializer(serializers.Serializer):
    template = serializers.CharField(default="default")
    weeks = serializers.IntegerField(min_value=1, required=False)


class LadderSerializer(serializers.Serializer):
    milestones = MilestoneSerializer(many=True)
    warnings = serializers.ListField(child=serializers.CharField())


class RaciCellSerializer(serializers.Serializer):
    workstream = serializers.ChoiceField(choices=Workstream.choices)
    phase = serializers.ChoiceField(choices=Phase.choices)
    staffing_role = serializers.ChoiceField(choices=StaffingRole.choices)
    letter = serializers.ChoiceField(choices=["R", "A", "C", "I", ""], allow_blank=True)


class RaciSerializer(serializers.Serializer):
    cells = RaciCellSerializer(many=True)
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)


class ApprovalSerializer(serializers.ModelSerializer):
    class Meta:
        model = Approval
        fields = ["id", "round", "user", "side", "decision", "reason", "at"]
        read_only_fields = fields


class ApprovalRequestSerializer(serializers.ModelSerializer):
    approvals = ApprovalSerializer(many=True, read_only=True)
    still_needed = serializers.SerializerMethodField()

    class Meta:
        model = ApprovalRequest
        fields = ["id", "engagement", "kind", "subject_type", "subject_id", "summary",
                  "requested_by", "requested_at", "status", "round", "closed_at",
                  "closed_reason", "approvals", "still_needed"]
        read_only_fields = fields

    def get_still_needed(self, obj) -> str:
        from engagement.services import keys_needed

        return keys_needed(obj, obj.current_keys(obj.approvals.all()))


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    reason = serializers.CharField(required=False, allow_blank=True, default="")
