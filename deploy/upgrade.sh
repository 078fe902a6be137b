#!/bin/sh
# Deploy the release in this folder while the site keeps serving (README, "Upgrades"):
#   1. migrate            the schema (migrations must keep the running release working:
#                          add columns and tables first, remove them a release later)
#   2. collectstatic      without --clear: pages that the running release already sent keep
#                          finding their stylesheets beside the new release's files
#   3. load_declaration   the shipped declaration text and translations
#   4. reload gunicorn    HUP: new workers start with the new code, the old ones finish the
#                          requests they hold, no connection is refused
#   5. restart workers    each finishes the task it holds, then starts again with the new code
# Run it as the site's user from the new release's folder: sudo -u declaration deploy/upgrade.sh
#
# ENVIRONMENT_FILE  read first when it exists (default /etc/declaration/environment)
# WEB_RELOAD        how to reload gunicorn (default: systemctl reload 'declaration-web@*')
# WORKER_RESTART    how to restart the task workers (default: systemctl restart 'declaration-worker@*')
# With several app servers, run steps 1 and 3 on one of them (SKIP_DATABASE=1 on the others).
set -eu
cd "$(dirname "$0")/.."
ENVIRONMENT_FILE=${ENVIRONMENT_FILE:-/etc/declaration/environment}
# KEY=value lines, read as systemd's EnvironmentFile reads them: everything after the first
# `=` is the value, spaces and `$` included; lines starting with # or ; are comments.
if [ -r "$ENVIRONMENT_FILE" ]; then
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in "" | "#"* | ";"*) continue ;; esac
    export "${line%%=*}=${line#*=}"
  done < "$ENVIRONMENT_FILE"
fi
PYTHON=${PYTHON:-.venv/bin/python}
WEB_RELOAD=${WEB_RELOAD:-"systemctl reload 'declaration-web@*.service'"}
WORKER_RESTART=${WORKER_RESTART:-"systemctl restart 'declaration-worker@*.service'"}

step() { echo "upgrade: $(date -u +%H:%M:%S) $*"; }

if [ "${SKIP_DATABASE:-0}" != 1 ]; then
  step "migrate"
  "$PYTHON" manage.py migrate --noinput
fi
step "collectstatic"
"$PYTHON" manage.py collectstatic --noinput -v0
if [ "${SKIP_DATABASE:-0}" != 1 ]; then
  step "load_declaration"
  "$PYTHON" manage.py load_declaration
fi
step "reload gunicorn: $WEB_RELOAD"
sh -c "$WEB_RELOAD"
step "restart the task workers: $WORKER_RESTART"
sh -c "$WORKER_RESTART"
step "done"
