#!/usr/bin/env bash
# Provisions the real components the test suite talks to (docs/development.md). Idempotent; safe to run on a
# developer machine or on a fresh CI machine (root, Debian). Never downloads anything but Debian packages.
set -euo pipefail

log() { printf '[provision] %s\n' "$*"; }
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then $SUDO apt-get update -qq >/dev/null; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# GnuPG: migration tests encrypt with Debian's gpg.
command -v gpg >/dev/null || { log "installing gnupg"; apt_install gnupg; }

# OpenSSH server: SFTP upload tests run sshd on 127.0.0.1 with a temp config.
[ -x /usr/sbin/sshd ] || { log "installing openssh-server"; apt_install openssh-server; }

# Chromium: the dashboard's browser tests drive Debian's chromium with playwright-core (never a downloaded browser).
[ -x /usr/bin/chromium ] || { log "installing chromium"; apt_install chromium; }

# PostgreSQL 15: the store contract suite runs against it and is never skipped in CI.
if ! command -v pg_ctlcluster >/dev/null; then log "installing postgresql"; apt_install postgresql; fi
if ! pg_lsclusters -h 2>/dev/null | grep -q '^15 main'; then
  log "creating cluster 15/main"; $SUDO pg_createcluster 15 main >/dev/null
fi
if ! pg_lsclusters -h | awk '$1=="15" && $2=="main" {print $4}' | grep -q online; then
  log "starting PostgreSQL 15/main"; $SUDO pg_ctlcluster 15 main start
fi
PGPORT=$(pg_lsclusters -h | awk '$1=="15" && $2=="main" {print $3}')
psql_admin() { $SUDO -u postgres psql -p "$PGPORT" -v ON_ERROR_STOP=1 -qtA "$@"; }
if ! command -v sudo >/dev/null && [ "$(id -u)" = "0" ]; then
  psql_admin() { su postgres -c "psql -p $PGPORT -v ON_ERROR_STOP=1 -qtA $(printf '%q ' "$@")"; }
fi
if [ "$(psql_admin -c "select 1 from pg_roles where rolname='konduit'")" != "1" ]; then
  psql_admin -c "create role konduit login superuser password 'konduit'"
fi
if [ "$(psql_admin -c "select 1 from pg_database where datname='konduit_test'")" != "1" ]; then
  psql_admin -c "create database konduit_test owner konduit"
fi
log "PostgreSQL ready: postgres://konduit:konduit@127.0.0.1:${PGPORT}/konduit_test"
