# shellcheck shell=bash
# load_node_env_file: the node's topology, read from the bundle's own env/<service>.env at every
# start, over the container's environment.
#
# A container's environment is frozen when Compose creates it: `restart: unless-stopped`, a host
# reboot and `docker start <old container>` all start it with what it was created with, even after
# a switchover or failover rewrote the bundle. So the bundle's env/ directory is mounted read-only
# (a directory: a single-file bind mount keeps the old inode after an atomic rename) and
# PGHA_NODE_ENV_FILE names this node's file. Its topology variables replace the environment's, so
# whichever way the container starts, it starts as what the files on disk say.
#
# Only the keys below are taken, each literally (no `source`, no eval, no expansion): the file is
# data, written by pg-ha-init with values a Compose env file carries unchanged. A key the file
# does not set is unset (a primary's file has no PRIMARY_HOST). Secrets never come from here.
# The file may be readable by root only (mode 0600): it is read before the drop to postgres, and
# the values travel to the re-exec in the environment; PGHA_NODE_ENV_FILE is then unset.

PGHA_TOPOLOGY_KEYS=(HA_MODE REPLICATION_ROLE PRIMARY_HOST PRIMARY_PORT REPLICA_NAME PEER_HOSTS)

is_topology_key() {
	local key
	for key in "${PGHA_TOPOLOGY_KEYS[@]}"; do
		[[ "$1" == "$key" ]] && return 0
	done
	return 1
}

# Returns 1 (after an error line) when the file is named but cannot be read: starting from the
# container's old environment instead could start a fenced node as a primary.
load_node_env_file() {
	[[ -n "${PGHA_NODE_ENV_FILE:-}" ]] || return 0
	local file="$PGHA_NODE_ENV_FILE" line key value lines
	if [[ ! -f "$file" || ! -r "$file" ]]; then
		error "PGHA_NODE_ENV_FILE: $(printf '%q' "$file") cannot be read; it holds this node's role (mount the bundle's env/ directory read-only there). Not starting from the container's old environment"
		return 1
	fi
	# Read whole first: a half-read file must not leave half the keys unset.
	lines="$(<"$file")"
	for key in "${PGHA_TOPOLOGY_KEYS[@]}"; do
		unset "$key"
	done
	while IFS= read -r line; do
		line="${line%$'\r'}"
		[[ -n "$line" && "$line" != '#'* && "$line" == *=* ]] || continue
		key="${line%%=*}"
		value="${line#*=}"
		is_topology_key "$key" || continue
		printf -v "$key" '%s' "$value"
		export "${key?}"
	done <<<"$lines"
	unset PGHA_NODE_ENV_FILE
	log "node topology from $file: HA_MODE=${HA_MODE:-} REPLICATION_ROLE=${REPLICATION_ROLE:-}${PRIMARY_HOST:+ PRIMARY_HOST=$PRIMARY_HOST}"
}
