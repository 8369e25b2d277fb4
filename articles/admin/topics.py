from django.contrib import admin

from ..models import Topic
from ..services import topics_changed
from .changelist import StrictModelAdmin


@admin.register(Topic)
class TopicAdmin(StrictModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        topics_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        topics_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        topics_changed()
