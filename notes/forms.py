from django import forms
from django.core.validators import MaxLengthValidator

from .markdown import validate_renderable
from .models import TEXT_FIELDS, Note, Status

MAX_TEXT = 20_000

PROMPTS = {
    "pass1": "Abstract, figures, conclusion. What is it about? Should I read more?",
    "pass2": "Introduction, method, experiments, appendix. What motivates it, how does it work, "
    "are the results convincing?",
    "pass3": "Implementing it: what surprised you, what the paper left out.",
    "problem": "What problem does the paper address?",
    "approach": "How does it go about it?",
    "key_result": "What is the key result?",
    "limitation": "One limitation or open question.",
    "thoughts": "Anything else: how it connects, what you'd try next.",
}


class NoteForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    class Meta:
        model = Note
        fields = [*TEXT_FIELDS, "implementation_url", "visibility"]
        widgets = {
            name: forms.Textarea(attrs={"rows": 4, "placeholder": prompt})
            for name, prompt in PROMPTS.items()
        } | {"visibility": forms.RadioSelect}
        help_texts = {"implementation_url": "A link to your code for pass 3."}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in TEXT_FIELDS:
            if name in self.fields:  # a section's form has some of them
                self.fields[name].validators += [MaxLengthValidator(MAX_TEXT), validate_renderable]
        if "version" not in self.initial:
            self.initial["version"] = self.instance.version if self.instance.pk else 0

    def clean_implementation_url(self) -> str:
        url = self.cleaned_data["implementation_url"].strip()
        if url and not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError("Link to your code with an http or https address.")
        return url


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)
    minutes_spent = forms.IntegerField(required=False, min_value=0, max_value=100_000)
