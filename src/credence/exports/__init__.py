"""The registry's data out: every public list entry, public record and current grade as dated files in
FollowTheMoney, OpenSanctions' targets.simple.csv, Parquet, NDJSON and CSV (docs/exports.md)."""
