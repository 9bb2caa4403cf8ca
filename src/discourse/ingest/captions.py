"""Placeholder: reader being written."""
