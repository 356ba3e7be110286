"""A small deterministic generator of pump-like telemetry in SKAB's file layout, for hosts without the dataset.

Eight signals named as SKAB's, driven by one latent load with noise and lags
between them (current and vibration follow flow, the thermocouple follows the
water temperature, which warms slowly). Labelled files hold one anomalous
segment each, of the kinds valves cause on the testbed: a closed valve (flow
drops, pressure rises, current falls), a broken correlation (current no longer
follows flow), a stuck flow sensor, and a vibration spike train.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SIGNALS = [
    "Accelerometer1RMS",
    "Accelerometer2RMS",
    "Current",
    "Pressure",
    "Temperature",
    "Thermocouple",
    "Voltage",
    "Volume Flow RateRMS",
]
KINDS = ("closed-valve", "broken-correlation", "stuck-sensor", "vibration")


def pump_series(n: int, rng: np.random.Generator, start: pd.Timestamp) -> pd.DataFrame:
    t = np.arange(n)
    # The load wanders around its set point (mean-reverting, so every file stays in the range that
    # normal operation covers, as a regulated pump does) on top of a slow cycle.
    wander = np.zeros(n)
    steps = rng.normal(0, 0.002, n)
    for i in range(1, n):
        wander[i] = 0.995 * wander[i - 1] + steps[i]
    load = 0.8 + 0.1 * np.sin(2 * np.pi * t / 600.0 + rng.uniform(0, 6.28)) + wander
    load = np.clip(load, 0.5, 1.1)
    flow = 120.0 * load + rng.normal(0, 1.0, n)
    current = 0.4 + 1.6 * load + rng.normal(0, 0.03, n)
    pressure = 0.05 + 0.3 * (1.0 - load) + rng.normal(0, 0.05, n)
    temperature = 70.0 + 15.0 * (1 - np.exp(-t / 1500.0)) + rng.normal(0, 0.15, n)
    thermo = 24.0 + 0.05 * (temperature - 70.0) + np.convolve(rng.normal(0, 0.05, n), np.ones(5) / 5, mode="same")
    voltage = 230.0 + rng.normal(0, 3.0, n)
    acc1 = 0.05 + 0.12 * current / 2.0 + np.abs(rng.normal(0, 0.01, n))
    acc2 = 0.08 + 0.15 * current / 2.0 + np.abs(rng.normal(0, 0.012, n))
    df = pd.DataFrame(
        dict(zip(SIGNALS, [acc1, acc2, current, pressure, temperature, thermo, voltage, flow], strict=True))
    )
    df.insert(0, "datetime", (start + pd.to_timedelta(t, unit="s")).strftime("%Y-%m-%d %H:%M:%S"))
    return df


def inject(df: pd.DataFrame, kind: str, lo: int, hi: int, rng: np.random.Generator) -> pd.DataFrame:
    seg = slice(lo, hi)
    if kind == "closed-valve":
        df.loc[lo : hi - 1, "Volume Flow RateRMS"] *= 0.35
        df.loc[lo : hi - 1, "Pressure"] += 0.6
        df.loc[lo : hi - 1, "Current"] -= 0.35
    elif kind == "broken-correlation":
        df.loc[lo : hi - 1, "Current"] = df["Current"].iloc[seg].mean() + rng.normal(0, 0.25, hi - lo)
    elif kind == "stuck-sensor":
        df.loc[lo : hi - 1, "Volume Flow RateRMS"] = df["Volume Flow RateRMS"].iloc[lo - 1]
        df.loc[lo : hi - 1, "Current"] += 0.3
    else:
        df.loc[lo : hi - 1, "Accelerometer1RMS"] += np.abs(rng.normal(0.15, 0.08, hi - lo))
        df.loc[lo : hi - 1, "Accelerometer2RMS"] += np.abs(rng.normal(0.18, 0.08, hi - lo))
    return df


def generate(out: Path, *, seed: int = 20200308, free_rows: int = 3000, files: int = 8, rows: int = 1100) -> Path:
    """Write <out>/anomaly-free/anomaly-free.csv and <out>/valve/<i>.csv (`;`-separated, SKAB columns)."""
    rng = np.random.default_rng(seed)
    (out / "anomaly-free").mkdir(parents=True, exist_ok=True)
    (out / "valve").mkdir(parents=True, exist_ok=True)
    start = pd.Timestamp("2020-02-08 13:30:47")
    pump_series(free_rows, rng, start).to_csv(out / "anomaly-free" / "anomaly-free.csv", sep=";", index=False)
    for i in range(files):
        df = pump_series(rows, rng, start + pd.Timedelta(days=i + 1))
        lo = int(rng.integers(int(rows * 0.5), int(rows * 0.7)))  # after SKAB's 400 training rows for rows >= 800
        hi = lo + int(rng.integers(int(rows * 0.14), int(rows * 0.27)))
        df = inject(df, KINDS[i % len(KINDS)], lo, hi, rng)
        df["anomaly"] = 0.0
        df.loc[lo : hi - 1, "anomaly"] = 1.0
        df["changepoint"] = 0.0
        df.loc[[lo, hi], "changepoint"] = 1.0
        df.to_csv(out / "valve" / f"{i}.csv", sep=";", index=False)
    return out
