"""Comparisons, variance components, status and trend codes, expected scores, suppression."""
