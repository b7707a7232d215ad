# shellcheck shell=bash
# setup_database: make PGDATA hold a cluster fit for this node's role, or stop and say why.
# New clusters (initdb or a clone of the primary) are built in a sibling staging directory and
# renamed into place only when complete, so an interrupted start never leaves a PGDATA that looks
# valid. Nothing that is already in PGDATA is ever deleted here.

# Set by init_cluster when this start created the cluster; run_init_sql reads it.
PGHA_NEW_CLUSTER=

setup_database() {
	if is_valid_cluster; then
		check_existing_cluster
	elif ! is_empty_dir "$PGDATA"; then
		die "PGDATA ($PGDATA) is not empty but holds no PostgreSQL cluster (no PG_VERSION); nothing was deleted. Move its contents away or point PGDATA at an empty directory."
	else
		check_staging_location
		if is_replica; then
			clone_primary
		else
			init_cluster
		fi
	fi
}

# The official image's test: an initialised cluster has a non-empty PG_VERSION.
is_valid_cluster() {
	[[ -s "$PGDATA/PG_VERSION" ]]
}

is_empty_dir() {
	[[ ! -e "$1" ]] || [[ -d "$1" && -z "$(ls -A -- "$1")" ]]
}

check_existing_cluster() {
	if ! is_replica; then
		log "PGDATA ($PGDATA) already holds a cluster; skipping initialisation"
	elif [[ -e "$PGDATA/standby.signal" ]]; then
		warn "PGDATA ($PGDATA) already holds a cluster with standby.signal: assuming a valid replica"
	else
		die "REPLICATION_ROLE=replica but PGDATA ($PGDATA) holds a cluster without standby.signal: it was a primary or has been promoted, and may have diverged from the primary. Nothing was changed. To make it a replica again, stop this node, move PGDATA's contents away (keep them until you are sure), and start it again: it will clone the primary."
	fi
}

# Staging directories sit next to PGDATA so that the final rename stays on one file system.
# That only works when PGDATA is a subdirectory of the volume, not the mount point itself.
check_staging_location() {
	local parent
	parent="$(dirname -- "$PGDATA")"
	if is_mount_point "$PGDATA"; then
		die "PGDATA ($PGDATA) is a mount point; set PGDATA to a subdirectory of the volume (e.g. $PGDATA/pgdata) so that a new cluster can be built beside it and renamed into place"
	fi
	if [[ ! -d "$parent" || ! -w "$parent" ]]; then
		die "the parent of PGDATA ($parent) must be a directory writable by $(id -un); start as root to have it created and chowned, or fix its owner"
	fi
}

is_mount_point() {
	[[ -d "$1" ]] || return 1
	if command -v mountpoint >/dev/null; then
		mountpoint -q -- "$1"
	else
		[[ "$(stat -c %d -- "$1")" != "$(stat -c %d -- "$1/..")" ]]
	fi
}

# staging_dir NAME -> /path/to/.pgdata.NAME
staging_dir() {
	printf '%s/.%s.%s\n' "$(dirname -- "$PGDATA")" "$(basename -- "$PGDATA")" "$1"
}

remove_leftover() {
	if [[ -e "$1" ]]; then
		warn "removing $1, left over from an interrupted attempt"
		rm -rf -- "$1"
	fi
}

# rename(2) will not replace a directory, even an empty one; PGDATA was checked to be empty.
move_into_place() {
	if [[ -d "$PGDATA" ]]; then
		rmdir -- "$PGDATA"
	fi
	mv -- "$1" "$PGDATA"
}

init_cluster() {
	if [[ -z "${POSTGRES_PASSWORD:-}" ]]; then
		die "PGDATA ($PGDATA) is empty and initialising it needs a superuser password: set POSTGRES_PASSWORD_FILE (preferred) or POSTGRES_PASSWORD"
	fi
	local staging
	staging="$(staging_dir init)"
	remove_leftover "$staging"

	# POSTGRES_INITDB_ARGS is split on whitespace (no quote processing, no eval: an environment
	# variable must not be able to run code).
	local -a initdb_args=()
	read -r -a initdb_args <<<"${POSTGRES_INITDB_ARGS:-}"

	log "initialising a new cluster for $POSTGRES_USER"
	# The password reaches initdb through a pipe, never argv.
	initdb -D "$staging" \
		--username="$POSTGRES_USER" \
		--pwfile=<(printf '%s' "$POSTGRES_PASSWORD") \
		--auth-local=trust --auth-host=scram-sha-256 \
		"${initdb_args[@]}"
	move_into_place "$staging"
	PGHA_NEW_CLUSTER=1
}

