import copy
import datetime
import json

from django import forms
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from . import editorial
from .images.uploads import check_uploaded_image
from .models import Article, Revision
from .stories.parse import MAX_SHORT
from .stories.uploads import UploadError, UploadLimits, read_upload

UNKNOWN = object()
STALE_MESSAGE = "This story was changed by someone else since you opened it. Nothing was saved yet."
# The form's fields as a revision's content names them (articles.revisions.content).
CONTENT_NAMES = {
    "title": "title",
    "excerpt": "excerpt",
    "category": "category",
    "type": "type",
    "published_at": "published_at",
    "web_url": "web_url",
    "original_url": "original_url",
    "amp_url": "amp_url",
    "cdn_amp_url": "cdn_amp_url",
    "quality": "quality",
    "heat": "heat",
    "published": "published",
    "topic_names": "topics",
}


class HttpURLField(forms.URLField):
    """A URL that is data, never code: http or https with a host, as the fixture format requires."""

    default_error_messages = {"scheme": "Only http:// and https:// links are allowed."}

    def __init__(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        super().__init__(**kwargs)

    def to_python(self, value):
        text = forms.CharField.to_python(self, value)
        if text:
            # Checked before URLField adds a scheme to what has none: a relative
            # or scheme-relative link must be refused, not turned into another URL.
            scheme, _, rest = text.partition(":")
            if scheme.lower() not in ("http", "https") or not rest.startswith("//") or not rest[2:3].strip("/"):
                raise ValidationError(self.error_messages["scheme"], code="scheme")
        return super().to_python(value)


class TopicNamesField(forms.CharField):
    """Topic names separated by commas, in the order the story lists them."""

    def to_python(self, value):
        names, seen = [], set()
        for name in (super().to_python(value) or "").split(","):
            name = " ".join(name.split())
            if name and name.lower() not in seen:
                if len(name) > MAX_SHORT:
                    raise ValidationError(f"“{name[:40]}…” is longer than {MAX_SHORT} characters.", code="max_length")
                seen.add(name.lower())
                names.append(name)
        return names

    def has_changed(self, initial, data):
        # The initial value is the names joined by commas: compare names, not
        # spellings of the list, so an untouched field is not a change.
        try:
            return self.to_python(initial) != self.to_python(data)
        except ValidationError:
            return True


URL_FIELDS = ("web_url", "original_url", "amp_url", "cdn_amp_url")


class ArticleAdminForm(forms.ModelForm):
    # The version the editor started from: saving over a newer one is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    # After a conflict: the version the editor first opened. Saving again keeps
    # their values for the fields they touched since, and the newer version's
    # for the rest.
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    # What the fields a revision does not record (OPENED_FIELDS) showed when the form was opened.
    opened = forms.CharField(widget=forms.HiddenInput, required=False)
    # Saving is not a review: publishing below the gate needs this, and it is recorded in the revision.
    override_reason = forms.CharField(
        label="Reason to publish below the quality gate",
        required=False,
        max_length=500,
        help_text="Only needed to publish a story whose quality is below the gate; kept in its history.",
    )
    correction = forms.CharField(
        label="Correction",
        required=False,
        max_length=300,
        help_text="For a change to a live story's title or excerpt that corrects it: say what was corrected. "
        "Readers see “Updated <date>: <note>”.",
    )
    upload_image = forms.FileField(
        label="Add an image",
        required=False,
        help_text="JPEG, PNG, WebP or GIF. It is checked, stored here without its metadata, "
        "and resized for readers; it goes after the story's other images.",
    )
    topic_names = TopicNamesField(
        label="Topics",
        required=False,
        help_text="Separated by commas, in the order readers see them. A new name creates the topic.",
    )

    class Meta:
        model = Article
        fields = [
            "title",
            "excerpt",
            "category",
            "type",
            "published_at",
            *URL_FIELDS,
            "quality",
            "heat",
            "published",
            "publish_at",
            "unpublish_at",
        ]
        field_classes = dict.fromkeys(URL_FIELDS, HttpURLField)
        labels = {"published_at": "Published on"}

    # Not in a revision's content: what the form showed them as when opened rides along in the page
    # (`opened`), so a save after a conflict tells the editor's changes from theirs.
    OPENED_FIELDS = ("publish_at", "unpublish_at", "provider")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            shown = {name: _comparable(getattr(self.instance, name)) for name in self.OPENED_FIELDS}
            self.fields["opened"].initial = json.dumps(shown, cls=DjangoJSONEncoder)
            self.fields["version"].initial = self.instance.version
            self.fields["topic_names"].initial = ", ".join(topic.name for topic in self.instance.topic_list)

    def clean_upload_image(self):
        upload = self.cleaned_data.get("upload_image")
        if upload:
            check_uploaded_image(upload)
        return upload

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            version = cleaned.get("version")
            # Locked until the admin's transaction ends: the save that follows
            # cannot lose a race this check has won.
            if version is None or editorial.is_stale(self.instance, version, lock=True):
                self._refuse_stale(cleaned, version)
            if cleaned.get("base_version"):
                self._keep_theirs_where_untouched(cleaned, cleaned["base_version"])
        if "web_url" in self.fields and "original_url" in self.fields:
            self._clean_identifying_url(cleaned)
        self._clean_schedule(cleaned)
        if cleaned.get("correction"):
            self._clean_correction()
        return cleaned

    def _clean_correction(self):
        if not self.instance.is_public:
            self.add_error("correction", "Only a live story's changes are corrections readers are told of.")
        elif not {"title", "excerpt"} & set(self.changed_data):
            self.add_error("correction", "A correction changes the title or the excerpt: change one of them.")

    def _clean_schedule(self, cleaned):
        publish_at, unpublish_at = cleaned.get("publish_at"), cleaned.get("unpublish_at")
        if publish_at and unpublish_at and unpublish_at <= publish_at:
            self.add_error("unpublish_at", "The story must come off after it goes up: pick a later time.")
        elif unpublish_at and "unpublish_at" in self.changed_data and unpublish_at <= timezone.now():
            self.add_error("unpublish_at", "That time has passed: the story would come off at once. Pick a later time.")
        if "published" in self.fields and cleaned.get("published") and not self.instance.published:
            gate_error(self, cleaned, reason=cleaned.get("override_reason", ""))

    def _refuse_stale(self, cleaned, version):
        """Say who changed what since `version`, beside the editor's values, and let them save over it.

        What the editor typed stays in the form; the form now carries the
        newer version, and the one they opened as its base.
        """
        current = Article.objects.filter(pk=self.instance.pk).first()
        if current is None:
            raise ValidationError("This story was deleted since you opened it.", code="deleted")
        base = content_at(current, cleaned.get("base_version") or version)
        last = Revision.last_applied(current)
        who = f"{last.author} saved it at {timezone.localtime(last.created_at):%Y-%m-%d %H:%M}" if last else ""
        theirs = _form_values(current)
        lines = []
        for name, content_name in CONTENT_NAMES.items():
            if name not in self.fields or base is None or _same(base.get(content_name), theirs[name]):
                continue
            label = self.fields[name].label or name
            lines.append(f"{label}: theirs “{_shown(theirs[name])}”, yours “{_shown(cleaned.get(name))}”")
        for name in self.OPENED_FIELDS:
            opened = self._opened(name) if name in self.fields else UNKNOWN
            if opened is not UNKNOWN and opened != _comparable(getattr(current, name)):
                label = self.fields[name].label or name
                lines.append(f"{label}: theirs “{_shown(getattr(current, name))}”, yours “{_shown(cleaned.get(name))}”")
        detail = " ".join(
            [
                STALE_MESSAGE,
                f"{who}." if who else "",
                ("They changed: " + "; ".join(lines) + ".") if lines else "",
                "Your changes are still below: save again to keep them for the fields you changed;"
                " the other fields take their newer values.",
            ]
        )
        self.data = self.data.copy()
        self.data[self.add_prefix("version")] = str(current.version)
        # A second conflict keeps the version first opened: what the editor's form still holds.
        opened = cleaned.get("base_version") or version or current.version
        self.data[self.add_prefix("base_version")] = str(opened)
        raise ValidationError(" ".join(detail.split()), code="stale")

    def _opened(self, name):
        """The value (_comparable) an OPENED_FIELDS field had when the form was opened, or UNKNOWN."""
        try:
            value = json.loads(self.data.get(self.add_prefix("opened")) or "{}").get(name, UNKNOWN)
            if isinstance(value, str):
                value = datetime.datetime.fromisoformat(value)
        except (ValueError, TypeError, AttributeError):
            return UNKNOWN
        return value

    def _keep_theirs_where_untouched(self, cleaned, base_version):
        """After a conflict: the fields the editor left as they opened them take the newer values."""
        for name in self.OPENED_FIELDS:
            opened = self._opened(name) if name in cleaned and name in self.fields else UNKNOWN
            if opened is not UNKNOWN and opened == _comparable(cleaned[name]):
                cleaned[name] = getattr(self.instance, name)
        base = content_at(self.instance, base_version)
        if base is None:
            return  # no record of what they opened: their form is what they mean
        theirs = _form_values(self.instance)
        for name, content_name in CONTENT_NAMES.items():
            if name in cleaned and name in self.fields and _same(base.get(content_name), cleaned[name]):
                cleaned[name] = theirs[name]

    def _clean_identifying_url(self, cleaned):
        web_url, original_url = cleaned.get("web_url"), cleaned.get("original_url")
        if web_url is None or original_url is None:
            return  # already invalid
        url_key = web_url or original_url
        if not url_key:
            self.add_error("original_url", "A story needs a web URL or an original URL.")
        elif Article.objects.filter(url_key=url_key).exclude(pk=self.instance.pk).exists():
            field = "web_url" if web_url else "original_url"
            self.add_error(field, "Another story already has this URL.")


def gate_error(form, cleaned, *, reason="", where=""):
    """Publishing the form's story below the quality gate without a reason: an error on `published`.

    `where`: for a form with no field for the reason (the story list), where an override can be given.
    """
    story = copy.copy(form.instance)
    story.quality = cleaned.get("quality", story.quality)
    try:
        editorial.check_gate(story, override_reason=reason)
    except editorial.BelowGateError as error:
        form.add_error("published", f"{error.messages[0]} {where}".strip() if where else error)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data]
        clean_one = super().clean
        if not files:
            # No file chosen: FileField's own `required` check, which a loop
            # over an empty list would never reach.
            clean_one(None, initial)
            return []
        return [clean_one(item, initial) for item in files]


