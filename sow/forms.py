
from django import forms

from engagement.forms import DateInput

from .models import Category, Clause


class SowCreateForm(forms.Form):
    title = forms.CharField(max_length=200, initial="Statement of work")


class FreezeForm(forms.Form):
    sow_version = forms.IntegerField(widget=forms.HiddenInput)
    justification = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                    max_length=4000)
    acknowledge_warnings = forms.BooleanField(required=False)


class SectionEditForm(forms.Form):
    sow_version = forms.IntegerField(widget=forms.HiddenInput)
    override_body = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 8}),
                                    max_length=50000)


class ImportForm(forms.Form):
    """A vendor's SOW: a file (DOCX, PDF with text, .txt/.md) or its text pasted."""

    file = forms.FileField(required=False, label="Vendor SOW file",
                           help_text="Word (.docx), PDF with a text layer, or .txt/.md; up to "
                                     "10 MB.")
    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 6}),
                           label="…or paste its text", max_length=500_000,
                           strip=False)
    title = forms.CharField(required=False, max_length=200, label="Name for the imported SOW (optional)")

    def clean(self):
        data = super().clean()
        if bool(data.get("file")) == bool((data.get("text") or "").strip()):
            raise forms.ValidationError("Upload a file or paste the text (one of the two).")
        return data


class SignForm(forms.Form):
    signed_on = forms.DateField(widget=DateInput())
    client_signatory = forms.CharField(max_length=200, label="Signed for the client by")
    vendor_signatory = forms.CharField(max_length=200, label="Signed for the vendor by")


class ClauseVersionForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 12}), max_length=20000,
                           label="Clause text")
    guidance = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                               label="Drafting guidance")


class ClauseCreateForm(ClauseVersionForm):
    key = forms.SlugField(max_length=80, help_text="A stable key: lowercase words and hyphens.")
    title = forms.CharField(max_length=200)
    category = forms.ChoiceField(choices=Category.choices)

    field_order = ["key", "title", "category", "body", "guidance"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_key(self):
        # Only keys the user can see clash: another organisation's keys stay private.
        key = self.cleaned_data["key"]
        if Clause.objects.visible_to(self.user).filter(key=key).exists():
            raise forms.ValidationError("A clause with this key exists already.")
        return key
