"""Credit commitments: an organisation commits in a published template (e.g. that it meets the licence
conditions) and the approval proceeds at once; a department later marks the commitment kept or broken, and
a broken one becomes a record of breach under the catalog, noticed, contestable and repairable like any."""
