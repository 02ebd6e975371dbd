"""Embedded admin pages and, later, their JSON API."""
