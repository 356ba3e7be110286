"""Detection quality benchmarks through real bundles: SKAB's protocol and the drift study (docs/quality.md).

- `metrics`: point-wise F1 / FAR / MAR, event-level precision / recall;
- `features`: the enrichment service's window features computed offline (module inputs);
- `protocol`: candidates trained globally or one bundle per entity, scored with the reference scorer;
- `skab`, `drift`: the two studies; `python -m vigil_science.quality` runs both.
"""
