#!/bin/sh
# Porchside's container entrypoint (also usable on a plain machine).
#
#   entrypoint.sh serve [serve options]   migrate, then the web server
#   entrypoint.sh worker                  migrate, then the background worker
#   entrypoint.sh migrate                 migrations only (a one-shot job)
#   entrypoint.sh <any porchside command> passed through (tenant create ...)
#
# Settings come from PORCHSIDE_* variables (docs/configuration.md), or from
# a dotenv file named by PORCHSIDE_ENV_FILE. MIGRATE_ON_START=false skips the
# migration step: compose.yaml runs one `migrate` job first instead, so two
# app containers never migrate at the same moment. PORT (8000) and
# WEB_CONCURRENCY (1) set the web server's port and worker processes.
set -eu

command=${1:-serve}
if [ "$#" -gt 0 ]; then shift; fi

env_file=""
if [ -n "${PORCHSIDE_ENV_FILE:-}" ]; then env_file="--env-file=$PORCHSIDE_ENV_FILE"; fi

migrate() {
  case "${MIGRATE_ON_START:-true}" in
    false|0|no|off) echo "entrypoint: MIGRATE_ON_START=${MIGRATE_ON_START}, not migrating" >&2 ;;
    *) porchside migrate ${env_file:+"$env_file"} ;;
  esac
}

case "$command" in
  serve)
    migrate
    exec porchside serve ${env_file:+"$env_file"} --host "${HOST:-0.0.0.0}" --port "${PORT:-8000}" \
      --workers "${WEB_CONCURRENCY:-1}" "$@"
    ;;
  worker)
    migrate
    exec porchside worker ${env_file:+"$env_file"} "$@"
    ;;
  migrate)
    exec porchside migrate ${env_file:+"$env_file"} "$@"
    ;;
  *)
    exec porchside "$command" "$@"
    ;;
esac
