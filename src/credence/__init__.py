"""Credence: an open credit-information registry for organisations."""

__version__ = "0.1.0"
