#!/usr/bin/env bash
# `make deploy`: the template `sam build` wrote (`make sam-build` runs first) to a real AWS account with the SAM CLI,
# then the web app to its bucket behind CloudFront. Step by step, and what it needs: docs/deploy.md.
#
#   A2G_TOKEN_SECRET   required: 32+ random characters, the same at every deploy (tokens are signed with it)
#   A2G_STAGE          dev (default), prod, ...: the stack is a2g-<stage>
#   A2G_SAM_CONFIG_ENV the samconfig.toml section (default: prod for A2G_STAGE=prod, else default)
#   A2G_PUBLIC_URL     the URL people open, if not CloudFront's (a custom domain); by default the second pass
#                      below sets it to the distribution's URL
#   A2G_PARAMETERS     more parameter overrides, e.g. "OidcIssuer=https://sso.example.com OidcClientId=a2g"
#   A2G_SKIP_FRONTEND  1: do not build and upload the web app
#   A2G_ARCHITECTURE   x86_64 (default) or arm64: must match what was built (make deploy ARCH=arm64 does both)
#   A2G_PACKAGED_TEMPLATE, A2G_WEB_DIST   other places for .aws-sam/build/template.yaml and frontend/dist
set -euo pipefail
cd "$(dirname "$0")/../.."

die() { echo "deploy-aws: $*" >&2; exit 1; }
command -v sam >/dev/null || die "the SAM CLI is missing: make install-sam (or pipx install aws-sam-cli)"
command -v aws >/dev/null || die "the AWS CLI is missing: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html"
# What `sam build` wrote (A2G_PACKAGED_TEMPLATE=.build/template.packaged.yaml deploys `make package`'s zips).
PACKAGED="${A2G_PACKAGED_TEMPLATE:-.aws-sam/build/template.yaml}"
[ -f "$PACKAGED" ] || die "no $PACKAGED: run make sam-build (or make package) first"
: "${A2G_TOKEN_SECRET:?set A2G_TOKEN_SECRET (32+ random characters, e.g. openssl rand -hex 32) and keep it}"
[ "${#A2G_TOKEN_SECRET}" -ge 32 ] || die "A2G_TOKEN_SECRET must be at least 32 characters"
aws sts get-caller-identity --query Account --output text >/dev/null \
  || die "no AWS credentials: aws configure (or AWS_PROFILE / AWS_ACCESS_KEY_ID...)"

STAGE="${A2G_STAGE:-dev}"
STACK="a2g-${STAGE}"
CONFIG_ENV="${A2G_SAM_CONFIG_ENV:-$([ "$STAGE" = prod ] && echo prod || echo default)}"

output() {
  aws cloudformation describe-stacks --stack-name "$STACK" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text 2>/dev/null || true
}

deploy() {  # $1: the PublicUrl parameter ("" keeps the template's default on the first deploy)
  local public_url="$1"
  # shellcheck disable=SC2086  # A2G_PARAMETERS is a list of Key=Value words
  sam deploy \
    --template-file "$PACKAGED" \
    --config-file "$PWD/infrastructure/deploy/samconfig.toml" \
    --config-env "$CONFIG_ENV" \
    --stack-name "$STACK" \
    --parameter-overrides "Stage=${STAGE}" "TokenSecret=${A2G_TOKEN_SECRET}" "Architecture=${A2G_ARCHITECTURE:-x86_64}" \
      ${public_url:+"PublicUrl=${public_url}"} ${A2G_PARAMETERS:-}
}

# Pass 1: the stack. PublicUrl (OIDC redirects, links, the files bucket's CORS) cannot come from the
# distribution in the same stack - the distribution depends on the functions - so it is set in pass 2.
deploy "${A2G_PUBLIC_URL:-$(output WebUrl)}"
WEB_URL="$(output WebUrl)"
if [ -z "${A2G_PUBLIC_URL:-}" ] && [ -n "$WEB_URL" ]; then
  deployed_public_url="$(aws cloudformation describe-stacks --stack-name "$STACK" \
    --query "Stacks[0].Parameters[?ParameterKey=='PublicUrl'].ParameterValue" --output text)"
  if [ "$deployed_public_url" != "$WEB_URL" ]; then
    echo "==> second pass: PublicUrl=${WEB_URL}"
    deploy "$WEB_URL"
  fi
fi

if [ "${A2G_SKIP_FRONTEND:-0}" != 1 ]; then
  if [ -z "${A2G_WEB_DIST:-}" ] && [ ! -f frontend/dist/index.html ]; then
    (cd frontend && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
  fi
  infrastructure/deploy/upload-frontend.sh "$STACK"
fi

echo "API (direct):      $(output ApiUrl)"
echo "WebSocket:         $(output WebSocketUrl)"
echo "log-proxy (agents): $(output LogProxyUrl)"
echo "A2A gateway:        $(output A2aGatewayUrl)"
echo "web app:           ${WEB_URL}   (API at /api, log-proxy at /api/log-proxy, WebSocket at /ws)"
