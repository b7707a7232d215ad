#!/usr/bin/env bash
# pg-ha-init healthcheck: exit 0 when this node does its job, whatever its environment says (a
# container's environment is frozen at creation; the node's role moves with switchover and
# failover, and a promoted replica must be healthy before its container is ever recreated):
#   a writable primary (or standalone) that accepts TCP connections on loopback, the way clients
#   and replicas come; or
#   a standby whose WAL receiver is streaming: a replica that lost its primary is not healthy.
set -Eeuo pipefail

main() {
	pg_isready --quiet --host=127.0.0.1 --port="${PGPORT:-5432}"
	does_its_job
}

# Over the local socket (default directory), as the superuser: local connections are trusted.
does_its_job() {
	local answer
	unset PGHOST PGHOSTADDR
	answer="$(psql --no-psqlrc --quiet --tuples-only --no-align -v ON_ERROR_STOP=1 \
		--port="${PGPORT:-5432}" --username="${POSTGRES_USER:-postgres}" --dbname=postgres <<-'SQL'
			SELECT NOT pg_is_in_recovery()
			    OR EXISTS (SELECT FROM pg_stat_wal_receiver WHERE status = 'streaming');
		SQL
	)"
	[[ "$answer" == t ]]
}

main "$@"
