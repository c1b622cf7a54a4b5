#!/bin/sh
# One-shot MinIO set-up for f1-ingest (the `minio-init` service; runs in the minio/mc image).
# Idempotent, so it runs on every `docker compose up`:
#   - the staging bucket;
#   - a worker user limited to that bucket (read/write/delete, multipart) - the worker never
#     holds the MinIO root credentials;
#   - a read-only user for ClickHouse's f1_staging named collection (operators' ad-hoc reads).
# The policy files name the bucket; test/unit/compose-file.test.ts checks they match STAGING_URL.
set -eu

: "${MINIO_ROOT_USER:?}" "${MINIO_ROOT_PASSWORD:?}" "${STAGING_BUCKET:?}"
: "${S3_ACCESS_KEY_ID:?}" "${S3_SECRET_ACCESS_KEY:?}"
: "${CLICKHOUSE_S3_ACCESS_KEY_ID:?}" "${CLICKHOUSE_S3_SECRET_ACCESS_KEY:?}"

mc alias set local http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null
mc mb --ignore-existing "local/$STAGING_BUCKET"

# `policy create` replaces a policy of the same name, so edits to the JSON take effect on the next
# run; `user add` of an existing user resets its secret to the one in .env (rotation).
ensure_user() { # <access key> <secret key> <policy name> <policy file>
  mc admin policy create local "$3" "$4" >/dev/null
  mc admin user add local "$1" "$2" >/dev/null
  # Attaching a policy that is already attached is an error in mc; anything else is fatal.
  if ! out="$(mc admin policy attach local "$3" --user "$1" 2>&1)"; then
    case "$out" in
      *already*) ;;
      *) echo "$out" >&2; exit 1 ;;
    esac
  fi
  echo "minio-init: user for policy $3 ready"
}

ensure_user "$S3_ACCESS_KEY_ID" "$S3_SECRET_ACCESS_KEY" f1-ingest-worker /init/policies/f1-ingest-worker.json
ensure_user "$CLICKHOUSE_S3_ACCESS_KEY_ID" "$CLICKHOUSE_S3_SECRET_ACCESS_KEY" f1-ingest-readonly /init/policies/f1-ingest-readonly.json
echo "minio-init: bucket $STAGING_BUCKET ready"
