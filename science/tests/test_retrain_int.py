"""Integration: `retrain --store` against the real PostgreSQL score store and the real MLflow server.

A scratch schema gets the sink's migrations and a pump's stored alerts; retraining on the
last stretch registers a challenger carrying its window, rows and source; `--drop-labelled`
leaves out the alerts whose newest human label is ANOMALY; a thin window is refused and leaves
the alias where it was, and publishing is refused. Not skipped when a server is down: it fails
and says what is missing (PostgreSQL at DATABASE_URL, MLflow at MLFLOW_TRACKING_URI).
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import numpy as np
import psycopg
import pytest
from mlflow.tracking import MlflowClient

from vigil_science import data
from vigil_science.cli import main
from vigil_science.errors import VigilScienceError
from vigil_science.registry import check_reachable, tracking_uri

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = ROOT / "services/sink/migrations"
DSN = os.environ.get("DATABASE_URL", "postgres://vigil:vigil@127.0.0.1:5432/vigil")


@pytest.fixture
def store(generated: Path):
    """A scratch schema with the sink's tables and the alerts of one generated pump (900 rows, 1 per second)."""
    schema = f"retrain_{uuid.uuid4().hex[:10]}"
    try:
        conn = psycopg.connect(DSN, autocommit=True, connect_timeout=5)
    except psycopg.Error as e:
        pytest.fail(f"PostgreSQL is required for this integration test ({DSN}; ./vigil stack start): {e}")
    [pump] = data.load(generated / "valve" / "0.csv")
    try:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"SET search_path TO {schema}")
        for migration in sorted(MIGRATIONS.glob("*.sql")):
            conn.execute(migration.read_text())
        days = sorted({str(d) for d in pump.ts.astype("datetime64[ms]").astype("datetime64[D]")})
        conn.execute("SELECT vigil_ensure_daily_partitions('alerts', %s::date[])", (days,))
        rows = []
        for i in range(len(pump)):
            values = {k: float(v[i]) for k, v in pump.values.items()}
            features = {"Current.mean_60s": values["Current"]}  # as enrichment stores them, beside the values
            rows.append((f"a{i}", int(pump.ts[i]), "pump/0", json.dumps(values), json.dumps(features)))
        with conn.cursor() as cur:
            cur.executemany(
                """INSERT INTO alerts (alert_id, ts, entity, source, ingested_at, signal_values, attrs, features,
                                       origin_topic, origin_partition, origin_offset, origin_format)
                   VALUES (%s, to_timestamp(%s / 1000.0), %s, 'test', now(), %s::jsonb, '{"site": "a"}', %s::jsonb,
                           'telemetry.raw', 0, '0', 'json')""",
                rows,
            )
            # Window = rows 300..899 (the last 10 min); its first 420 rows are fitted, the last 180 held out.
            # Rows 300..309 are labelled ANOMALY, row 300 relabelled NORMAL later: 9 rows leave the fit.
            # Row 100 (before the window) is labelled too and changes nothing.
            labels = [(f"a{i}", "ANOMALY", "ana", "2030-01-01T00:00:00Z") for i in [100, *range(300, 310)]]
            labels.append(("a300", "NORMAL", "bob", "2030-01-02T00:00:00Z"))
            cur.executemany(
                "INSERT INTO labels (alert_id, label, labeller, labelled_at) VALUES (%s, %s, %s, %s::timestamptz)",
                labels,
            )
        yield {"schema": schema, "newest": int(pump.ts.max())}
    finally:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.close()


def test_retrain_from_the_store_registers_a_challenger_with_its_window_and_refuses_thin_windows(store, tmp_path):
    uri = tracking_uri()
    try:
        check_reachable(uri)
    except VigilScienceError as e:
        pytest.fail(f"MLflow is required for this integration test: {e}")
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    name = f"test-retrain-{uuid.uuid4().hex[:10]}"
    until = store["newest"] + 1
    until_iso = f"{np.datetime64(until, 'ms')}Z"
    common = [
        "retrain", "--config", str(ROOT / "science/modules/skab-envelope.json"), "--store", DSN,
        "--schema", store["schema"], "--entity", "pump/0", "--model-name", name, "--out", str(tmp_path / "b"),
    ]
    try:
        assert main([*common, "--window", "10m", "--until", until_iso]) == 0
        version = client.get_model_version_by_alias(name, "challenger")
        run = client.get_run(version.run_id)
        assert run.data.params["retrain.rows"] == "600"
        assert run.data.params["retrain.windowTo"] == until_iso
        assert run.data.params["retrain.windowFrom"] == f"{np.datetime64(until - 600_000, 'ms')}Z"
        assert run.data.params["source_rowsPerEntity"] == '{"pump/0": 600}'
        assert run.data.params["source_store"] == "alerts" and run.data.params["source_entity"] == "pump/0"
        assert run.data.params["rows_fit"] == "420"
        assert version.tags["vigil.module"] == "skab-envelope"

        # Without the labelled anomalies: a second challenger, fitted on 9 rows fewer.
        assert main([*common, "--window", "10m", "--until", until_iso, "--drop-labelled"]) == 0
        labelled = client.get_model_version_by_alias(name, "challenger")
        assert labelled.version != version.version
        assert client.get_run(labelled.run_id).data.params["rows_fit"] == "411"
        version = labelled

        # Too few rows in the window: refused, nothing registered, the alias stays.
        assert main([*common, "--window", "1m", "--until", until_iso]) == 2
        assert client.get_model_version_by_alias(name, "challenger").version == version.version
        assert len(client.search_model_versions(f"name='{name}'")) == 2

        # Publishing is not retrain's to do.
        assert main([*common, "--window", "10m", "--alias", "published"]) == 2
        assert len(client.search_model_versions(f"name='{name}'")) == 2
        assert client.get_model_version_by_alias(name, "challenger").version == version.version
    finally:
        versions = client.search_model_versions(f"name='{name}'")
        experiments = {client.get_run(v.run_id).info.experiment_id for v in versions}
        if versions:
            client.delete_registered_model(name)
        for experiment in experiments:
            client.delete_experiment(experiment)
