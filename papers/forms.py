from django import forms
from django.db.models import F

from .importers import FORMATS, Limits
from .models import Kind, Paper, Tier

# What the import form calls each format.
FORMAT_NAMES = {
    "markdown": "Markdown reading list",
    "curriculum": "Curriculum (Must Read / Recommended)",
    "bibtex": "BibTeX",
    "arxiv": "arXiv ids, one per line",
    "ris": "RIS",
    "csljson": "CSL-JSON (Zotero, Pandoc)",
    "json": "Reading Group JSON",
}


class CanonFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=200)
    # Free-form values, checked by their shape: validating them against the database would
    # cost two queries on every keystroke of the search box.
    topic = forms.SlugField(required=False, max_length=140)
    tier = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, choices=[("", "Any tier"), *Tier.choices]
    )
    curriculum = forms.SlugField(required=False, max_length=120)
    phase = forms.IntegerField(required=False, min_value=1)  # a phase's id
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind"), *Kind.choices])
    status = forms.ChoiceField(
        required=False,
        label="My status",
        choices=[
            ("", "Any status"),
            ("none", "Not on my list"),
            ("queued", "To read"),
            ("active", "Reading (passes 1–3)"),
            ("done", "Done"),
            ("dropped", "Dropped"),
        ],
    )

    sort = forms.ChoiceField(
        required=False,
        label="Sort",
        choices=[
            ("", "Best match, else title"),
            ("title", "Title A–Z"),
            ("-year", "Newest first"),
            ("year", "Oldest first"),
            ("tier", "Tier: Must Read first"),
            ("finished", "Most finished in my clubs"),
        ],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("tier", "kind", "status", "sort"):
            self.fields[name].widget.attrs["aria-label"] = self.fields[name].label or name

    def filter(self, papers, user):
        data = self.cleaned_data
        if data.get("status"):
            papers = papers.with_my_status(user, data["status"])
        if data.get("topic"):
            papers = papers.in_topic(data["topic"])
        if data.get("tier"):
            papers = papers.with_tier(data["tier"])
        if data.get("curriculum"):
            papers = papers.in_curriculum(data["curriculum"])
        if data.get("phase") is not None:
            papers = papers.in_phase(data["phase"])
        if data.get("kind"):
            papers = papers.filter(kind=data["kind"])
        if data.get("q"):
            papers = papers.search(data["q"])
        return papers

    def order(self, papers, user):
        """The sort the member chose; with none, a search's best matches first, else by title."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        sort = data.get("sort") or ("" if data.get("q") else "title")
        if sort == "title":
            return papers.order_by("title", "pk")
        if sort in ("year", "-year"):
            year = (
                F("year").asc(nulls_last=True)
                if sort == "year"
                else F("year").desc(nulls_last=True)
            )
            return papers.order_by(year, "title", "pk")
        if sort == "tier":
            return papers.order_by(F("tier").asc(nulls_last=True), "title", "pk")
        if sort == "finished":
            return papers.with_club_finishers(user).order_by("-club_finished", "title", "pk")
        # A search's own ranking where it has one (PostgreSQL), else by title.
        return papers if papers.ordered else papers.order_by("title", "pk")


class ImportForm(forms.Form):
    file = forms.FileField(required=False, help_text="A .md, .bib, .txt or .json reading list.")
    text = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        label="Or paste the list",
    )
    format = forms.ChoiceField(
        choices=[("auto", "Detect from the file"), *[(f, FORMAT_NAMES[f]) for f in FORMATS]],
        initial="auto",
    )
    curriculum = forms.CharField(
        required=False,
        max_length=200,
        help_text="For a curriculum list: the curriculum its phases belong to (created if "
        "new). Leave empty to use the title in the file's front matter. Other curricula "
        "are never changed.",
    )
    dry_run = forms.BooleanField(
        required=False, label="Preview only: show what would change, save nothing"
    )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and (error := Limits.for_web().size_error(upload.size)):
            raise forms.ValidationError(f"Nothing was imported: {error}.")
        return upload

    def clean_text(self):
        text = self.cleaned_data.get("text", "")
        if error := Limits.for_web().size_error(len(text.encode("utf-8"))):
            raise forms.ValidationError(f"Nothing was imported: {error}.")
        return text

    def clean(self):
        data = super().clean()
        upload, text = data.get("file"), data.get("text", "")
        if self.errors:
            return data
        if upload and text.strip():
            raise forms.ValidationError("Upload a file or paste a list, not both.")
        if upload:
            try:
                data["content"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("file", "That file is not UTF-8 text.")
                return data
            data["filename"] = upload.name
        elif text.strip():
            data["content"], data["filename"] = text, ""
        else:
            raise forms.ValidationError("Choose a file to upload or paste a reading list.")
        return data


class IdentifierForm(forms.Form):
    identifier = forms.CharField(
        label="arXiv id or URL, DOI, or a BibTeX entry",
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "1706.03762"}),
        max_length=20_000,
    )


class PaperForm(forms.ModelForm):
    class Meta:
        model = Paper
        fields = [
            "title",
            "authors",
            "year",
            "venue",
            "kind",
            "url",
            "arxiv_id",
            "doi",
            "abstract",
            "tldr",
            "tier",
            "topics",
        ]
        widgets = {
            "authors": forms.Textarea(attrs={"rows": 3}),
            "abstract": forms.Textarea(attrs={"rows": 4}),
            "tldr": forms.Textarea(attrs={"rows": 2}),
        }

    def clean_year(self) -> int | None:
        year = self.cleaned_data["year"]
        if year is not None and not 1000 <= year <= 2999:
            raise forms.ValidationError("Give the year the paper appeared, e.g. 2017.")
        return year

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        if url and not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError("Links must start with http:// or https://.")
        return url

    def clean_arxiv_id(self) -> str:
        from .identity import normalize_arxiv_id

        value = self.cleaned_data["arxiv_id"].strip()
        if value and not normalize_arxiv_id(value):
            raise forms.ValidationError("That is not an arXiv id (e.g. 1706.03762).")
        value = normalize_arxiv_id(value) if value else ""
        if value and Paper.objects.filter(arxiv_id=value).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("A paper with this arXiv id is already in the canon.")
        return value

    def clean_doi(self) -> str:
        from .identity import normalize_doi

        value = self.cleaned_data["doi"].strip()
        if value and not normalize_doi(value):
            raise forms.ValidationError("That is not a DOI (they start with 10.).")
        value = normalize_doi(value) if value else ""
        if value and Paper.objects.filter(doi=value).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("A paper with this DOI is already in the canon.")
        return value
