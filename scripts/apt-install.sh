#!/usr/bin/env bash
# Installs Debian packages for the provisioning scripts: `bash scripts/apt-install.sh <pkg>…`.
# The package lists are refreshed at most once an hour (a stamp in /tmp marks the last refresh),
# so one CI run that needs PostgreSQL, chromium and python3-venv runs `apt-get update` once.
set -euo pipefail

stamp=/tmp/ccx-apt-lists-updated
if [ -z "$(find "$stamp" -mmin -60 2>/dev/null)" ]; then
  apt-get update -qq
  touch "$stamp"
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
