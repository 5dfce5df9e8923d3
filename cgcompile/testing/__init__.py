"""Helpers for tests and benchmarks that ship with the package: a throwaway MariaDB server."""
