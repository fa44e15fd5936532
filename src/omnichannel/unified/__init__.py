"""The single format: Pydantic models every connector produces and consumes (UNIFIED.md)."""