class StoryUploadForm(forms.Form):
    files = MultipleFileField(
        label="Fixture files",
        help_text="One or several story files (.txt, .md, .yaml, .yml), or .zip archives of them.",
        widget=MultipleFileInput(attrs={"accept": ".txt,.md,.yaml,.yml,.zip"}),
        error_messages={"required": "Choose at least one file."},
    )

    def __init__(self, *args, limits: UploadLimits, **kwargs):
        super().__init__(*args, **kwargs)
        self.limits = limits

    def clean(self):
        cleaned = super().clean()
        files = cleaned.get("files")
        if not files:
            return cleaned
        if len(files) > self.limits.max_files:
            raise ValidationError(
                f"{len(files)} files, more than the limit of {self.limits.max_files}; upload them in smaller parts.",
                code="too_many",
            )
        try:
            upload = read_upload([(item.name, item) for item in files], limits=self.limits)
        except UploadError as exc:
            raise ValidationError(str(exc), code="refused") from None
        if not upload.files and not upload.errors:
            raise ValidationError(
                "No story file in this upload: only .txt, .md, .yaml and .yml files are imported.", code="empty"
            )
        cleaned["upload"] = upload
        return cleaned


class AddTopicForm(forms.Form):
    topic = forms.CharField(
        max_length=MAX_SHORT, help_text="An existing topic is matched whatever its case; a new name creates it."
    )


