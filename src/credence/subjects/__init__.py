"""Who a record is about, across sources: names and identifiers compared (names, model), links between
subjects as judgements that are never rewrites (links), and the files they make (clusters). Domain
packages read an organisation's file through this package; it depends only on identity, store and log."""
