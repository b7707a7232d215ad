# shellcheck shell=bash
# check_peers_for_primary: at every start of a node declared primary (HA_MODE=native,
# REPLICATION_ROLE=primary) whose PGDATA already held a cluster, ask each peer of PEER_HOSTS
# what it is. The start is refused, before anything in PGDATA is changed (and before a former
# replica declared primary is promoted), when a peer of the same cluster
#   - is writable, on any timeline: two writable nodes is split brain, whichever is newer. A
#     writable peer on an OLDER timeline is a former primary started again (an old env file put
#     back while this node was down): it already takes writes, and this node cannot stop it, so
#     this node stays down rather than make a second one;
#   - is a replica on a NEWER timeline than this node: it follows a primary promoted after this
#     node's data was written, so this node is a former primary even if that newer primary is
#     down right now (this is what stops an old bundle restored while the new primary is down).
# Equal timelines count as refusal when the peer is writable: two writable nodes on one
# timeline means one of them left recovery without a promotion.
#
# Peers are asked as the replication role (it has LOGIN and REPLICATION, and no new secret is
# needed) over a replication=database connection: IDENTIFY_SYSTEM gives the system identifier
# and the CURRENT timeline (on a standby, the one it replays; pg_control's checkpoint timeline
# lags right after a promotion), and the same connection answers pg_is_in_recovery(). The
# password is only in psql's environment. A peer that does not answer within
# PGHA_PEER_CONNECT_TIMEOUT seconds is skipped, so a whole-cluster cold start, where nobody
# answers yet, still works; a peer of another cluster is ignored with a warning.

PGHA_PEER_CONNECT_TIMEOUT=3

check_peers_for_primary() {
	is_primary && [[ -n "${PEER_HOSTS:-}" ]] && ! is_new_cluster || return 0
	local own_timeline own_system entry answer
	own_timeline="$(data_timeline "$PGDATA")"
	own_system="$(controldata_field "$PGDATA" 'Database system identifier')"
	log "asking the peers in PEER_HOSTS whether one of them is already the primary (this node: timeline $own_timeline)"
	while IFS= read -r -d , entry; do
		[[ -n "$entry" ]] || continue
		parse_peer "$entry" >/dev/null
		if ! answer="$(ask_peer "$PGHA_PEER_HOST" "$PGHA_PEER_PORT")"; then
			warn "peer $entry could not be asked (${answer:-no reply}); it does not hold this start"
			continue
		fi
		judge_peer "$entry" "$answer" "$own_system" "$own_timeline"
	done <<<"$PEER_HOSTS,"
}

# data_timeline DIR: the newest timeline this stopped cluster has been on. pg_control's checkpoint
# timeline lags a promotion until the first checkpoint after it (the one PostgreSQL requests at
# promotion is spread out), but the promotion writes its NNNNNNNN.history file into pg_wal at
# once: a node promoted and then killed before that checkpoint is still on its new timeline.
data_timeline() {
	local timeline history number
	timeline="$(checkpoint_timeline "$1")"
	for history in "$1"/pg_wal/[0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F].history; do
		[[ -e "$history" ]] || continue
		number=$((16#$(basename "$history" .history)))
		if ((number > timeline)); then timeline=$number; fi
	done
	printf '%s\n' "$timeline"
}

# ask_peer HOST PORT -> "system_identifier|timeline|in_recovery" on success; on failure, the
# first line of psql's error (never the password).
ask_peer() {
	local out
	if out="$(PGHOST="$1" PGPORT="$2" PGUSER="$REPLICATION_USER" PGPASSWORD="$REPLICATION_PASSWORD" \
		PGDATABASE=postgres PGCONNECT_TIMEOUT="$PGHA_PEER_CONNECT_TIMEOUT" PGAPPNAME=pg-ha-init-peer-check \
		psql --no-psqlrc --tuples-only --no-align --field-separator='|' \
		--dbname='replication=database' \
		--command='IDENTIFY_SYSTEM' --command='SELECT pg_is_in_recovery()' 2>&1)"; then
		# IDENTIFY_SYSTEM: systemid|timeline|xlogpos|dbname; then t or f.
		local identify recovery system timeline
		identify="$(sed -n 1p <<<"$out")"
		recovery="$(sed -n 2p <<<"$out")"
		IFS='|' read -r system timeline _ <<<"$identify"
		if [[ ! "$system" =~ ^[0-9]+$ || ! "$timeline" =~ ^[0-9]+$ || ! "$recovery" =~ ^[tf]$ ]]; then
			printf 'unexpected answer to IDENTIFY_SYSTEM\n'
			return 1
		fi
		printf '%s|%s|%s\n' "$system" "$timeline" "$recovery"
	else
		printf '%s\n' "$(head -n 1 <<<"$out")"
		return 1
	fi
}

judge_peer() {
	local entry="$1" own_system="$3" own_timeline="$4" system timeline recovery
	IFS='|' read -r system timeline recovery <<<"$2"
	if [[ "$system" != "$own_system" ]]; then
		warn "peer $entry belongs to another cluster (system identifier $system, this node $own_system); ignored"
	elif [[ "$recovery" == f ]] && ((timeline >= own_timeline)); then
		die "REPLICATION_ROLE=primary, but peer $entry is already a writable primary of this cluster on timeline $timeline (this node's data: timeline $own_timeline). Starting read-write would make two primaries (split brain). Refusing to start; nothing was changed. Make this node a replica of $entry with \`pg-ha-init rejoin NODE\` in this node's bundle (NODE: this node's service name), or, if $entry must not be the primary, stop it first."
	elif [[ "$recovery" == f ]]; then
		die "REPLICATION_ROLE=primary, but peer $entry is ALSO a writable primary of this cluster, on an older timeline ($timeline; this node's data: timeline $own_timeline): a former primary started again, which already takes writes this node does not have. Starting read-write would make two primaries (split brain). Refusing to start; nothing was changed. Stop $entry, start this node, then bring $entry back with \`pg-ha-init rejoin\` in its bundle (its writes since the promotion are saved aside, never deleted)."
	elif ((timeline > own_timeline)); then
		die "REPLICATION_ROLE=primary, but peer $entry is a replica on timeline $timeline, newer than this node's data (timeline $own_timeline): another node was promoted after this one stopped, even if it does not answer now. Starting read-write would make two primaries (split brain). Refusing to start; nothing was changed. Start the current primary, or run \`pg-ha-init status\` to find it, then make this node a replica of it with \`pg-ha-init rejoin NODE\` in this node's bundle."
	else
		log "peer $entry is a replica (timeline $timeline)"
	fi
}
