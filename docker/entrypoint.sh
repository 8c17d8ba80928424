#!/bin/sh
# Picks the app from the first argument: api (default), relay, projector or cli.
# Anything else is run as given (e.g. `sh` for debugging).
set -eu

# VAR_FILE -> VAR for secrets mounted as files (Docker/Compose secrets, Kubernetes).
for var in CRM_MASTER_KEY CRM_JWT_SECRET CRM_API_KEYS; do
  eval "file=\${${var}_FILE:-}"
  [ -n "$file" ] || continue
  eval "value=\${${var}:-}"
  if [ -n "$value" ]; then
    echo "rapport: set either $var or ${var}_FILE, not both" >&2
    exit 2
  fi
  if [ ! -r "$file" ]; then
    echo "rapport: ${var}_FILE=$file is not readable" >&2
    exit 2
  fi
  # $(...) drops the trailing newline that `openssl rand -base64 32 > file` leaves.
  export "$var=$(cat "$file")"
  unset "${var}_FILE"
done

role="${1:-api}"
if [ "$#" -gt 0 ]; then shift; fi

case "$role" in
  api) exec node dist/apps/api/src/main.js "$@" ;;
  relay) exec node dist/apps/relay/src/main.js "$@" ;;
  projector) exec node dist/apps/projector/src/main.js "$@" ;;
  cli) exec node bin/rapport.js "$@" ;;
  *) exec "$role" "$@" ;;
esac
