"""Public credit reports: what the registry publishes about an organisation, as a PDF with a verification
code that anyone can check on the site (genuine, and still current)."""

from credence.reports.service import Issued, MalformedCode, ReportNotFound, ReportService, Verification

__all__ = ["Issued", "MalformedCode", "ReportNotFound", "ReportService", "Verification"]
