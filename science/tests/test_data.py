from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vigil_science import data
from vigil_science.errors import DATA_INVALID, VigilScienceError


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_skab_labels_are_never_values(generated):
    f = data.load(generated / "valve" / "0.csv")[0]
    assert "anomaly" not in f.values and "changepoint" not in f.values and len(f.values) == 8
    assert f.labels is not None and f.labels.sum() > 0
    assert f.entity[0] == "valve/0"


def test_ms_cloud_format(tmp_path):
    p = write(
        tmp_path / "svc" / "a.csv", '"TimeStamp","Value","Label"\n2018-07-03 14:00:00,1,0\n2018-07-03 15:00:00,5,1\n'
    )
    f = data.load(p)[0]
    assert list(f.values) == ["Value"] and f.labels.tolist() == [0, 1]
    assert f.ts.tolist() == [1530626400000, 1530630000000]  # naive times are UTC
    assert f.entity[0] == "svc/a"


def test_generic_csv_with_attrs_and_epoch_ms(tmp_path):
    p = write(tmp_path / "x" / "h.csv", "ts,cpu,rule,label\n1000,0.5,ssh,0\n2000,,http,0\n")
    f = data.load(p)[0]
    assert list(f.values) == ["cpu"] and np.isnan(f.values["cpu"][1])
    assert f.attrs["rule"].tolist() == ["ssh", "http"] and f.ts.tolist() == [1000, 2000]


def test_no_time_column_is_a_clear_error(tmp_path):
    p = write(tmp_path / "x" / "bad.csv", "a,b\n1,2\n")
    with pytest.raises(VigilScienceError, match="no time column") as e:
        data.load(p)
    assert e.value.code == DATA_INVALID


def test_selections(generated):
    f = data.load(generated / "valve" / "0.csv")[0]
    assert len(data.select(f, data.Selection(first_rows=400))) == 400
    assert len(data.select(f, data.Selection(first_share=0.25))) == 225
    t0 = int(f.ts[100])
    part = data.select(f, data.Selection(time_from=t0, time_to=t0 + 50_000))
    assert len(part) == 50 and part.ts[0] == t0
    assert data.parse_time("2020-02-09T13:30:47Z") == data.parse_time("2020-02-09 13:30:47")


def test_full_and_selected_data_and_entity_clash(generated):
    frame = data.load_selected([generated / "valve"], data.Selection(first_rows=10), full=[generated / "anomaly-free"])
    assert len(frame) == 1200 + 2 * 10 and frame.labels is not None and frame.labels[:1200].sum() == 0
    with pytest.raises(VigilScienceError, match="same entity"):
        data.load_selected([generated / "valve", generated / "valve"], data.Selection(first_rows=10))
