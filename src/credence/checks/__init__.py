"""Eligibility checks: for one named organisation and one domain, the measures in force today, derived
when asked from its list entries and its grade (`service`), for one organisation or for a file of bidders
(`bidders`: CSV read by ingest's decoding rules, or an XLSX workbook)."""
