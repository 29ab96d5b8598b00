"""Batch classification of posting files, in-process or on a Dask cluster."""

from jobatlas.batch.runner import BatchReport, PartitionFailure, is_batch_output, run_batch

__all__ = ["BatchReport", "PartitionFailure", "is_batch_output", "run_batch"]
