
from django import forms

from engagement.forms import DateInput

from .models import Category, Clause


class SowCreateForm(forms.Form):
    title = forms.CharField(max_length=200, initial="Statement of work")


class FreezeForm(forms.Form):
    sow_version = forms.IntegerField(widget=forms.HiddenInput)
    justification = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                    max_length=4000)


class SectionEditForm(forms.Form):
    sow_version = forms.IntegerField(widget=forms.HiddenInput)
    override_body = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 8}),
                                    max_length=20000)


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
