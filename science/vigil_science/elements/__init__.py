"""Registry of element kinds. Adding a kind = one module with a class like these, plus one line here."""

from __future__ import annotations

from .base import ElementFit, ElementKind, ElementResult
from .envelope import EllipticEnvelope
from .iforest import IsolationForestKind
from .online import Online
from .predictive import Predictive
from .rules_kind import Rules

KINDS: dict[str, ElementKind] = {k.kind: k for k in (Predictive(), EllipticEnvelope(), Rules(), IsolationForestKind(), Online())}

__all__ = ["KINDS", "ElementFit", "ElementKind", "ElementResult"]
