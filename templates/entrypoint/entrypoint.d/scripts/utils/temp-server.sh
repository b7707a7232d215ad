# shellcheck shell=bash
# A throwaway server for the work that needs SQL before the real start: a new cluster's database
# and /docker-entrypoint-initdb.d scripts (in the staging directory), a promotion, the replication
# role. Socket only, in a private directory, so no client can connect meanwhile. Secrets are kept
# out of its environment.

# The data directory the temporary server runs on, and its socket directory.
PGHA_TEMP_PGDATA=
PGHA_SOCKET_DIR=
# A staging directory to delete if the start fails while the temporary server runs on it.
PGHA_DISCARD_ON_ABORT=

# start_temp_server DIR [discard-on-abort]: with discard-on-abort, DIR is a new cluster's staging
# directory, deleted if the start fails before stop_temp_server.
start_temp_server() {
	PGHA_TEMP_PGDATA="$1"
	PGHA_DISCARD_ON_ABORT=
	if [[ "${2:-}" == discard-on-abort ]]; then
		PGHA_DISCARD_ON_ABORT="$1"
	fi
	PGHA_SOCKET_DIR="$(mktemp -d)"
	# pg_ctl hands -o to /bin/sh, so the path is single-quoted there; mktemp never makes quotes
	# unless TMPDIR has them.
	if [[ "$PGHA_SOCKET_DIR" == *"'"* ]]; then
		die "TMPDIR must not contain a single quote"
	fi
	# Should anything below fail, do not leave the server running without us.
	trap abort_temp_server EXIT
	# -t: crash recovery after an unclean stop happens here and may take a while.
	# No synchronous standbys: with SYNC_REPLICAS >= 1 the fragment names them, none can connect
	# to a socket-only server, and every commit here (the role, init scripts) would wait forever.
	env -u REPLICATION_PASSWORD -u POSTGRES_PASSWORD \
		pg_ctl -D "$PGHA_TEMP_PGDATA" -w -t 3600 \
		-o "-c listen_addresses='' -c unix_socket_directories='$PGHA_SOCKET_DIR' -c synchronous_standby_names='' -p $PGPORT" \
		start >&2
}

stop_temp_server() {
	trap - EXIT
	PGHA_DISCARD_ON_ABORT=
	pg_ctl -D "$PGHA_TEMP_PGDATA" -m fast -w stop >&2
	rm -rf -- "$PGHA_SOCKET_DIR"
}

abort_temp_server() {
	pg_ctl -D "$PGHA_TEMP_PGDATA" -m fast -w stop >&2 || true
	rm -rf -- "$PGHA_SOCKET_DIR"
	if [[ -n "$PGHA_DISCARD_ON_ABORT" ]]; then
		warn "discarding the unfinished new cluster in $PGHA_DISCARD_ON_ABORT; PGDATA ($PGDATA) was not touched"
		rm -rf -- "$PGHA_DISCARD_ON_ABORT"
	fi
}

# psql against the temporary server, as the bootstrap superuser.
temp_psql() {
	psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet \
		--host="$PGHA_SOCKET_DIR" --port="$PGPORT" \
		--username="$POSTGRES_USER" --dbname=postgres "$@"
}

# temp_query SQL: one value, unaligned, for the checks the entrypoint makes itself.
temp_query() {
	temp_psql --tuples-only --no-align --command="$1"
}