# Clone the primary: wait for it, make sure our slot exists, take a base backup through it.
# Retries with a bounded backoff until PRIMARY_WAIT_TIMEOUT, because the primary may be starting,
# and because after an interrupted clone the primary may still hold our slot for a moment.
clone_primary() {
	local staging started=$SECONDS deadline=$((SECONDS + PRIMARY_WAIT_TIMEOUT)) delay=1
	staging="$(staging_dir clone)"
	remove_leftover "$staging"

	log "cloning the primary at $PRIMARY_HOST:$PRIMARY_PORT as $REPLICATION_USER (waiting up to ${PRIMARY_WAIT_TIMEOUT}s)"
	until primary_is_ready && create_replication_slot && take_base_backup "$staging"; do
		rm -rf -- "$staging"
		if ((SECONDS + delay > deadline)); then
			die "could not clone the primary at $PRIMARY_HOST:$PRIMARY_PORT within PRIMARY_WAIT_TIMEOUT=${PRIMARY_WAIT_TIMEOUT}s; check that it is up, that its pg_hba allows $REPLICATION_USER from here, and REPLICATION_PASSWORD"
		fi
		log "primary not ready for cloning yet; retrying in ${delay}s"
		sleep "$delay"
		# Every second at first (a primary started alongside is usually up within seconds),
		# then back off to at most 10 s.
		if ((SECONDS - started >= 10)); then
			delay=$((delay * 2 > 10 ? 10 : delay * 2))
		fi
	done
	move_into_place "$staging"
	log "clone complete"
}

# Run a client command against the primary as the replication user. Connection settings and the
# password travel in the command's environment only, never in argv. PGAPPNAME becomes
# application_name in the primary_conninfo that pg_basebackup -R writes.
as_replication_client() {
	PGHOST="$PRIMARY_HOST" \
		PGPORT="$PRIMARY_PORT" \
		PGUSER="$REPLICATION_USER" \
		PGPASSWORD="$REPLICATION_PASSWORD" \
		PGAPPNAME="$REPLICA_NAME" \
		"$@"
}

# Without the password: pg_isready only needs the server to answer, and with a password the
# primary would log a failed login to a database named after the role on every probe.
primary_is_ready() {
	PGHOST="$PRIMARY_HOST" PGPORT="$PRIMARY_PORT" PGUSER="$REPLICATION_USER" \
		pg_isready -q -t 5 --dbname=postgres
}

# --if-not-exists: after an interrupted clone the slot is already there and is simply reused.
create_replication_slot() {
	as_replication_client pg_receivewal --create-slot --if-not-exists --slot="$REPLICA_NAME"
}

take_base_backup() {
	as_replication_client pg_basebackup --pgdata="$1" --write-recovery-conf \
		--wal-method=stream --checkpoint=fast --slot="$REPLICA_NAME" --no-password
}

# run_init_sql: the SQL that needs a running server: POSTGRES_DB on a new cluster and, on the
# primary, the replication role (every start).
run_init_sql() {
	if [[ -z "$PGHA_NEW_CLUSTER" ]] && ! is_primary; then
		return 0
	fi
	start_temp_server
	if [[ -n "$PGHA_NEW_CLUSTER" ]]; then
		create_initial_database
	fi
	if is_primary; then
		create_replication_user
	fi
	stop_temp_server
}

# A throwaway server for the init-time SQL: socket only, in a private directory, so no client can
# connect mid-init. Secrets are kept out of its environment.
start_temp_server() {
	PGHA_SOCKET_DIR="$(mktemp -d)"
	# pg_ctl hands -o to /bin/sh, so the path is single-quoted there; mktemp never makes quotes
	# unless TMPDIR has them.
	if [[ "$PGHA_SOCKET_DIR" == *"'"* ]]; then
		die "TMPDIR must not contain a single quote"
	fi
	# Should anything below fail, do not leave the server running without us.
	trap abort_temp_server EXIT
	# -t: crash recovery after an unclean stop happens here and may take a while.
	env -u REPLICATION_PASSWORD -u POSTGRES_PASSWORD \
		pg_ctl -D "$PGDATA" -w -t 3600 \
		-o "-c listen_addresses='' -c unix_socket_directories='$PGHA_SOCKET_DIR' -p $PGPORT" \
		start >&2
}

stop_temp_server() {
	trap - EXIT
	pg_ctl -D "$PGDATA" -m fast -w stop >&2
	rm -rf -- "$PGHA_SOCKET_DIR"
}

abort_temp_server() {
	pg_ctl -D "$PGDATA" -m fast -w stop >&2 || true
	rm -rf -- "$PGHA_SOCKET_DIR"
}

# psql against the temporary server, as the bootstrap superuser.
temp_psql() {
	psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet \
		--host="$PGHA_SOCKET_DIR" --port="$PGPORT" \
		--username="$POSTGRES_USER" --dbname=postgres "$@"
}

create_initial_database() {
	[[ "$POSTGRES_DB" != postgres ]] || return 0
	log "creating database $POSTGRES_DB"
	temp_psql --set=db="$POSTGRES_DB" <<-'SQL'
		SELECT NOT EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = :'db') AS missing \gset
		\if :missing
		CREATE DATABASE :"db";
		\endif
	SQL
}
