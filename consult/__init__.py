"""Consult: a resident-consultation platform (居民议事协商)."""
