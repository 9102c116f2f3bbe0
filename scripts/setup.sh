#!/usr/bin/env bash
# Idempotent setup for edge-entitlements. Installs only from the package registries
# (crates.io, npm, Debian apt); every step is skipped when already done.
#
#   scripts/setup.sh            everything (rust checks, wasm, browsers, worker, npm)
#   scripts/setup.sh rust       only what the native Rust checks need
#   scripts/setup.sh wasm       + wasm target, wasm-bindgen-cli, wasm-pack
#   scripts/setup.sh browsers   + chromium/chromium-driver, firefox-esr, geckodriver
#   scripts/setup.sh worker     + worker-build
#   scripts/setup.sh npm        + root npm packages (wrangler, miniflare, binaryen, ...)
#   scripts/setup.sh python     + target/venv: schemathesis, openapi-spec-validator (PyPI)
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=0.2.130
WASM_PACK_VERSION=0.15.1
WORKER_BUILD_VERSION=0.8.7
GECKODRIVER_VERSION=0.37.1
# The API fuzzer and the OpenAPI validator of tests/worker/openapi.test.mjs.
SCHEMATHESIS_VERSION=4.32.5
OPENAPI_SPEC_VALIDATOR_VERSION=0.9.0
VENV=target/venv

log() { printf '[setup] %s\n' "$*" >&2; }

# `cargo install` only when the binary is missing or reports another version.
cargo_install() { # crate version binary [--locked]
  local crate=$1 version=$2 bin=$3 locked=${4:-}
  if command -v "$bin" >/dev/null 2>&1 && "$bin" --version 2>/dev/null | grep -q "$version"; then
    return 0
  fi
  log "cargo install $crate $version"
  cargo install "$crate" --version "$version" $locked
}

setup_rust() {
  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
  rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
}

setup_wasm() {
  rustup target list --installed | grep -q '^wasm32-unknown-unknown$' || rustup target add wasm32-unknown-unknown
  # Without --locked: with it, resolution fails on a crate missing from the registry (TOOLCHAIN.md).
  cargo_install wasm-bindgen-cli "$WASM_BINDGEN_VERSION" wasm-bindgen
  cargo_install wasm-pack "$WASM_PACK_VERSION" wasm-pack --locked
}

apt_updated=0
apt_install() { # package...
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if [ $apt_updated -eq 0 ]; then $sudo apt-get update -qq; apt_updated=1; fi
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

setup_browsers() {
  apt_install chromium chromium-driver firefox-esr
  cargo_install geckodriver "$GECKODRIVER_VERSION" geckodriver --locked
}

setup_worker() {
  setup_wasm
  cargo_install worker-build "$WORKER_BUILD_VERSION" worker-build --locked
}

setup_npm() {
  # npm ci when the lock file and node_modules agree is a no-op we can skip.
  if [ -f package-lock.json ]; then
    if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
      log "npm ci"; npm ci --no-audit --no-fund --loglevel=error
    fi
  fi
  # React 18 for tests/react/ in a tree of its own (react-dom 18 refuses react 19 beside it).
  local r18=tests/react/react18
  if [ ! -d "$r18/node_modules" ] || [ "$r18/package-lock.json" -nt "$r18/node_modules/.package-lock.json" ]; then
    log "npm ci ($r18)"; npm ci --prefix "$r18" --no-audit --no-fund --loglevel=error
  fi
}

setup_python() {
  if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then apt_install python3-venv; fi
  [ -x "$VENV/bin/python" ] || { log "python3 -m venv $VENV"; python3 -m venv "$VENV"; }
  local want="schemathesis==$SCHEMATHESIS_VERSION openapi-spec-validator==$OPENAPI_SPEC_VALIDATOR_VERSION"
  local have
  have=$("$VENV/bin/pip" freeze | awk 'tolower($0) ~ /^(schemathesis|openapi-spec-validator)==/' | sort -f | tr '\n' ' ')
  if [ "$have" != "openapi-spec-validator==$OPENAPI_SPEC_VALIDATOR_VERSION schemathesis==$SCHEMATHESIS_VERSION " ]; then
    log "pip install $want"
    # shellcheck disable=SC2086
    "$VENV/bin/pip" install --quiet --disable-pip-version-check $want
  fi
}

what=${1:-all}
case "$what" in
  rust) setup_rust ;;
  wasm) setup_rust; setup_wasm ;;
  browsers) setup_browsers ;;
  worker) setup_rust; setup_worker ;;
  npm) setup_npm ;;
  python) setup_python ;;
  all) setup_rust; setup_wasm; setup_browsers; setup_worker; setup_npm; setup_python ;;
  *) echo "usage: scripts/setup.sh [rust|wasm|browsers|worker|npm|python|all]" >&2; exit 2 ;;
esac
