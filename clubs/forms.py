from zoneinfo import ZoneInfo

from django import forms
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from notes.forms import MAX_TEXT
from notes.markdown import MarkdownRefused, render_markdown
from papers.models import Paper

from .models import TIME_ZONES, Club, Meeting, Role
from .notifications import WEBHOOK_EVENTS, WebhookError, check_webhook_url


class ClubForm(forms.ModelForm):
    time_zone = forms.ChoiceField(choices=[(tz, tz) for tz in TIME_ZONES], initial="UTC")

    class Meta:
        model = Club
        fields = [
            "name",
            "description",
            "curricula",
            "meeting_weekday",
            "meeting_time",
            "time_zone",
            "place",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "meeting_time": forms.TimeInput(attrs={"type": "time"}),
            "curricula": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "curricula": "The curricula the club follows (optional): the club's progress "
            "shows their phases."
        }

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Give the club a name.")
        return name


# Readiness shows one column per paper; a week's reading beyond this is a curriculum.
MAX_MEETING_PAPERS = 10


class MeetingForm(forms.ModelForm):
    starts_at = forms.DateTimeField(
        label="Date and time",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text="In the club's time zone.",
    )
    papers = forms.ModelMultipleChoiceField(
        queryset=Paper.objects.all(), required=False, widget=forms.MultipleHiddenInput
    )

    class Meta:
        model = Meeting
        fields = [
            "starts_at",
            "duration_minutes",
            "papers",
            "presenter",
            "discussion_lead",
            "place",
            "minimum_pass",
            "agenda",
            "outcome",
        ]
        widgets = {
            "agenda": forms.Textarea(attrs={"rows": 4}),
            "outcome": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, club: Club, **kwargs) -> None:
        self.club = club
        super().__init__(*args, **kwargs)
        # Members, plus whoever already presents or leads, even if they have left since:
        # editing the meeting must not silently clear them.
        keep = [self.instance.presenter_id, self.instance.discussion_lead_id]
        members = (
            User.objects.filter(Q(memberships__club=club) | Q(pk__in=[pk for pk in keep if pk]))
            .distinct()
            .order_by("username")
        )
        self.fields["presenter"].queryset = members
        self.fields["discussion_lead"].queryset = members
        self.zone = ZoneInfo(club.time_zone)
        if self.instance.starts_at:
            try:
                local = timezone.localtime(self.instance.starts_at, self.zone)
            except OverflowError:  # stored before dates were checked; shown as it is
                local = self.instance.starts_at
            self.initial["starts_at"] = local.replace(tzinfo=None)

    def clean_starts_at(self):
        value = self.cleaned_data["starts_at"]
        # The organizer types the club's local time; store the instant it names.
        return timezone.make_aware(timezone.make_naive(value), self.zone) if value else value

    def clean_papers(self):
        papers = self.cleaned_data["papers"]
        if len(papers) > MAX_MEETING_PAPERS:
            raise forms.ValidationError(
                f"A meeting covers at most {MAX_MEETING_PAPERS} papers; split the reading "
                "over more weeks."
            )
        return papers

    def clean_duration_minutes(self) -> int:
        minutes = self.cleaned_data["duration_minutes"]
        if not 5 <= minutes <= 600:
            raise forms.ValidationError("A meeting lasts between 5 minutes and 10 hours.")
        return minutes

    def clean_agenda(self) -> str:
        return self._markdown("agenda")

    def clean_outcome(self) -> str:
        return self._markdown("outcome")

    def _markdown(self, name: str) -> str:
        """The field's Markdown, if the renderer takes it: the meeting renders it on save."""
        text = self.cleaned_data[name]
        if len(text) > MAX_TEXT:
            raise forms.ValidationError(
                f"Keep the {name} under {MAX_TEXT:,} characters.", code="max_length"
            )
        try:
            render_markdown(text)
        except MarkdownRefused as refused:
            raise forms.ValidationError(str(refused), code="unrenderable") from refused
        return text


class InviteForm(forms.Form):
    email = forms.EmailField(required=False, help_text="Leave empty to get a link to share.")
    multi_use = forms.BooleanField(required=False, label="Link can be used by several people")
    days = forms.IntegerField(min_value=1, max_value=90, initial=14, label="Valid for (days)")


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class SignUpForm(forms.Form):
    """Accounts are created only by following an invitation. An invitation sent to an
    address signs up that address: the field shows it and cannot be changed."""

    # One message whether the username, the email or both are taken: the page is public
    # and must not tell a stranger who has an account here.
    UNUSABLE = (
        "That username or email cannot be used; if you already have an account, "
        "sign in and open the link again."
    )

    username = forms.RegexField(
        regex=r"^[\w.@+-]+$",
        max_length=150,
        error_messages={"invalid": "Use letters, digits and @ . + - _ only."},
    )
    display_name = forms.CharField(max_length=80, required=False)
    email = forms.EmailField()
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label="Password again", widget=forms.PasswordInput, strip=False)

    def __init__(self, *args, invited_email: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.invited_email = invited_email
        if invited_email:
            email = self.fields["email"]
            email.initial = invited_email
            email.disabled = True  # the posted value is ignored; clean_email checks it
            email.help_text = "The invitation was sent to this address."

    def clean_email(self) -> str:
        if not self.invited_email:
            return self.cleaned_data["email"]
        posted = self.data.get(self.add_prefix("email"), "")
        if posted and posted.strip().casefold() != self.invited_email.casefold():
            from .services import WRONG_EMAIL

            raise forms.ValidationError(WRONG_EMAIL)
        return self.invited_email

    def clean(self):
        from django.contrib.auth.password_validation import validate_password

        data = super().clean()
        taken = Q()
        if data.get("username"):
            taken |= Q(username__iexact=data["username"])
        if data.get("email"):
            taken |= Q(email__iexact=data["email"])
        if taken and User.objects.filter(taken).exists():
            self.add_error(None, self.UNUSABLE)
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        elif data.get("password1"):
            user = User(username=data.get("username", ""), email=data.get("email", ""))
            try:
                validate_password(data["password1"], user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class ClubNotificationsForm(forms.ModelForm):
    """An organizer's choices for what the club is sent, and where its chat is."""

    webhook_events = forms.MultipleChoiceField(
        label="Send to the chat",
        choices=WEBHOOK_EVENTS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Club
        fields = ["reminder_hours", "webhook_url", "webhook_events"]
        widgets = {"webhook_url": forms.TextInput(attrs={"autocomplete": "off"})}

    def clean_webhook_url(self) -> str:
        url = self.cleaned_data["webhook_url"].strip()
        if url:
            try:
                check_webhook_url(url)
            except WebhookError as error:
                raise forms.ValidationError(str(error)) from error
        return url

    def save(self, commit: bool = True) -> Club:
        club = super().save(commit=False)
        if "webhook_url" in self.changed_data:
            # Meetings scheduled before the chat was connected are not announced to it.
            club.webhook_since = timezone.now() if club.webhook_url else None
        if commit:
            club.save()
        return club
