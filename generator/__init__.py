"""Publishes PyPI download statistics as a static site and keeps their history forever."""

__version__ = "0.1.0"
