"""Published sources read into the interchange format: the development banks' debarment lists.

Each source has a metadata file (datasets/<name>.yml); `read_source` maps its rows, the ordinary ingestion
service validates and stores them.
"""

from credence.sources.mapping import DatasetMapping, Role, list_datasets, load_dataset, load_dataset_file
from credence.sources.readers import SourceFileError, check_row_count, count_rows, read_raw, read_source
from credence.sources.transform import INTERCHANGE_FIELDS, RowMapper

__all__ = [
    "INTERCHANGE_FIELDS",
    "DatasetMapping",
    "Role",
    "RowMapper",
    "SourceFileError",
    "check_row_count",
    "count_rows",
    "list_datasets",
    "load_dataset",
    "load_dataset_file",
    "read_raw",
    "read_source",
]
