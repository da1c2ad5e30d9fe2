"""Benchmarks of the framework integrations (run in .venv-frameworks)."""
