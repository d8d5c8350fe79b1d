#!/usr/bin/env bash
# Prints the directory that holds a working `pulumi` CLI, its Node.js language host and the Pulumi
# YAML language host.
#
# Uses `pulumi`, `pulumi-language-nodejs` and `pulumi-language-yaml` from PATH when all three are
# there. Otherwise builds the pinned releases from Go modules with the machine's Go into
# .cache/pulumi/ (ignored by git) and reuses those folders next time: the CLI and the Node.js host
# in v<cli>-host<sdk>/bin, the YAML host in its own yaml<version>-cli<cli>/bin, which also links
# the CLI's files so that one folder holds everything (it is the folder printed). The
# dynamic-provider shim that ships inside @pulumi/pulumi is linked beside them. Why these versions
# and how: docs/adr/0002-pulumi-cli.md.
#
# The printed folder also has `codegen/`: a code-generation-only language host
# (scripts/pulumi-codegen), linked as pulumi-language-nodejs and pulumi-language-python, for
# `pulumi package gen-sdk` only: put it first on PATH for that command (docs/adr/0012). A CLI
# from PATH gets none: its own language hosts generate SDKs.
#
# No policy-analyzer shim is linked: this CLI runs policy packs through the language host, and the
# pinned host cannot, so the ccx pack ships its own launcher (see the ADR).
#
# Progress goes to stderr; the only stdout line is the directory.
set -euo pipefail

# The newest CLI release whose module the Go module proxy serves here.
PULUMI_VERSION=3.259.0
# The Node.js language host is an untagged module in newer releases, which the proxy does not
# serve; v3.68.0 is the last sdk release that carries it as a package (see the ADR).
LANGUAGE_HOST_SDK_VERSION=3.68.0
# The Pulumi YAML language host, built against the CLI's pkg/sdk version (see the ADR).
PULUMI_YAML_VERSION=1.25.0

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shim="$root/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"

log() { printf 'pulumi-cli: %s\n' "$*" >&2; }

if command -v pulumi >/dev/null 2>&1 && command -v pulumi-language-nodejs >/dev/null 2>&1 &&
  command -v pulumi-language-yaml >/dev/null 2>&1; then
  dirname "$(command -v pulumi)"
  exit 0
fi

bin="$root/.cache/pulumi/v$PULUMI_VERSION-host$LANGUAGE_HOST_SDK_VERSION/bin"
tools="$root/.cache/pulumi/yaml$PULUMI_YAML_VERSION-cli$PULUMI_VERSION/bin"
# Named after its source, so a change to it builds it again.
codegen_source="$root/scripts/pulumi-codegen/main.go"
codegen="$root/.cache/pulumi/codegen$(sha256sum "$codegen_source" | cut -c1-12)-cli$PULUMI_VERSION/bin"
cli_complete() {
  [ -x "$bin/pulumi" ] && [ -x "$bin/pulumi-language-nodejs" ] &&
    [ -e "$bin/pulumi-resource-pulumi-nodejs" ]
}
if cli_complete && [ -x "$tools/pulumi-language-yaml" ] && [ -f "$tools/pulumi" ] && [ ! -L "$tools/pulumi" ] &&
  [ -x "$codegen/pulumi-language-nodejs" ] && [ "$tools/codegen" -ef "$codegen" ]; then
  echo "$tools"
  exit 0
fi

command -v go >/dev/null 2>&1 || {
  log "no 'pulumi' on PATH and no Go toolchain to build it; install the Pulumi CLI or Go >= 1.25"
  exit 1
}
[ -f "$shim" ] || {
  log "missing $shim; run 'npm ci' first"
  exit 1
}
export CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=local

