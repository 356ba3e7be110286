"""Vigil science kit: train science modules, export vigil.module/v1 bundles, score them as the runtime does."""

__version__ = "0.1.0"
