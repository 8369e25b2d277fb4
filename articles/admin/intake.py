"""Intake rules in the admin: the rules, the count a rule matches before it is saved, and applying one to
stored stories (articles.intake)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join

from ..intake.match import Conditions, compile_rule
from ..intake.on_demand import apply_rule, preview_rule
from ..intake_models import IntakeRule
from .changelist import StrictModelAdmin
from .decisions import stories

Decision = IntakeRule.Decision
# Decisions that publish or unpublish: only for users who may publish (as the story list's actions).
PUBLISHING = (Decision.APPROVE, Decision.REJECT)
CONDITION_FIELDS = [
    "providers",
    "domains",
    "topics",
    "categories",
    "type",
    "quality_min",
    "quality_max",
    "heat_min",
    "heat_max",
    "pattern",
]
ACTION_FIELDS = ["decision", "add_topics", "remove_topics", "set_category"]


class IntakeRuleForm(forms.ModelForm):
    """A rule; posted with "_preview", it counts the stored stories it matches instead of being saved."""

    # Set by IntakeRuleAdmin.get_form for the request.
    previewing = False
    may_publish = False
    preview = None

    class Meta:
        model = IntakeRule
        fields = ["name", "enabled", "order", *CONDITION_FIELDS, *ACTION_FIELDS]

    def clean(self):
        cleaned = super().clean()
        if not any(_is_set(cleaned.get(name)) for name in CONDITION_FIELDS):
            raise forms.ValidationError("Give the rule at least one condition: a rule for every story is a mistake.")
        if cleaned.get("decision") in PUBLISHING and not self.may_publish:
            self.add_error("decision", "Only editors who may publish can make a rule that approves or rejects.")
        return cleaned

    def is_valid(self):
        valid = super().is_valid()
        if valid and self.previewing:
            conditions = Conditions.of(
                self.instance, providers=self.cleaned_data["providers"], topics=self.cleaned_data["topics"]
            )
            self.preview = preview_rule(conditions)
            # Not valid for saving: the admin shows the form again, with the count.
            return False
        return valid


def _is_set(value):
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, int):
        return True
    return value.exists()  # providers, topics: a queryset of the chosen rows


@admin.register(IntakeRule)
class IntakeRuleAdmin(StrictModelAdmin):
    form = IntakeRuleForm
    change_form_template = "admin/articles/intakerule/change_form.html"
    list_display = ["name", "enabled", "order", "conditions_display", "actions_display", "created_by", "updated_at"]
    list_filter = ["enabled", "decision"]
    list_select_related = ["created_by"]
    search_fields = ["name", "pattern", "domains", "categories"]
    autocomplete_fields = ["providers", "topics"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    actions = ["apply_to_stored"]
    fieldsets = [
        (None, {"fields": ["name", "enabled", "order"]}),
        ("Conditions (all that are set must hold)", {"fields": CONDITION_FIELDS}),
        ("Actions", {"fields": ACTION_FIELDS}),
        ("Record", {"classes": ["collapse"], "fields": ["created_by", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("providers", "topics")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        attrs = {
            "previewing": request.method == "POST" and "_preview" in request.POST,
            "may_publish": may_publish(request),
        }
        return type(form.__name__, (form,), attrs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        context["intake_preview"] = form.preview
        context["may_apply"] = obj is not None and may_apply(request, obj)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    # --- Columns -------------------------------------------------------------

    @admin.display(description="Conditions")
    def conditions_display(self, obj):
        parts = [(label,) for label in describe_conditions(obj)]
        return format_html_join("; ", "{}", parts) or "—"

    @admin.display(description="Actions")
    def actions_display(self, obj):
        parts = [(label,) for label in describe_actions(obj)]
        return format_html_join("; ", "{}", parts) or "—"

    # --- Applying to stored stories ---------------------------------------------

    def get_urls(self):
        return [
            path(
                "<int:object_id>/apply/",
                self.admin_site.admin_view(self.apply_view),
                name="articles_intakerule_apply",
            ),
            *super().get_urls(),
        ]

    def apply_view(self, request, object_id):
        """The rule's count on stored stories, and on confirmation its application."""
        rule = get_object_or_404(IntakeRule, pk=object_id)
        if not (self.has_view_permission(request, rule) and may_apply(request, rule)):
            raise PermissionDenied
        if request.method == "POST" and "apply" in request.POST:
            self._apply(request, [rule])
            return HttpResponseRedirect(reverse("admin:articles_intakerule_change", args=[rule.pk]))
        return self._confirmation(request, [rule], action=None)

    @admin.action(description="Apply selected rules to stored stories…")
    def apply_to_stored(self, request, queryset):
        rules = list(queryset.order_by("order", "pk"))
        # Checked here too: a forged request reaches the action however the list shows it.
        if not all(may_apply(request, rule) for rule in rules):
            raise PermissionDenied
        if "apply" in request.POST:
            self._apply(request, rules)
            return None
        return self._confirmation(request, rules, action="apply_to_stored")

    def _apply(self, request, rules):
        for rule in rules:
            applied = apply_rule(rule=rule, user=request.user)
            effects = ", ".join(f"{text} ({count})" for text, count in applied.effects.items()) or "nothing to do"
            self.message_user(
                request, f"Rule “{rule.name}”: changed {stories(applied.count)}: {effects}.", messages.SUCCESS
            )
            if applied.skipped:
                left = "; ".join(f"{stories(count)}: {reason}" for reason, count in applied.skipped.items())
                self.message_user(request, f"Rule “{rule.name}” left alone {left}.", messages.INFO)

    def _confirmation(self, request, rules, *, action):
        previews = [(rule, preview_rule(compile_rule(rule).conditions)) for rule in rules]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Apply intake rules to stored stories" if len(rules) > 1 else f"Apply “{rules[0].name}”",
            "previews": previews,
            "action": action,
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(request, "admin/articles/intakerule/apply.html", context)


def may_publish(request):
    return request.user.has_perm("articles.change_article") and request.user.has_perm("articles.publish_article")


def may_apply(request, rule):
    """Whether the user may apply `rule` to stored stories: change stories, and publish for a publishing decision."""
    if not request.user.has_perm("articles.change_article"):
        return False
    return rule.decision not in PUBLISHING or may_publish(request)


def describe_conditions(rule):
    labels = []
    providers = [provider.name for provider in rule.providers.all()]
    if providers:
        labels.append(f"provider {' or '.join(providers)}")
    if rule.domains.strip():
        labels.append(f"domain {rule.domains.strip()}")
    topics = [topic.name for topic in rule.topics.all()]
    if topics:
        labels.append(f"topic {' or '.join(topics)}")
    if rule.categories.strip():
        labels.append(f"category {rule.categories.strip()}")
    if rule.type:
        labels.append(f"type {rule.type}")
    for name, label in (("quality", "quality"), ("heat", "heat")):
        low, high = getattr(rule, f"{name}_min"), getattr(rule, f"{name}_max")
        if low is not None or high is not None:
            labels.append(f"{label} {'' if low is None else low}–{'' if high is None else high}")
    if rule.pattern:
        labels.append(f"pattern {rule.pattern}")
    return labels


def describe_actions(rule):
    labels = [rule.get_decision_display()] if rule.decision else []
    if rule.add_topics.strip():
        labels.append(f"add {rule.add_topics.strip()}")
    if rule.remove_topics.strip():
        labels.append(f"remove {rule.remove_topics.strip()}")
    if rule.set_category.strip():
        labels.append(f"category → {rule.set_category.strip()}")
    return labels