build_cli() {
  local work="$root/.cache/pulumi/build"
  rm -rf "$work"
  mkdir -p "$work/cli" "$work/host" "$bin"

  # pkg/v3's own go.mod points sdk/v3 at a local folder, so `go install pkg@version` refuses; a
  # throwaway main module requires both at the same version and mirrors pkg's clipboard replace.
  cat >"$work/cli/go.mod" <<EOF
module ccx.local/pulumi-cli

go 1.25

require (
	github.com/pulumi/pulumi/pkg/v3 v$PULUMI_VERSION
	github.com/pulumi/pulumi/sdk/v3 v$PULUMI_VERSION
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
EOF
  cat >"$work/host/go.mod" <<EOF
module ccx.local/pulumi-language-nodejs

go 1.25

require github.com/pulumi/pulumi/sdk/v3 v$LANGUAGE_HOST_SDK_VERSION
EOF
  for m in cli host; do
    printf '//go:build tools\n\npackage tools\n' >"$work/$m/tools.go"
  done
  echo 'import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"' >>"$work/cli/tools.go"
  echo 'import _ "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"' >>"$work/host/tools.go"

  local start
  start=$(date +%s)
  log "building pulumi v$PULUMI_VERSION from Go modules (several minutes on 2 cores, once)"
  (cd "$work/cli" && go mod tidy >&2 && go build -trimpath \
    -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
    -o "$bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2)
  log "building pulumi-language-nodejs from sdk v$LANGUAGE_HOST_SDK_VERSION"
  (cd "$work/host" && go mod tidy >&2 && go build -trimpath \
    -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$LANGUAGE_HOST_SDK_VERSION" \
    -o "$bin/pulumi-language-nodejs" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs >&2)
  ln -sf "$shim" "$bin/pulumi-resource-pulumi-nodejs"
  rm -rf "$work"
  log "built in $(($(date +%s) - start)) s into $bin"
}

# The YAML host builds against the pkg/sdk versions its own go.mod requires (v3.206.0 for 1.25.0):
# forcing the CLI's newer v3.259.0 on it does not compile (pkg's plugin API changed in between).
# It talks to the engine over the versioned gRPC protocol, so the older sdk inside it is fine.
build_yaml_host() {
  local work="$root/.cache/pulumi/build-yaml"
  rm -rf "$work"
  mkdir -p "$work" "$tools"
  cat >"$work/go.mod" <<EOF
module ccx.local/pulumi-language-yaml

go 1.25

require github.com/pulumi/pulumi-yaml v$PULUMI_YAML_VERSION
EOF
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"\n' >"$work/tools.go"

  local start
  start=$(date +%s)
  log "building pulumi-language-yaml v$PULUMI_YAML_VERSION from Go modules (once)"
  (cd "$work" && go mod tidy >&2 && go build -trimpath \
    -ldflags "-X github.com/pulumi/pulumi-yaml/pkg/version.Version=v$PULUMI_YAML_VERSION" \
    -o "$tools/pulumi-language-yaml" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml >&2)
  rm -rf "$work"
  log "built pulumi-language-yaml in $(($(date +%s) - start)) s into $tools"
}

# Against the CLI's own pkg/sdk modules, so the CLI build already compiled nearly all of it.
build_codegen_host() {
  local work="$root/.cache/pulumi/build-codegen"
  rm -rf "$work"
  mkdir -p "$work" "$codegen"
  cat >"$work/go.mod" <<EOF
module ccx.local/pulumi-codegen

go 1.25

require (
	github.com/pulumi/pulumi/pkg/v3 v$PULUMI_VERSION
	github.com/pulumi/pulumi/sdk/v3 v$PULUMI_VERSION
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
EOF
  cp "$codegen_source" "$work/main.go"
  local start
  start=$(date +%s)
  log "building the code-generation host from pkg v$PULUMI_VERSION (once)"
  (cd "$work" && go mod tidy >&2 && go build -trimpath -o "$codegen/pulumi-codegen" . >&2)
  for language in nodejs python; do ln -sfn pulumi-codegen "$codegen/pulumi-language-$language"; done
  rm -rf "$work"
  log "built the code-generation host in $(($(date +%s) - start)) s into $codegen"
}

# `if`, not `||`: bash ignores `set -e` inside a function called on the left of `||`.
if ! cli_complete; then build_cli; fi
if [ ! -x "$tools/pulumi-language-yaml" ]; then build_yaml_host; fi
if [ ! -x "$codegen/pulumi-language-nodejs" ]; then build_codegen_host; fi
# The CLI is a hard link: it looks for its bundled plugins beside its own resolved path, and warns
# on every operation when the one found on PATH (this folder) lives elsewhere. The rest are
# relative links, so the cache folder still works when moved or shared.
ln -f "$bin/pulumi" "$tools/pulumi"
for file in pulumi-language-nodejs pulumi-resource-pulumi-nodejs; do
  ln -sfn "../../v$PULUMI_VERSION-host$LANGUAGE_HOST_SDK_VERSION/bin/$file" "$tools/$file"
done
ln -sfn "../../$(basename "$(dirname "$codegen")")/bin" "$tools/codegen"
echo "$tools"
