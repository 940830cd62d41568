#!/bin/bash
# AWS entry of the A2A gateway (Handler: run.sh). The Lambda Web Adapter layer (AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap)
# starts this script, waits for the port to open and relays each Function URL request to it, streaming the
# answer back (AWS_LWA_INVOKE_MODE=response_stream). It runs the same ASGI `app` of app.py that the local
# runtime serves in process. The shared layer (/opt/python) carries uvicorn and the a2g package.
export PYTHONPATH="/opt/python:${LAMBDA_TASK_ROOT:-.}:${PYTHONPATH:-}"
exec python -m uvicorn --host 127.0.0.1 --port "${PORT:-8080}" --no-access-log --timeout-keep-alive 75 app:app
