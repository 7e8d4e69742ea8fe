"""Published sources read into the interchange format: the development banks' debarment lists, and any
list an operator describes with a dataset YAML.

Each source has a metadata file (datasets/<name>.yml, or the operator's); `read_source` maps its rows, the
ordinary ingestion service validates and stores them.
"""

from credence.sources.mapping import (
    DatasetError,
    DatasetMapping,
    DecisionRule,
    Role,
    find_dataset,
    list_datasets,
    load_dataset,
    load_dataset_file,
)
from credence.sources.readers import SourceFileError, check_row_count, count_rows, read_raw, read_source
from credence.sources.transform import INTERCHANGE_FIELDS, RowMapper, UnreadableDecision

__all__ = [
    "INTERCHANGE_FIELDS",
    "DatasetError",
    "DatasetMapping",
    "DecisionRule",
    "Role",
    "RowMapper",
    "SourceFileError",
    "UnreadableDecision",
    "check_row_count",
    "count_rows",
    "find_dataset",
    "list_datasets",
    "load_dataset",
    "load_dataset_file",
    "read_raw",
    "read_source",
]
