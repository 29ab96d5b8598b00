"""Job postings: one record schema for every source, and the steps that clean it."""
