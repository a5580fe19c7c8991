"""Vendored JSON Schemas (data only; see README.md). A package so that installs carry the files."""
