#!/usr/bin/env bash
# Deploy the same packaged template to a LocalStack that you run yourself (see README, "Deploying").
# LocalStack today needs Docker, an auth token (LOCALSTACK_AUTH_TOKEN) and its paid tier for WebSocket APIs.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v sam >/dev/null || { echo "the SAM CLI is missing: pip install aws-sam-cli" >&2; exit 1; }
export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://localhost:4566}"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
curl -fsS "${AWS_ENDPOINT_URL}/_localstack/health" >/dev/null \
  || { echo "no LocalStack answers at ${AWS_ENDPOINT_URL} (start it first: localstack start)" >&2; exit 1; }
sam deploy \
  --template-file .build/template.packaged.yaml \
  --config-file infrastructure/deploy/samconfig.toml \
  --config-env localstack \
  --parameter-overrides "Stage=local TokenSecret=${A2G_TOKEN_SECRET:-localstack-token-secret-0123456789abcdef}"
