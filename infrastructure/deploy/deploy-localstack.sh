#!/usr/bin/env bash
# `make deploy-localstack`: the same packaged template (`make package` runs first) to a LocalStack that you
# run yourself. Step by step, and what LocalStack needs for this template: docs/deploy.md. In short: Docker,
# an auth token (LOCALSTACK_AUTH_TOKEN) and a paid plan - the HTTP and WebSocket APIs (API Gateway v2),
# Lambda layers and CloudFront are not in LocalStack's free plan.
#
#   AWS_ENDPOINT_URL   LocalStack's edge URL (default http://localhost:4566)
#   A2G_TOKEN_SECRET   optional here: a fixed development secret is used when unset
#   A2G_LWA_LAYER_ARN  the Lambda Web Adapter layer as published inside your LocalStack (the public AWS layer
#                      does not exist there): the log-proxy's streaming path needs it
#   A2G_PARAMETERS     more parameter overrides
set -euo pipefail
cd "$(dirname "$0")/../.."

die() { echo "deploy-localstack: $*" >&2; exit 1; }
PACKAGED="${A2G_PACKAGED_TEMPLATE:-.build/template.packaged.yaml}"  # what `make package` wrote
[ -f "$PACKAGED" ] || die "no $PACKAGED: run make package first"
export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://localhost:4566}"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}" AWS_REGION="${AWS_REGION:-us-east-1}"

# samlocal (pip install aws-sam-cli-local) points every SAM call at LocalStack; plain sam honours
# AWS_ENDPOINT_URL through boto3 as well.
SAM="$(command -v samlocal || command -v sam || true)"
[ -n "$SAM" ] || die "the SAM CLI is missing: pipx install aws-sam-cli aws-sam-cli-local"
health="$(curl -fsS "${AWS_ENDPOINT_URL}/_localstack/health" 2>/dev/null)" \
  || die "no LocalStack answers at ${AWS_ENDPOINT_URL}: start it (localstack start, which needs Docker)"
for service in apigateway lambda cloudformation dynamodb s3 cloudfront; do
  grep -q "\"${service}\"" <<<"$health" || echo "deploy-localstack: warning: LocalStack lists no ${service} service" >&2
done

STACK="a2g-local"
# shellcheck disable=SC2086  # A2G_PARAMETERS is a list of Key=Value words
"$SAM" deploy \
  --template-file "$PACKAGED" \
  --config-file "$PWD/infrastructure/deploy/samconfig.toml" \
  --config-env localstack \
  --stack-name "$STACK" \
  --parameter-overrides "Stage=local" "TokenSecret=${A2G_TOKEN_SECRET:-localstack-development-secret-0123456789}" \
    ${A2G_LWA_LAYER_ARN:+"LambdaWebAdapterLayerArn=${A2G_LWA_LAYER_ARN}"} ${A2G_PARAMETERS:-}

AWS_CLI="$(command -v awslocal || command -v aws || true)"
[ -z "$AWS_CLI" ] || "$AWS_CLI" cloudformation describe-stacks --stack-name "$STACK" --query "Stacks[0].Outputs" \
  --output table
echo "(The local runtime can also keep its data in a LocalStack - free plan enough: AWS_ENDPOINT_URL=${AWS_ENDPOINT_URL} make up)"
