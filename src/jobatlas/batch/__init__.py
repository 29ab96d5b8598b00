"""Batch classification of posting files, in-process or on a Dask cluster."""

from jobatlas.batch.runner import BatchReport, PartitionFailure, run_batch

__all__ = ["BatchReport", "PartitionFailure", "run_batch"]
