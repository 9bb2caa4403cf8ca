"""Hand coding: samples of units to code, the coding page, and the codes read back."""
