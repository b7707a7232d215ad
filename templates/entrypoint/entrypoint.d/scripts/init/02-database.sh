# shellcheck shell=bash
# setup_database: make PGDATA hold a cluster fit for this node's role, or stop and say why.
# New clusters (initdb or a clone of the primary) are built in a sibling staging directory and
# renamed into place only when complete, so an interrupted start never leaves a PGDATA that looks
# valid. Nothing that is already in PGDATA is ever deleted here.

# Set when this start created the cluster: PGHA_NEW_CLUSTER by initdb (init_cluster), PGHA_CLONED
# by a base backup (clone_primary). Later steps skip what a brand-new cluster does not need.
PGHA_NEW_CLUSTER=
PGHA_CLONED=
# Seconds ensure_replication_slot's one attempt may take to connect.
PGHA_SLOT_CONNECT_TIMEOUT=5

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

# True when this start ran initdb: there is nothing to converge or to compare with peers.
is_new_cluster() {
	[[ -n "$PGHA_NEW_CLUSTER" ]]
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
		die "REPLICATION_ROLE=replica but PGDATA ($PGDATA) holds a cluster without standby.signal: it was a primary or has been promoted, and may have diverged from the primary. Nothing was changed. To make it a replica of $PRIMARY_HOST:$PRIMARY_PORT without a full copy, run \`pg-ha-init rejoin NODE\` in this node's bundle (NODE: this node's service name); it rewinds the data only if it diverged. Or stop this node, move PGDATA's contents away (keep them until you are sure) and start it again: it will clone the primary."
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
	populate_new_cluster "$staging"
	move_into_place "$staging"
	PGHA_NEW_CLUSTER=1
}

# The first-start SQL runs in the staging directory, before the cluster is moved into place: if
# a step or an init script fails, the staging directory is discarded and PGDATA stays empty, so
# the next start simply tries again (the official image would leave a half-initialised cluster).
populate_new_cluster() {
	start_temp_server "$1" discard-on-abort
	create_initial_database
	run_initdb_scripts
	stop_temp_server
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
	PGHA_CLONED=1
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

# ensure_replication_slot: every start of a replica, make sure its slot exists on the primary it
# follows now. After a failover or a `follow`, the new primary has no slot for it, and without
# one the WAL receiver loops on "replication slot does not exist". One short attempt only: an
# unreachable primary must not hold the replica's start (its WAL receiver keeps retrying).
ensure_replication_slot() {
	is_replica || return 0
	[[ -z "$PGHA_CLONED" ]] || return 0 # the clone just created it
	if PGCONNECT_TIMEOUT="$PGHA_SLOT_CONNECT_TIMEOUT" create_replication_slot; then
		log "replication slot $REPLICA_NAME present on $PRIMARY_HOST:$PRIMARY_PORT"
	else
		warn "could not ensure replication slot $REPLICA_NAME on $PRIMARY_HOST:$PRIMARY_PORT now; starting anyway. The replica streams once the primary answers and holds the slot: restart this node then, or create it there with SELECT pg_create_physical_replication_slot('$REPLICA_NAME', true)"
	fi
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
