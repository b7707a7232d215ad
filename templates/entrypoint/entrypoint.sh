#!/usr/bin/env bash
# pg-ha-init entrypoint: turns the stock postgres image (or a host with the PostgreSQL binaries on
# PATH) into a streaming-replication primary or replica, or a standalone server when HA_MODE is
# empty. Every start converges PGDATA to what the environment declares. See
# docs/entrypoint-contract.md in pg-ha-init for the variables and the exact behaviour.
set -Eeuo pipefail

# Found relative to this file's real location: the bundle may be mounted anywhere.
PGHA_ENTRYPOINT="$(readlink -f -- "${BASH_SOURCE[0]}")"
PGHA_SCRIPTS="$(dirname -- "$PGHA_ENTRYPOINT")/entrypoint.d/scripts"

# shellcheck source=entrypoint.d/scripts/utils/log.sh
source "$PGHA_SCRIPTS/utils/log.sh"
# shellcheck source=entrypoint.d/scripts/utils/env.sh
source "$PGHA_SCRIPTS/utils/env.sh"
# shellcheck source=entrypoint.d/scripts/utils/node-env.sh
source "$PGHA_SCRIPTS/utils/node-env.sh"
# shellcheck source=entrypoint.d/scripts/utils/validation.sh
source "$PGHA_SCRIPTS/utils/validation.sh"
# shellcheck source=entrypoint.d/scripts/utils/temp-server.sh
source "$PGHA_SCRIPTS/utils/temp-server.sh"
# shellcheck source=entrypoint.d/scripts/init/01-major-version.sh
source "$PGHA_SCRIPTS/init/01-major-version.sh"
# shellcheck source=entrypoint.d/scripts/init/02-database.sh
source "$PGHA_SCRIPTS/init/02-database.sh"
# shellcheck source=entrypoint.d/scripts/init/03-config.sh
source "$PGHA_SCRIPTS/init/03-config.sh"
# shellcheck source=entrypoint.d/scripts/init/04-replication.sh
source "$PGHA_SCRIPTS/init/04-replication.sh"
# shellcheck source=entrypoint.d/scripts/init/05-initdb-scripts.sh
source "$PGHA_SCRIPTS/init/05-initdb-scripts.sh"
# shellcheck source=entrypoint.d/scripts/init/06-promotion.sh
source "$PGHA_SCRIPTS/init/06-promotion.sh"
# shellcheck source=entrypoint.d/scripts/init/07-split-brain.sh
source "$PGHA_SCRIPTS/init/07-split-brain.sh"

main() {
	if [[ "${1:-}" == -* ]]; then
		set -- postgres "$@"
	fi
	if [[ "${1:-}" != postgres ]]; then
		exec "$@"
	fi

	load_secrets
	local invalid=0
	load_node_env_file || invalid=1
	validate_ha_configuration || invalid=1
	check_pgdata || invalid=1
	if ((invalid)); then
		error "invalid configuration; nothing was changed"
		exit 2
	fi
	set_defaults
	# Read-only checks first: a refusal must leave the volume exactly as it was.
	check_major_version

	if [[ "$(id -u)" == 0 ]]; then
		prepare_directories
		run_as_postgres "$@"
	fi

	setup_database
	check_peers_for_primary
	configure_postgresql
	converge_standby_signal
	converge_primary_conninfo
	ensure_replication_slot
	run_init_sql
	unset_secrets
	log "starting PostgreSQL ($(describe_node))"
	exec "$@"
}

check_pgdata() {
	if [[ -z "${PGDATA:-}" ]]; then
		error "PGDATA: not set; set it to the data directory (for a replica, a subdirectory of the volume)"
		return 1
	fi
	if [[ "$PGDATA" != /* || "$(dirname -- "$PGDATA")" == / ]]; then
		error "PGDATA: $(printf '%q' "$PGDATA") must be an absolute path below a top-level directory (e.g. /var/lib/postgresql/data/pgdata)"
		return 1
	fi
}

# As root: make the directories the postgres user needs, then continue as postgres.
prepare_directories() {
	local parent
	parent="$(dirname -- "$PGDATA")"
	mkdir -p -- "$parent"
	# Best effort (root-squashed NFS, rootless engines): setup_database says clearly what is
	# still not writable once it runs as postgres.
	chown postgres -- "$parent" || warn "could not chown $parent to postgres"
	if [[ -d "$PGDATA" ]]; then
		find "$PGDATA" \! -user postgres -exec chown postgres -- '{}' + || warn "could not chown $PGDATA to postgres"
		chmod 0700 -- "$PGDATA" || warn "could not chmod $PGDATA to 0700"
	fi
}

# Re-run this script as postgres. Secrets read as root (their files may be root-only) travel in
# the environment, never in argv; load_secrets already unset the _FILE variables.
run_as_postgres() {
	if command -v gosu >/dev/null; then
		exec gosu postgres "$BASH" "$PGHA_ENTRYPOINT" "$@"
	elif command -v su-exec >/dev/null; then
		exec su-exec postgres "$BASH" "$PGHA_ENTRYPOINT" "$@"
	elif command -v setpriv >/dev/null; then
		exec setpriv --reuid=postgres --regid=postgres --init-groups -- "$BASH" "$PGHA_ENTRYPOINT" "$@"
	fi
	die "running as root, and none of gosu, su-exec or setpriv is installed to switch to the postgres user"
}

describe_node() {
	if is_replica; then
		printf 'replica %s of %s:%s' "$REPLICA_NAME" "$PRIMARY_HOST" "$PRIMARY_PORT"
	elif is_primary; then
		printf 'primary'
	else
		printf 'standalone'
	fi
}

main "$@"
