#!/usr/bin/env bash
# Deploy the packaged template to a real AWS account with the SAM CLI (see README, "Deploying").
# Needs: an AWS account and credentials in the environment, and the SAM CLI (`pip install aws-sam-cli`).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v sam >/dev/null || { echo "the SAM CLI is missing: pip install aws-sam-cli" >&2; exit 1; }
: "${A2G_TOKEN_SECRET:?set A2G_TOKEN_SECRET (32+ random characters) for the stack's token secret}"
STAGE="${A2G_STAGE:-dev}"
sam deploy \
  --template-file .build/template.packaged.yaml \
  --config-file infrastructure/deploy/samconfig.toml \
  --config-env "${STAGE}" \
  --parameter-overrides "Stage=${STAGE} TokenSecret=${A2G_TOKEN_SECRET} ${A2G_EXTRA_PARAMETERS:-}"
infrastructure/deploy/upload-frontend.sh "a2g-${STAGE}"
