"""Settings for one registry instance, read from CREDENCE_* environment variables and passed in."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything configurable. Build one at an edge (CLI, server, test) and pass it down."""

    model_config = SettingsConfigDict(env_prefix="CREDENCE_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./credence.db",
        description="SQLAlchemy URL of the store; SQLite files run in WAL mode.",
    )
    statement_timeout_seconds: float = Field(
        default=30,
        ge=0,
        description="On PostgreSQL, the longest a statement of the server's (API and web pages) may run "
        "before it is cancelled; 0: no limit. Batch commands and the server's tick and audit have none.",
    )
    catalog_path: Path | None = Field(
        default=None,
        description="A catalog YAML replacing the one shipped in the package.",
    )
    lexicon_path: Path | None = Field(
        default=None,
        description="A prohibited-grounds lexicon YAML replacing the one shipped in the package "
        "(credence/screening/lexicon.yaml); the server screens the whole store again when it changes.",
    )
    sources_dir: Path | None = Field(
        default=None,
        description="A folder of dataset YAMLs (NAME.yml) that `credence ingest --source NAME` reads; one "
        "named like a shipped source replaces it (docs/sources.md).",
    )
    link_auto_threshold: float = Field(
        default=0.9999,
        gt=0,
        le=1,
        description="Match probability from which the linkage model joins two subjects without an "
        "identifier into one file by itself (docs/linkage.md shows the precision and recall it gives).",
    )
    link_model_path: Path | None = Field(
        default=None,
        description="A linkage model in Splink's saved-model JSON replacing the one shipped in the package "
        "(credence/subjects/model.json), such as one `credence link calibrate` made on this registry.",
    )
    link_review_threshold: float = Field(
        default=0.3,
        gt=0,
        le=1,
        description="Match probability from which a pair goes to the clerks' review queue; below it the "
        "model leaves the pair alone.",
    )
    timezone: str = Field(
        default="Asia/Shanghai",
        description="Time zone whose calendar date is 'today' when checking that decisions are not "
        "in the future.",
    )
    ingest_chunk_rows: int | None = Field(
        default=None,
        ge=1,
        le=100_000,
        description="Rows committed per transaction during ingestion; each row is in exactly one chunk "
        "(default: 2,000 on SQLite, 10,000 on PostgreSQL).",
    )
    ingest_analyze_rows: int = Field(
        default=10_000,
        ge=1,
        description="An ingest refreshes the database's statistics of the tables it writes once it has "
        "added at least this many records and as many as the store held at the last refresh, and at its end "
        "after at least this many records and a tenth of the store.",
    )
    ingest_parallel_bytes: int = Field(
        default=16 << 20,
        ge=0,
        description="Files at least this large are read and checked in a second process while the first "
        "writes (0: always; smaller files are not worth the process start).",
    )
    rating_policy: str | None = Field(
        default=None,
        description="The shipped rating policy version in use (default: the newest shipped).",
    )
    rating_policy_path: Path | None = Field(
        default=None,
        description="A rating policy YAML to use instead of a shipped version.",
    )
    rating_memory_limit: str = Field(
        default="1GB",
        pattern=r"^[0-9]+(\.[0-9]+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
        description="The most memory the batch rating's DuckDB may hold (DuckDB's memory_limit, such as "
        "1GB); beyond it, it spills to the temp directory.",
    )
    rating_temp_dir: Path | None = Field(
        default=None,
        description="Where the batch rating writes its partitions, results and spill files, removed when "
        "it ends (default: the system's temp directory).",
    )
    rating_partition_records: int | None = Field(
        default=None,
        ge=1,
        description="About how many records each partition of a batch rating holds: the registry is cut "
        "into as many partitions as it takes, rated one after the other (default: 5 million per GB of "
        "rating_memory_limit).",
    )
    demo_mode: bool = Field(
        default=False,
        description="Demo mode: the API accepts record submissions, from 127.0.0.1 only.",
    )
    max_field_chars: int = Field(
        default=20_000,
        ge=100,
        description="Longest text accepted in any interchange field; longer values reject the row.",
    )
    calendar_country: str = Field(
        default="CN",
        description="Country whose public holidays and worked weekend days make the working-day calendar.",
    )
    calendar_extra_holidays: list[date] = Field(
        default=[],
        description="Days off beyond the country's calendar, as a JSON list of ISO dates.",
    )
    calendar_extra_workdays: list[date] = Field(
        default=[],
        description="Days worked although the country's calendar has them off, as a JSON list of ISO dates.",
    )
    notice_deemed_days: int = Field(
        default=30,
        ge=1,
        le=90,
        description="Days after a notice is produced when it counts as delivered if no delivery was logged.",
    )
    objection_answer_days: int = Field(
        default=30,
        ge=1,
        description="Days the submitting department has to answer an objection.",
    )
    objection_extension_days: int = Field(
        default=15,
        ge=0,
        description="Days added, once, when the organisation brings new information to an objection.",
    )
    repair_decision_working_days: int = Field(
        default=3,
        ge=1,
        description="Working days the deciding department has to decide a repair application.",
    )
    repair_total_working_days: int = Field(
        default=10,
        ge=1,
        description="Working days within which the whole repair must be complete.",
    )
    lists_path: Path | None = Field(
        default=None,
        description="A lists YAML (the criteria of each list) replacing the one shipped in the package.",
    )
    measures_path: Path | None = Field(
        default=None,
        description="A measures YAML (incentive and discipline measures) replacing the one shipped.",
    )
    commitment_templates_path: Path | None = Field(
        default=None,
        description="A commitment templates YAML replacing the one shipped in the package.",
    )
    list_answer_days: int = Field(
        default=30,
        ge=30,
        description="Days an organisation has to answer a proposed serious-dishonesty listing, from its "
        "notice; never fewer than 30.",
    )
    list_comment_days: int = Field(
        default=30,
        ge=30,
        description="Days a serious-dishonesty criterion is published for comment before it may be used; "
        "never fewer than 30.",
    )
    abnormal_escalation_days: int = Field(
        default=1095,
        ge=1,
        description="Days on the abnormal-operation list after which an uncured entry moves to the "
        "serious-dishonesty list.",
    )
    abnormal_warning_days: int = Field(
        default=60,
        ge=60,
        description="Days before that move when the organisation is warned; never fewer than 60.",
    )
    tick_interval_seconds: int = Field(
        default=3600,
        ge=0,
        description="How often the server applies what is due (deemed deliveries, lapsed objections, "
        "expiries); 0 turns the schedule off.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="The server's secret: signs web session cookies and CSRF tokens. Required outside "
        "demo mode (a demo server makes one per start).",
    )
    log_key_path: Path | None = Field(
        default=None,
        description="The Ed25519 private key (PEM) that signs the transparency log's checkpoints; "
        "`credence log keygen` makes one. Required outside demo mode (a demo makes one beside its store).",
    )
    exports_dir: Path = Field(
        default=Path("./exports"),
        description="The folder `credence export` writes the dated export files to (with their SHA-256 and "
        "latest links), and the API serves them from (docs/exports.md).",
    )
    exports_keep_days: int = Field(
        default=7,
        ge=1,
        le=366,
        description="How many days of dated export files `credence export` keeps and the API serves "
        "(today's included; the newest of each format is always kept). Older files are removed with their "
        "SHA-256, so what the registry withdrew, corrected or saw end is not published on in old files "
        "(docs/exports.md).",
    )
    log_origin: str = Field(
        default="credence.localhost/log",
        min_length=1,
        max_length=200,
        description="The log's name in its checkpoints (C2SP origin line); unique to this registry.",
    )
    checkpoint_interval_seconds: int = Field(
        default=3600,
        ge=0,
        description="How often the server signs a checkpoint when the log has grown; 0 turns it off "
        "(checkpoints are still made on demand).",
    )
    session_hours: int = Field(default=12, ge=1, le=24 * 30, description="Hours a web sign-in lasts.")
    token_days: int = Field(
        default=90, ge=1, le=3650, description="Days an API token lasts unless made with another expiry."
    )
    rate_limit: str = Field(
        default="600/minute",
        description="Requests allowed per API token (or, without one, per address), in the `limits` "
        "notation; more get 429 with Retry-After.",
    )
    sign_in_rate_limit: str = Field(
        default="5/minute",
        description="Password sign-in attempts allowed per user name and per address.",
    )
    max_request_bytes: int = Field(
        default=16 << 20,
        ge=1024,
        description="Largest request body accepted; larger requests get 413.",
    )
    check_rows_per_request: int = Field(
        default=1000,
        ge=1,
        description="Most bidders one file may hold for a caller without a token or a sign-in (a check "
        "costs the server about 0.7 ms of CPU a bidder); more get 413 too_many_bidders.",
    )
    check_rows_rate: str = Field(
        default="3000/minute",
        description="Bidders checked per address without a token or a sign-in, in the `limits` notation; "
        "more get 429 bidders_per_minute with Retry-After.",
    )
    check_token_rows_per_request: int = Field(
        default=20_000,
        ge=1,
        description="Most bidders one file may hold with a token or a sign-in.",
    )
    check_token_rows_rate: str = Field(
        default="40000/minute",
        description="Bidders checked per token or signed-in account, in the `limits` notation.",
    )
    report_rate_limit: str = Field(
        default="10/minute",
        description="Credit reports issued per token, signed-in account or address; more get 429 with "
        "Retry-After.",
    )
