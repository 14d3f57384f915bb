from rest_framework import serializers

from ..models import KPI


class WaypointSerializer(serializers.Serializer):
    date = serializers.DateField()
    value = serializers.DecimalField(max_digits=14, decimal_places=4)


class LatestSerializer(serializers.Serializer):
    date = serializers.DateField()
    value = serializers.DecimalField(max_digits=14, decimal_places=4)


class KPISerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    engagement = serializers.IntegerField()
    layer = serializers.ChoiceField(choices=KPI.Layer.choices)
    name = serializers.CharField(max_length=200)
    unit = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    direction = serializers.ChoiceField(choices=KPI.Direction.choices, default="up")
    baseline = serializers.DecimalField(max_digits=14, decimal_places=4, required=False,
                                        allow_null=True)
    target = serializers.DecimalField(max_digits=14, decimal_places=4, required=False,
                                      allow_null=True, help_text="Up or down KPIs.")
    lower = serializers.DecimalField(max_digits=14, decimal_places=4, required=False,
                                     allow_null=True, help_text="Range KPIs.")
    upper = serializers.DecimalField(max_digits=14, decimal_places=4, required=False,
                                     allow_null=True, help_text="Range KPIs.")
    target_date = serializers.DateField()
    cadence = serializers.ChoiceField(choices=KPI.Cadence.choices, default="weekly")
    source = serializers.ChoiceField(choices=KPI.Source.choices, default="manual")
    owner = serializers.IntegerField(required=False, allow_null=True,
                                     help_text="A user of the client or the vendor.")
    how_to_measure = serializers.CharField(required=False, allow_blank=True, default="")
    waypoints = WaypointSerializer(many=True, required=False)
    catalogue_key = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(read_only=True, choices=[
        "on_track", "at_risk", "off_track", "stale"])
    status_reason = serializers.CharField(read_only=True)
    latest = LatestSerializer(read_only=True, allow_null=True)
    version = serializers.IntegerField(required=False,
                                       help_text="The version you read (PATCH); stale is 409.")


class CatalogueAddSerializer(serializers.Serializer):
    engagement = serializers.IntegerField()
    key = serializers.CharField()
    target_date = serializers.DateField(required=False)


class MeasurementSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    date = serializers.DateField(read_only=True)
    value = serializers.DecimalField(max_digits=14, decimal_places=4, read_only=True)
    source = serializers.CharField(read_only=True)
    note = serializers.CharField(read_only=True)
    entered_by = serializers.IntegerField(read_only=True, allow_null=True,
                                          help_text="The user who recorded it.")


class MeasurementInSerializer(serializers.Serializer):
    """For the schema only: the service checks each item itself, so a bad value in a bulk
    post is named by its index and field."""

    date = serializers.CharField(help_text="YYYY-MM-DD, within the engagement, not ahead.")
    value = serializers.CharField(help_text="A finite number (NaN and infinities refused).")
    source = serializers.CharField(required=False, help_text="Where it came from (default "
                                   "manual). (KPI, date, source) is recorded once: a retried "
                                   "post changes nothing.")
    note = serializers.CharField(required=False)


class CatalogueSerializer(serializers.Serializer):
    key = serializers.CharField()
    layer = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    direction = serializers.CharField()
    cadence = serializers.CharField()
    source = serializers.CharField()
    how = serializers.CharField(help_text="How to measure it.")
