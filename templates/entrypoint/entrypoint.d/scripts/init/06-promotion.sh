# shellcheck shell=bash
# A former replica that the environment declares primary (REPLICATION_ROLE=primary), or
# standalone (HA_MODE empty: the spec's stateless rule), is PROMOTED, never made writable by
# deleting standby.signal. A real promotion switches to a new timeline and writes its .history
# file, so later divergence can be detected and pg_rewind can bring the old primary back. Merely
# deleting standby.signal only runs crash recovery and keeps the old timeline: from then on
# nobody can tell where the two nodes diverged.

# Set by converge_standby_signal; run_init_sql promotes on the temporary server.
PGHA_PROMOTE=
# Seconds pg_ctl promote waits for the end of recovery.
PGHA_PROMOTE_TIMEOUT=600

converge_standby_signal() {
	[[ -e "$PGDATA/standby.signal" ]] || return 0
	if ! is_native; then
		warn_loudly \
			"HA_MODE is empty, but PGDATA ($PGDATA) holds standby.signal: this node was a replica." \
			"PROMOTING it (a new timeline): it starts as a STANDALONE, READ-WRITE server and stops following its primary." \
			"From now on its data diverges from the primary; it cannot become that primary's replica again without a rewind or a fresh clone." \
			"If this is not what you wanted, stop it now, set HA_MODE=native and REPLICATION_ROLE=replica, and rejoin or re-clone it." \
			"Its replication slot on the primary keeps retaining WAL until you drop it there."
	elif is_primary; then
		warn_loudly \
			"REPLICATION_ROLE=primary, but PGDATA ($PGDATA) holds standby.signal: this node was a replica." \
			"PROMOTING it (a new timeline): it leaves recovery and starts as a READ-WRITE primary, as declared." \
			"Make sure no other node is still the primary, or the two will diverge."
	else
		return 0
	fi
	forget_upstream
	PGHA_PROMOTE=1
}

# On the temporary server (in recovery, with no upstream): promote, wait until it is out of
# recovery on its new timeline, and CHECKPOINT so that pg_control records that timeline too (a
# pg_rewind or a peer reading pg_control right after would otherwise see the old one).
promote_temp_server() {
	local before after
	before="$(checkpoint_timeline "$PGDATA")"
	log "promoting this former replica (timeline $before)"
	pg_ctl -D "$PGDATA" -w -t "$PGHA_PROMOTE_TIMEOUT" promote >&2
	if [[ "$(temp_query 'SELECT pg_is_in_recovery()')" != f ]]; then
		die "the promotion did not finish within ${PGHA_PROMOTE_TIMEOUT}s; standby.signal is still in place and nothing else was changed. Start again to retry."
	fi
	temp_psql --command=CHECKPOINT
	after="$(checkpoint_timeline "$PGDATA")"
	if ((after <= before)); then
		die "after the promotion the cluster is still on timeline $after; refusing to continue"
	fi
	log "promoted: timeline $before -> $after"
}

# checkpoint_timeline DIR: "Latest checkpoint's TimeLineID" from pg_controldata.
checkpoint_timeline() {
	controldata_field "$1" "Latest checkpoint's TimeLineID"
}

# controldata_field DIR LABEL: one value of pg_controldata, C locale so the labels are English.
controldata_field() {
	LC_ALL=C pg_controldata -D "$1" | awk -v label="$2:" '
		index($0, label) == 1 { sub(/^[^:]*:[[:space:]]*/, ""); print; exit }
	'
}

# run_init_sql: the SQL that needs the existing cluster running: a promotion (a former replica
# declared primary or standalone, see converge_standby_signal) and, on the primary, the
# replication role (every start). One temporary server does both.
run_init_sql() {
	if [[ -z "$PGHA_PROMOTE" ]] && ! is_primary; then
		return 0
	fi
	start_temp_server "$PGDATA"
	if [[ -n "$PGHA_PROMOTE" ]]; then
		promote_temp_server
	fi
	if is_primary; then
		create_replication_user
	fi
	stop_temp_server
}
