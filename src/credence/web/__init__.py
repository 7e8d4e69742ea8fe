"""The web pages: server-rendered (Jinja2), plain and accessible, each with a JSON twin in the API."""
