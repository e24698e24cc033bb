from zoneinfo import ZoneInfo

from django import forms
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from notes.forms import MAX_TEXT
from notes.markdown import MarkdownRefused, render_markdown, validate_renderable
from papers.models import Paper

from .models import TIME_ZONES, Answer, Away, Club, Meeting, Role, meeting_window
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
            "discussion_pass",
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
        ]
        widgets = {"agenda": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, club: Club, **kwargs) -> None:
        self.club = club
        super().__init__(*args, **kwargs)
        # Members, plus whoever already presents or leads, even if they have left since:
        # editing the meeting must not silently clear them.
        keep = [self.instance.presenter_id, self.instance.discussion_lead_id]
        members = (
            User.objects.filter(
                Q(memberships__club=club, is_active=True) | Q(pk__in=[pk for pk in keep if pk])
            )
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
        value = timezone.make_aware(timezone.make_naive(value), self.zone) if value else value
        clash = self.club.meetings.filter(starts_at=value).exclude(pk=self.instance.pk).first()
        if clash is not None:
            raise forms.ValidationError(
                "The club already meets at that time: edit that meeting, or pick another time."
            )
        return value

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
        return renderable(self.cleaned_data["agenda"], "agenda")


def renderable(text: str, name: str) -> str:
    """The field's Markdown, if the renderer takes it: the model renders it on save."""
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


# -- The club's week ------------------------------------------------------------------------


def local_moment(value, club: Club):
    """A naive date and time the member typed, as the instant it names in the club's zone."""
    if value is None:
        return value
    return timezone.make_aware(timezone.make_naive(value), ZoneInfo(club.time_zone))


class LocalDateTimeField(forms.DateTimeField):
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class RsvpForm(forms.Form):
    answer = forms.ChoiceField(choices=Answer.choices)


class UpcomingMeetingField(forms.ModelChoiceField):
    def label_from_instance(self, meeting: Meeting) -> str:
        local = timezone.localtime(meeting.starts_at, ZoneInfo(meeting.club.time_zone))
        return f"{local:%a %b} {local.day}, {local:%H:%M}"


UPCOMING_ONLY = {"invalid_choice": "Choose one of the club's upcoming meetings."}


class ProposeForm(forms.Form):
    """A paper for an upcoming meeting: one from the canon, or an arXiv id, DOI or BibTeX
    entry for one the canon does not have yet (with its title, when arXiv or Crossref
    cannot be reached)."""

    meeting = UpcomingMeetingField(
        queryset=Meeting.objects.none(), empty_label=None, error_messages=UPCOMING_ONLY
    )
    paper = forms.ModelChoiceField(
        queryset=Paper.objects.all(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "That paper is not in the canon; search again."},
    )
    identifier = forms.CharField(
        label="Or an arXiv id or link, DOI, or BibTeX entry",
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "2106.09685"}),
    )
    title = forms.CharField(
        label="Title",
        required=False,
        max_length=500,
        help_text="Only needed when the paper cannot be looked up.",
    )
    pitch = forms.CharField(
        label="Why read it",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "One or two sentences"}),
    )

    def __init__(self, *args, club: Club, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = (
            club.meetings.upcoming().filter(starts_at__gt=timezone.now()).select_related("club")
        )

    def clean(self):
        data = super().clean()
        if not (data.get("paper") or data.get("identifier", "").strip() or data.get("title")):
            raise forms.ValidationError(
                "Pick a paper from the canon, or give its arXiv id, DOI, BibTeX entry or title."
            )
        return data


class OpenRoundForm(forms.Form):
    meeting = UpcomingMeetingField(
        queryset=Meeting.objects.none(),
        empty_label=None,
        error_messages={
            "invalid_choice": "Choose an upcoming meeting of the club that has no vote yet."
        },
    )
    closes_at = LocalDateTimeField(label="Voting closes", help_text="In the club's time zone.")

    def __init__(self, *args, club: Club, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.club = club
        self.fields["meeting"].queryset = (
            club.meetings.upcoming()
            .filter(starts_at__gt=timezone.now(), voting__isnull=True)
            .select_related("club")
        )

    def clean_closes_at(self):
        return local_moment(self.cleaned_data["closes_at"], self.club)


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment",
        max_length=10_000,
        validators=[validate_renderable],
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Markdown and $math$ work."}),
        error_messages={"required": "Write something first."},
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)


class CommentEditForm(forms.Form):
    body = CommentForm.base_fields["body"]
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class QuestionForm(forms.Form):
    paper = forms.TypedChoiceField(coerce=int, label="On")
    text = forms.CharField(
        label="Your question",
        max_length=1_000,
        validators=[validate_renderable],
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Write the question first."},
    )

    def __init__(self, *args, papers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["paper"].choices = [(p.pk, p.title) for p in papers]
        if len(papers) == 1:
            self.fields["paper"].widget = forms.HiddenInput()
            self.initial.setdefault("paper", papers[0].pk)


class MinutesForm(forms.ModelForm):
    discussed = forms.MultipleChoiceField(
        label="Discussed at the meeting",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Questions left unticked stay open for the next meeting on the paper.",
    )

    class Meta:
        model = Meeting
        fields = ["outcome"]
        labels = {"outcome": "Minutes"}
        widgets = {"outcome": forms.Textarea(attrs={"rows": 6})}
        help_texts = {"outcome": "What came out of the meeting. Markdown."}

    def __init__(self, *args, questions, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.fields["discussed"].choices = [(q.key, q.key) for q in questions]
        self.initial.setdefault(
            "discussed", [q.key for q in questions if q.discussed_in_id == self.instance.pk]
        )

    def clean_outcome(self) -> str:
        return renderable(self.cleaned_data["outcome"], "minutes")


class AwayForm(forms.ModelForm):
    class Meta:
        model = Away
        fields = ["starts_on", "ends_on", "note"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
            "note": forms.TextInput(attrs={"placeholder": "Conference, holiday… (optional)"}),
        }

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends:
            if ends < starts:
                self.add_error("ends_on", "The last day comes after the first.")
            earliest, latest = meeting_window()
            if not earliest.date() <= starts <= latest.date() or ends > latest.date():
                self.add_error("starts_on", "Choose dates within ten years of today.")
            elif (ends - starts).days > 366:
                self.add_error("ends_on", "Mark at most a year at a time.")
        return data
