"""Gunicorn settings for LearnHub. Access logs leave out the client address, user agent and
referrer: a log line naming an address beside a reporting route would undo reporter anonymity."""

import multiprocessing
import os

bind = os.environ.get("LEARNHUB_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("LEARNHUB_WEB_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("LEARNHUB_WEB_THREADS", "4"))
accesslog = "-"
# No %(h)s (address), %(a)s (user agent), %(f)s (referrer) or query string (%(q)s).
access_log_format = "%(m)s %(U)s %(s)s %(B)s %(M)sms"
forwarded_allow_ips = os.environ.get("LEARNHUB_FORWARDED_ALLOW_IPS", "127.0.0.1")
