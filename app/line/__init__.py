"""Everything that speaks to LINE."""
