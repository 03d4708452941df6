"""Helpers shared by the tests: fakes, fixtures, service databases, crash and reader runs."""
