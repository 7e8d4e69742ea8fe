"""The API's exports: the dated files `credence export` writes (docs/exports.md), listed with their
checksums, and served, the latest of each format or one by name. Public: they hold only what anyone may
read on the profiles, records and lists."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from credence.api.shapes import ApiError, Page
from credence.exports import files
from credence.exports.files import ExportFile, ExportFormat
from credence.i18n import _

if TYPE_CHECKING:
    from credence.api.app import Registry

router = APIRouter()


class ExportFileOut(BaseModel):
    file: str
    format: ExportFormat
    date: date
    bytes: int
    sha256: str = Field(description="The SHA-256 of the file, also served beside it as <file>.sha256.")
    url: str

    @classmethod
    def of(cls, f: ExportFile) -> ExportFileOut:
        return cls(
            file=f.name,
            format=f.format,
            date=f.on,
            bytes=f.bytes,
            sha256=f.sha256,
            url=f"/api/v1/exports/files/{f.name}",
        )


def _registry(request: Request) -> Registry:
    return request.app.state.registry  # type: ignore[no-any-return]


def _served(f: ExportFile | None, reg: Registry) -> FileResponse:
    if f is None:
        raise ApiError(404, "not_found", _("no export of this format has been written yet"))
    return FileResponse(
        reg.settings.exports_dir / f.name,
        media_type=files.MEDIA_TYPES[f.format],
        filename=f.name,
        headers={"X-Checksum-SHA256": f.sha256},
    )


_FILE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file, with its SHA-256 in X-Checksum-SHA256.",
        "content": {
            "application/x-ndjson": {"schema": {"type": "string", "format": "binary"}},
            "text/csv": {"schema": {"type": "string", "format": "binary"}},
            "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.get("/api/v1/exports", response_model=Page[ExportFileOut], tags=["exports"])
def listing(
    request: Request,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[ExportFileOut]:
    """The dated export files kept (those of the last `exports_keep_days` days, and the newest of each
    format), newest first, each with its size and SHA-256."""
    reg = _registry(request)
    dated = files.served(reg.settings.exports_dir, reg.today(), reg.settings.exports_keep_days)
    return Page.of(dated, page, per_page, ExportFileOut.of)


@router.get("/api/v1/exports/latest/{format}", tags=["exports"], responses=_FILE)
def latest(request: Request, format: ExportFormat) -> FileResponse:
    """The newest export of a format (ftm, targets, ndjson, parquet, csv)."""
    reg = _registry(request)
    return _served(files.latest(reg.settings.exports_dir, format), reg)


@router.get("/api/v1/exports/files/{name}", tags=["exports"], responses=_FILE)
def dated(
    request: Request,
    name: Annotated[str, Path(pattern=files.NAME_PATTERN, max_length=64)],
) -> FileResponse:
    """One dated export file by its name, as the listing gives it: 404 once the retention removed it."""
    reg = _registry(request)
    kept = files.served(reg.settings.exports_dir, reg.today(), reg.settings.exports_keep_days)
    found = next((f for f in kept if f.name == name), None)
    return _served(found, reg)
