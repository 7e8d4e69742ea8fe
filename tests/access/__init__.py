"""Access control: roles, sign-in, purpose-bound reads, hardening, and the authorisation matrix."""
