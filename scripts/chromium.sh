#!/usr/bin/env bash
# Makes the tools of the status page and CLI suites available: Debian's chromium (driven
# headless by playwright-core in test/integration/ui-*.test.ts) and tmux (the pseudo-terminal of
# test/integration/cli-run-tty.test.ts). Installs only what is missing; safe to run again.
set -euo pipefail

log() { printf 'browser tools: %s\n' "$*" >&2; }

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)

if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} from Debian packages"
  bash "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" "${missing[@]}"
fi

log "$(/usr/bin/chromium --version 2>/dev/null || echo 'chromium: not runnable')"
log "$(tmux -V)"
