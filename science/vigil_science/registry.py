"""MLflow: log a training run (params, metrics, score plots, the bundle under `bundle/`) and register a version.

The registered model is named after the module. A version's `source` is the run's
`bundle/` artifact folder and its `run_id` is set, so the scoring service can
resolve an alias → version → run → artifacts `bundle/manifest.json`, ...
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

from .errors import REGISTRY_UNREACHABLE, VigilScienceError

if TYPE_CHECKING:
    from mlflow.entities.model_registry import ModelVersion

    from .train import TrainResult

DEFAULT_TRACKING_URI = "http://127.0.0.1:5000"


def tracking_uri() -> str:
    return os.environ.get("MLFLOW_TRACKING_URI", DEFAULT_TRACKING_URI)


def check_reachable(uri: str, timeout: float = 5.0) -> None:
    """Fail fast with a clear message rather than letting MLflow retry for minutes."""
    if not uri.startswith(("http://", "https://")):
        return
    try:
        with urllib.request.urlopen(f"{uri.rstrip('/')}/health", timeout=timeout) as resp:
            if resp.status != 200:
                raise VigilScienceError(
                    REGISTRY_UNREACHABLE, f"MLflow at {uri} answered /health with HTTP {resp.status}"
                )
    except (urllib.error.URLError, OSError) as e:
        raise VigilScienceError(
            REGISTRY_UNREACHABLE,
            f"MLflow tracking server at {uri} is not reachable ({e}); start the local stack (bash deploy/local/stack.sh start) or set MLFLOW_TRACKING_URI",
            uri=uri,
        ) from e


def score_plots(result: TrainResult) -> dict[str, Any]:
    """One PNG per element (held-out raw scores) and one of the module's calibrated score with its thresholds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    figs = {}
    for e in result.holdout.elements:
        raw = e.result.raw[np.isfinite(e.result.raw)]
        fig, ax = plt.subplots(figsize=(6, 3.5))
        ax.hist(raw, bins=60, color="#4477aa")
        ax.set_title(f"{result.manifest['module']} · {e.name} ({e.kind}) · held-out raw scores")
        ax.set_xlabel("raw score")
        ax.set_ylabel("rows")
        fig.tight_layout()
        figs[f"plots/{e.name}-raw.png"] = fig
    cal = result.holdout.calibrated[np.isfinite(result.holdout.calibrated)]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.hist(cal, bins=50, range=(0, 1), color="#228833")
    t = result.manifest["thresholds"]
    ax.axvline(t["unsureAbove"], color="#ccbb44", label=f"unsureAbove {t['unsureAbove']:.4f}")
    ax.axvline(t["anomalyAbove"], color="#ee6677", label=f"anomalyAbove {t['anomalyAbove']:.4f}")
    ax.legend()
    ax.set_title(f"{result.manifest['module']} · held-out calibrated module score")
    fig.tight_layout()
    figs["plots/calibrated.png"] = fig
    return figs


def register(
    result: TrainResult, *, alias: str | None = None, uri: str | None = None, model_name: str | None = None
) -> ModelVersion:
    """Log the run and register a version under `model_name` (default: the module's name)."""
    import matplotlib.pyplot as plt
    import mlflow
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    uri = uri or tracking_uri()
    check_reachable(uri)
    mlflow.set_tracking_uri(uri)
    name = model_name or result.manifest["module"]
    manifest_sha = hashlib.sha256((result.bundle_dir / "manifest.json").read_bytes()).hexdigest()
    tags = {
        "vigil.module": result.manifest["module"],
        "vigil.format": result.manifest["format"],
        "vigil.manifest_sha256": manifest_sha,
    }
    mlflow.set_experiment(f"vigil-{name}")
    with mlflow.start_run(run_name=f"{name} {result.manifest['createdAt']}", tags=tags) as run:
        mlflow.log_params({k: str(v)[:500] for k, v in result.params.items()})
        mlflow.log_metrics(result.metrics)
        mlflow.log_dict(result.manifest["training"]["config"], "config.json")
        for path, fig in score_plots(result).items():
            mlflow.log_figure(fig, path)
            plt.close(fig)
        mlflow.log_artifacts(str(result.bundle_dir), artifact_path="bundle")
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    try:
        client.create_registered_model(
            name, description=result.manifest["description"], tags={"vigil.format": result.manifest["format"]}
        )
    except MlflowException as e:
        if e.error_code != "RESOURCE_ALREADY_EXISTS":
            raise
    version = client.create_model_version(
        name,
        source=f"{run.info.artifact_uri}/bundle",
        run_id=run.info.run_id,
        tags=tags,
        description=f"{result.manifest['description']} Thresholds {result.manifest['thresholds']}.",
    )
    if alias:
        client.set_registered_model_alias(name, alias, version.version)
    return version
