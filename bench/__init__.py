"""Halqa's benchmark: a district-scale database, a bare-Django ceiling, and wrk between them (README.md)."""
