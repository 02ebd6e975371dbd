"""Demo store: a reproducible Japanese shop fed through the real webhook code."""
