"""The HTTP API (FastAPI), a thin edge over the same services as the command line."""
