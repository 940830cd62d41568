#!/usr/bin/env bash
# Upload the built web app to the stack's web bucket and invalidate CloudFront's cache.
set -euo pipefail
cd "$(dirname "$0")/../.."
STACK="$1"
out() { aws cloudformation describe-stacks --stack-name "$STACK" --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text; }
BUCKET="$(out WebBucketName)"; DIST="$(out WebDistributionId)"
aws s3 sync frontend/dist "s3://${BUCKET}/" --delete
aws cloudfront create-invalidation --distribution-id "$DIST" --paths '/*' >/dev/null
echo "web app: $(out WebUrl)"
