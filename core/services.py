"""Writes that any app's views share."""

from django.db import models, transaction
from django.forms import ModelForm


def save_with_relations(form: ModelForm, **fields) -> models.Model:
    """Save a model form's object with `fields` set, and its many-to-many fields (a
    meeting's papers, a paper's topics), in one transaction: all of it or nothing."""
    with transaction.atomic():
        obj = form.save(commit=False)
        for name, value in fields.items():
            setattr(obj, name, value)
        obj.save()
        form.save_m2m()
    return obj
