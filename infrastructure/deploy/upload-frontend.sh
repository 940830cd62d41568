#!/usr/bin/env bash
# Upload the built web app (frontend/dist) to a stack's WebBucket and invalidate its CloudFront cache.
#   infrastructure/deploy/upload-frontend.sh <stack name>
# Hashed bundles are cached for a year, other files 5 minutes, index.html revalidated on every visit.
set -euo pipefail
cd "$(dirname "$0")/../.."
STACK="${1:?usage: upload-frontend.sh <stack name>}"
DIST_DIR="${A2G_WEB_DIST:-frontend/dist}"
[ -f "$DIST_DIR/index.html" ] || { echo "upload-frontend: build the web app first (make build)" >&2; exit 1; }

out() {
  aws cloudformation describe-stacks --stack-name "$STACK" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}
BUCKET="$(out WebBucketName)"
DIST="$(out WebDistributionId)"
if [ -z "$BUCKET" ] || [ "$BUCKET" = None ]; then
  echo "upload-frontend: $STACK has no WebBucketName output" >&2
  exit 1
fi

# Vite's hashed bundles never change under their name; everything else may.
if [ -d "$DIST_DIR/assets" ]; then
  aws s3 sync "$DIST_DIR/assets" "s3://${BUCKET}/assets/" --delete \
    --cache-control "public, max-age=31536000, immutable"
fi
aws s3 sync "$DIST_DIR" "s3://${BUCKET}/" --delete --exclude "assets/*" --exclude index.html \
  --cache-control "public, max-age=300"
aws s3 cp "$DIST_DIR/index.html" "s3://${BUCKET}/index.html" --cache-control "no-cache"
if [ -n "$DIST" ] && [ "$DIST" != None ]; then
  aws cloudfront create-invalidation --distribution-id "$DIST" --paths "/*" >/dev/null
fi
echo "web app: $(out WebUrl)"
