#!/usr/bin/env bash
# Install the Prism mock server used by the contract tests
# (tests/tests/contract_prism.rs) into .ci/node, and print its binary path.
#
# Pinned: @stoplight/prism-cli 5.14.2, the newest Prism 5 that supports
# node 20 (5.15.x and 5.16.x require node >= 24). Its own dependencies on
# the other Prism packages are caret ranges (^5.8.0, ^5.12.0) that would
# resolve to the node-24-only 5.15/5.16 releases on a newer node, so they are
# pinned too, through npm `overrides`, to the versions 5.14.2 was tested with.
set -euo pipefail

PRISM_VERSION=5.14.2
PRISM_CORE_VERSION=5.8.0
PRISM_HTTP_VERSION=5.12.0
PRISM_HTTP_SERVER_VERSION=5.12.2

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="$root/.ci/node"
bin="$prefix/node_modules/.bin/prism"
installed_pkg="$prefix/node_modules/@stoplight/prism-cli/package.json"

installed_version() {
  [[ -f "$installed_pkg" ]] || return 0
  node -p "require(process.argv[1]).version" "$installed_pkg"
}

if [[ -x "$bin" && "$(installed_version)" == "$PRISM_VERSION" ]]; then
  echo "prism $PRISM_VERSION already installed" >&2
else
  echo "installing @stoplight/prism-cli@$PRISM_VERSION into $prefix" >&2
  mkdir -p "$prefix"
  cat >"$prefix/package.json" <<JSON
{
  "private": true,
  "dependencies": {
    "@stoplight/prism-cli": "$PRISM_VERSION"
  },
  "overrides": {
    "@stoplight/prism-core": "$PRISM_CORE_VERSION",
    "@stoplight/prism-http": "$PRISM_HTTP_VERSION",
    "@stoplight/prism-http-server": "$PRISM_HTTP_SERVER_VERSION"
  }
}
JSON
  npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error >&2
  got="$(installed_version)"
  if [[ "$got" != "$PRISM_VERSION" || ! -x "$bin" ]]; then
    echo "error: expected prism-cli $PRISM_VERSION at $bin, found '${got:-nothing}'" >&2
    exit 1
  fi
fi

echo "$bin"
