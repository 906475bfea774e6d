"""Readers and writers of event files: Parquet and CSV, LHE, ROOT."""
