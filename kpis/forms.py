from django import forms

from engagement.forms import DateInput

from .models import KPI


class KPIForm(forms.ModelForm):
    class Meta:
        model = KPI
        fields = ["layer", "name", "unit", "direction", "baseline", "target", "target_date",
                  "source"]
        widgets = {"target_date": DateInput()}
        help_texts = {
            "name": "For example: time to retrain, internal share of merged PRs, eval pass rate.",
            "target_date": "Within the engagement. A retainer needs a capability target due in "
                           "every quarter.",
        }
