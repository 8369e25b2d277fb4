"""The story form's tables (related coverage, images): rows editors can reorder, positions unique per story."""

from django import forms
from django.core.exceptions import ValidationError

from . import editorial
from .forms import HttpURLField
from .models import Image, RelatedLink


class PositionedForm(forms.ModelForm):
    """An inline row whose position is written by the formset, so that rows can swap places."""

    order = forms.IntegerField(label="Position", min_value=0, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["order"].initial = self.instance.position


class RelatedLinkAdminForm(PositionedForm):
    class Meta:
        model = RelatedLink
        fields = [
            "title",
            "excerpt",
            "published_at",
            "web_url",
            "amp_url",
            "cdn_amp_url",
            "type",
            "provider",
            "quality",
        ]
        field_classes = {"web_url": HttpURLField, "amp_url": HttpURLField, "cdn_amp_url": HttpURLField}


class ImageAdminForm(PositionedForm):
    class Meta:
        model = Image
        fields = ["url", "width", "height", "is_cached"]
        field_classes = {"url": HttpURLField}


class PositionedInlineFormSet(forms.BaseInlineFormSet):
    """Positions are unique per story: the formset checks them across its rows and writes
    them through editorial.set_positions, which lets two rows swap places."""

    def clean(self):
        super().clean()
        seen = {}
        for form in self._kept_forms():
            order = form.cleaned_data.get("order")
            if order is None:
                continue
            if order in seen:
                raise ValidationError(
                    f"Two rows have position {order}; give each row its own.", code="duplicate_position"
                )
            seen[order] = form

    def _kept_forms(self):
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or (self.can_delete and self._should_delete_form(form)):
                continue
            if form.instance.pk is None and not form.has_changed():
                continue
            yield form

    def save(self, commit=True):
        if not commit:
            return super().save(commit=False)
        kept = list(self._kept_forms())
        # New rows are inserted out of the way of the existing positions, then
        # everything moves to its place at once.
        existing = [form.instance.position for form in kept if form.instance.pk]
        base = max(existing, default=-1) + 1_000_001
        for index, form in enumerate(form for form in kept if form.instance.pk is None):
            form.instance.position = base + index
        saved = super().save(commit=True)
        taken = {form.cleaned_data["order"] for form in kept if form.cleaned_data.get("order") is not None}
        positions, next_free = {}, 0
        for form in sorted(kept, key=lambda form: (form.cleaned_data.get("order") is None, form.instance.position)):
            order = form.cleaned_data.get("order")
            if order is None:
                while next_free in taken:
                    next_free += 1
                order = next_free
                taken.add(order)
            positions[form.instance.pk] = order
        editorial.set_positions(queryset=self.get_queryset().model.objects.all(), positions=positions)
        for form in kept:
            form.instance.position = positions[form.instance.pk]
        return saved
