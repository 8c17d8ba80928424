#!/bin/sh
# Validates docker/compose.yml without a Docker engine: `docker compose config` parses,
# interpolates and schema-checks it. Where the compose plugin is missing (the developers'
# machines), the Compose v2 binary is taken from Debian trixie's docker-compose package and
# unpacked under /tmp: nothing is installed, and no engine or other registry is needed.
set -eu
cd "$(dirname "$0")/.."

if docker compose version >/dev/null 2>&1; then
  compose() { docker compose "$@"; }
else
  dir=/tmp/rapport-compose
  bin="$dir/x/usr/libexec/docker/cli-plugins/docker-compose"
  if [ ! -x "$bin" ]; then
    mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" >"$dir/sources.list"
    set -- -o Dir::Etc::SourceList="$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null \
      -o Dir::State::Lists="$dir/lists" -o Dir::Cache="$dir/cache"
    apt-get "$@" -qq update
    (cd "$dir" && apt-get "$@" -qq download docker-compose/trixie && dpkg -x docker-compose_*.deb x)
  fi
  compose() { "$bin" "$@"; }
fi
compose version

file=docker/compose.yml
# Without a master key Compose must refuse (an empty .env is used, so docker/.env can't mask it).
if CRM_MASTER_KEY='' compose --env-file /dev/null -f "$file" config -q 2>/dev/null; then
  echo "$file: expected Compose to refuse an unset CRM_MASTER_KEY" >&2
  exit 1
fi
# With one, every service (the observability profile too) must resolve.
CRM_MASTER_KEY=check-only compose --env-file docker/.env.example -f "$file" --profile observability config -q
echo "$file: valid"
