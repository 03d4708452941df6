"""Fetching: the HTTP client (`client`), per-host politeness and robots.txt
(`politeness`), the private-address guard (`netguard`), the raw archive (`archive`) and
the conditional-GET change check of the watch DAG (`watch`)."""
