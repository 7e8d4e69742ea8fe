"""Ratings: a published, versioned policy turns an organisation's records into a score, a grade, reasons."""

from credence.rating.policy import Policy, PolicyError, load_policy, parse_policy

__all__ = ["Policy", "PolicyError", "load_policy", "parse_policy"]
