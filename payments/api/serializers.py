from rest_framework import serializers

from ..models import GateCondition, PaymentMilestone


class GateConditionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=GateCondition.Kind.choices)
    criterion = serializers.IntegerField(required=False, allow_null=True)
    milestone = serializers.IntegerField(required=False, allow_null=True)
    deliverable = serializers.IntegerField(required=False, allow_null=True,
                                           help_text="A knowledge-transfer deliverable.")
    ref = serializers.IntegerField(required=False, allow_null=True,
                                   help_text="For `kpi`: the KPI's id.")
    threshold = serializers.DecimalField(max_digits=14, decimal_places=4, required=False,
                                         allow_null=True,
                                         help_text="For `kpi`: the value it must reach (at or "
                                                   "above for higher-is-better, at or below "
                                                   "for lower-is-better).")
    met = serializers.BooleanField(read_only=True)
    describe = serializers.CharField(read_only=True)

    def validate(self, data):
        if data["kind"] not in ("criterion", "milestone", "deliverable"):
            if not data.get("ref"):
                raise serializers.ValidationError({"ref": ["Give the id of the "
                                                           f"{data['kind']}."]})
            return data
        if not data.get(data["kind"]):
            raise serializers.ValidationError({data["kind"]: ["Give the id of the "
                                                              f"{data['kind']}."]})
        return data


class PaymentMilestoneSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    engagement = serializers.IntegerField()
    label = serializers.CharField(max_length=200)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    due_date = serializers.DateField()
    commercial_model = serializers.ChoiceField(choices=PaymentMilestone.CommercialModel.choices,
                                               default="fixed_fee")
    conditions = GateConditionSerializer(many=True)
    status = serializers.CharField(read_only=True)
    gate_met = serializers.BooleanField(read_only=True)
    invoice_reference = serializers.CharField(read_only=True)
    paid_on = serializers.DateField(read_only=True)
    version = serializers.IntegerField(required=False,
                                       help_text="The version you read (PATCH); stale is 409.")


class PaymentTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=[
        ("approved", "Request release (two keys)"), ("invoiced", "Invoiced"), ("paid", "Paid")])
    invoice_reference = serializers.CharField(required=False, allow_blank=True, default="")
    paid_on = serializers.DateField(required=False)
