"""One error type for the kit, with a code in the project's VIGIL_<AREA>_<WHAT> style."""

from __future__ import annotations

from typing import Any


class VigilScienceError(Exception):
    """An error with a stable code; `context` carries the facts needed to act on it."""

    def __init__(self, code: str, message: str, **context: Any) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.context = context


# Codes raised by the kit. The TypeScript runtime uses the same bundle codes.
BUNDLE_INVALID = "VIGIL_BUNDLE_INVALID"  # manifest fails the schema or a semantic check
BUNDLE_FILE_MISSING = "VIGIL_BUNDLE_FILE_MISSING"  # a file listed in `files` is absent
BUNDLE_HASH_MISMATCH = "VIGIL_BUNDLE_HASH_MISMATCH"  # a file's sha256 differs from `files`
BUNDLE_FORMAT = "VIGIL_BUNDLE_FORMAT"  # unknown `format` (not vigil.module/v1)
BUNDLE_SELF_TEST = "VIGIL_BUNDLE_SELF_TEST"  # the manifest's selfTest does not reproduce
CONFIG_INVALID = "VIGIL_SCIENCE_CONFIG_INVALID"  # a module config cannot be trained
DATA_INVALID = "VIGIL_SCIENCE_DATA_INVALID"  # training/scoring data unreadable or empty
TRAINING_FAILED = "VIGIL_SCIENCE_TRAINING_FAILED"  # training produced an unusable module
REGISTRY_UNREACHABLE = "VIGIL_SCIENCE_REGISTRY_UNREACHABLE"  # MLflow not reachable
RETRAIN_REFUSED = "VIGIL_SCIENCE_RETRAIN_REFUSED"  # retrain asked to publish, or its window is too thin
