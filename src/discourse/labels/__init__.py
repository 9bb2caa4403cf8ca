"""Stance and theme labelling: a registry of named, versioned labelers with one interface.

Importing this package registers the built-in labelers: ``rules``, ``embed-logreg``,
``combined``, ``setfit`` and ``student``.
"""

from discourse.labels import rules, setfit, student, supervised  # noqa: F401  (registration)
from discourse.labels.base import BaseLabeler, labelers, make_labeler, output_columns

__all__ = ["BaseLabeler", "labelers", "make_labeler", "output_columns"]
