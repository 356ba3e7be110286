"""Integration: log and register a module with the real MLflow server (MLFLOW_TRACKING_URI, default http://127.0.0.1:5000).

Not skipped when the server is down: it fails and says how to start it.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from vigil_science.bundle import load_bundle
from vigil_science.errors import VigilScienceError
from vigil_science.registry import check_reachable, register, tracking_uri


def test_register_logs_run_and_version_with_alias_and_the_bundle_downloads_verified(tmp_path: Path, trained):
    uri = tracking_uri()
    try:
        check_reachable(uri)
    except VigilScienceError as e:
        pytest.fail(f"MLflow is required for this integration test: {e}")
    result = trained["skab-envelope"]
    name = f"test-{uuid.uuid4().hex[:10]}"
    alias = "challenger"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    version = None
    try:
        version = register(result, alias=alias, uri=uri, model_name=name)  # a fresh registered model per run
        by_alias = client.get_model_version_by_alias(name, alias)
        assert by_alias.version == version.version and by_alias.run_id == version.run_id
        assert version.source.endswith("/bundle")
        assert by_alias.tags["vigil.format"] == "vigil.module/v1" and by_alias.tags["vigil.module"] == "skab-envelope"
        run = client.get_run(version.run_id)
        assert run.data.metrics["threshold_anomaly_above"] == result.manifest["thresholds"]["anomalyAbove"]
        assert run.data.params["module"] == "skab-envelope"
        listed = {a.path for a in client.list_artifacts(version.run_id, "plots")}
        assert "plots/calibrated.png" in listed and "plots/envelope-raw.png" in listed
        local = client.download_artifacts(version.run_id, "bundle", str(tmp_path))
        module = load_bundle(local)
        assert module.manifest["files"] == result.manifest["files"]
    finally:
        client.delete_registered_model(name)
        if version is not None:  # the run's experiment is vigil-<model name>, private to this test
            client.delete_experiment(client.get_run(version.run_id).info.experiment_id)
