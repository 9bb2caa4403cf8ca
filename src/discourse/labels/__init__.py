"""Stance and theme labelling: a registry of named, versioned labelers with one interface."""

from discourse.labels.base import BaseLabeler, labelers, make_labeler

__all__ = ["BaseLabeler", "labelers", "make_labeler"]
