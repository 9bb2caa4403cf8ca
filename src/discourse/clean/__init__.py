"""Cleaning: Unicode repair and boilerplate detection."""
