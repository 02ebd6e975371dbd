"""Fixtures shared across test folders, registered by tests/conftest.py (`pytest_plugins`)."""
