"""Segmentation into coding units."""
