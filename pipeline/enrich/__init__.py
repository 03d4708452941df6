"""Enrichment after loading: near-duplicate stories (`stories`), corpus alignment
(`align`), the reference corpus (`corpus`), and `run`, which recomputes them all."""
