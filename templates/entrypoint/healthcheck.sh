#!/usr/bin/env bash
# pg-ha-init healthcheck: exit 0 when this node does its job.
#   primary or standalone: accepts TCP connections on loopback, the way clients and replicas come.
#   replica: in recovery AND its WAL receiver is streaming; a replica that lost its primary, or
#   that was promoted, is not a healthy replica.
set -Eeuo pipefail

main() {
	if [[ "${HA_MODE:-}" == native && "${REPLICATION_ROLE:-}" == replica ]]; then
		replica_is_streaming
	else
		pg_isready --quiet --host=127.0.0.1 --port="${PGPORT:-5432}"
	fi
}

# Over the local socket (default directory), as the superuser: local connections are trusted.
replica_is_streaming() {
	local streaming
	unset PGHOST PGHOSTADDR
	streaming="$(psql --no-psqlrc --quiet --tuples-only --no-align -v ON_ERROR_STOP=1 \
		--port="${PGPORT:-5432}" --username="${POSTGRES_USER:-postgres}" --dbname=postgres <<-'SQL'
			SELECT pg_is_in_recovery()
			   AND EXISTS (SELECT FROM pg_stat_wal_receiver WHERE status = 'streaming');
		SQL
	)"
	[[ "$streaming" == t ]]
}

main "$@"
