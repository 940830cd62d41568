"""Structured JSON logging through Powertools; one logger per process, service name from the function."""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "a2g"), use_rfc3339=True)
