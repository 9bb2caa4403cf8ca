"""Packaged data: the default codebook and trained label models."""
