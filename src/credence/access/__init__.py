"""Who may do what: roles, principals, purposes; accounts, tokens, sessions; and the reads they make."""

from credence.access.principal import PURPOSES, Principal, Role

__all__ = ["PURPOSES", "Principal", "Role"]
