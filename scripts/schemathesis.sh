#!/usr/bin/env bash
# Installs schemathesis (the OpenAPI fuzzer of the reliability suite) into an ignored virtualenv at
# .cache/venv, pinned so every machine fuzzes with the same engine. Safe to run again: it does
# nothing when the pinned version is already there. test/reliability/fuzz.ts runs
# .cache/venv/bin/schemathesis.
set -euo pipefail
cd "$(dirname "$0")/.."

version=4.32.5
venv=.cache/venv
log() { printf 'schemathesis: %s\n' "$*" >&2; }

if [ -x "$venv/bin/schemathesis" ] && "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('schemathesis') != '$version')" 2>/dev/null; then
  log "$version already in $venv"
  exit 0
fi

if ! python3 -m venv --help >/dev/null 2>&1; then
  log "installing python3-venv from Debian packages"
  bash "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" python3-venv
fi

mkdir -p .cache
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
log "$("$venv/bin/schemathesis" --version)"