class SetCategoryForm(forms.Form):
    category = forms.CharField(max_length=MAX_SHORT, widget=forms.TextInput(attrs={"list": "known-categories"}))


def content_at(article, version):
    """The content of `article` at `version` (its revision), or None where no revision has it."""
    revision = (
        article.revisions.filter(version=version, status=Revision.Status.LIVE)
        .order_by("-id")
        .only("content_data")
        .first()
    )
    return revision.content if revision else None


def _form_values(article):
    """The story's values as ArticleAdminForm's fields hold them."""
    values = {name: getattr(article, name) for name in CONTENT_NAMES if name != "topic_names"}
    values["topic_names"] = [topic.name for topic in article.topic_list]
    return values


def _comparable(value):
    """A value of OPENED_FIELDS as the form shows it: a time to the second, an outlet by its id."""
    if isinstance(value, datetime.datetime):
        return value.replace(microsecond=0)
    return getattr(value, "pk", value)


def _same(content_value, form_value):
    """A content value (JSON) and a form value (Python) say the same."""
    if isinstance(form_value, datetime.datetime):
        return content_value is not None and datetime.datetime.fromisoformat(content_value) == form_value
    if isinstance(form_value, list):
        return [str(v).casefold() for v in content_value or []] == [str(v).casefold() for v in form_value]
    if form_value in (None, "") and content_value in (None, ""):
        return True
    return content_value == form_value


def _shown(value):
    text = ", ".join(map(str, value)) if isinstance(value, list) else "" if value is None else str(value)
    return text if len(text) <= 80 else text[:77] + "…"
