"""gunicorn settings for jobatlas (used by the Procfile and the web benchmark)."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# One worker per core plus one: while a worker waits on the database or its socket, another
# computes (on 2 cores, 3 workers served 155-157 recommend requests/s against 131-145 for 2).
workers = int(os.environ.get("WEB_CONCURRENCY", str((os.cpu_count() or 1) + 1)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# Load the app (and with it the occupation model and reference data) in the master, once;
# forked workers then share those pages of memory copy-on-write.
preload_app = True
os.environ.setdefault("JOBATLAS_EAGER_LOAD", "1")
# One BLAS/OpenMP thread per worker: the workers already use every core, and each worker's
# own BLAS threads would only contend with the others (set here, before numpy is imported).
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# Heroku's router terminates TLS and sets X-Forwarded-*: trust it (else only a local proxy).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
# Request lines only; never bodies (resumes are personal data).
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
