"""discourse: a research toolkit for the computational study of breakup-advice discourse."""

__version__ = "0.1.0"
