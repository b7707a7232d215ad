# shellcheck shell=bash
# check_major_version: before anything is created or changed, make sure the data belongs to this
# server's major version. A new major cannot read an older cluster, and the official images
# moved PGDATA between majors: 18 keeps it at /var/lib/postgresql/18/docker with the volume at
# /var/lib/postgresql, 17 and older at /var/lib/postgresql/data (our bundles: .../data/pgdata).
# Remounting a volume for another major would otherwise leave the old cluster unseen beside an
# empty PGDATA, and a fresh initdb would come up healthy and empty. The official image refuses
# this; so do we, naming both versions.

check_major_version() {
	local server found
	server="$(server_major)" || die "could not read the major version of \`postgres --version\`"
	if [[ -s "$PGDATA/PG_VERSION" ]]; then
		found="$(cluster_major "$PGDATA")"
		if [[ "$found" != "$server" ]]; then
			refuse_major "$server" "$found" "$PGDATA"
		fi
	fi
	local cluster
	while IFS= read -r -d '' cluster; do
		found="$(cluster_major "$cluster")"
		[[ "$found" != "$server" ]] || continue
		if [[ -s "$PGDATA/PG_VERSION" ]]; then
			# PGDATA already holds this major's cluster (an upgrade done in the same volume):
			# the old one is kept, not a reason to stop.
			warn "the volume also holds a PostgreSQL $found cluster at $cluster; PGDATA ($PGDATA) is PostgreSQL $server and is used. Remove the old cluster once you no longer need it."
		else
			refuse_major "$server" "$found" "$cluster"
		fi
	done < <(foreign_cluster_candidates)
}

refuse_major() {
	die "this server is PostgreSQL $1, but $3 holds a PostgreSQL $2 cluster. Refusing to start: nothing was initialised or changed. A major version cannot read another's data directory: either run the PostgreSQL $2 image again, or move the data to PostgreSQL $1 with the \"Upgrade to a new major\" procedure in the bundle's README.md (dump on $2, restore on $1, re-clone the replicas)."
}

# The major of the postgres binary on PATH: 15 from "postgres (PostgreSQL) 15.18 (Debian ...)";
# 9.6 from a 9.6.x (before 10, the major had two parts, as PG_VERSION says).
server_major() {
	local version
	version="$(postgres --version)"
	[[ "$version" =~ \)\ ([0-9]+)(\.([0-9]+))? ]] || return 1
	if ((BASH_REMATCH[1] < 10)); then
		printf '%s.%s\n' "${BASH_REMATCH[1]}" "${BASH_REMATCH[3]}"
	else
		printf '%s\n' "${BASH_REMATCH[1]}"
	fi
}

cluster_major() {
	local major
	major="$(<"$1/PG_VERSION")"
	printf '%s\n' "${major//[[:space:]]/}"
}

# Every data directory (a PG_VERSION file beside a global/ directory: databases' own base/OID
# directories hold a PG_VERSION too) at most three levels below each volume root, NUL-separated.
# Reaches <volume>/18/docker from a <=17 PGDATA, and <volume>/data/pgdata or <volume>/data from
# an 18 one. Unreadable directories are skipped: this looks for what would be hidden, not for
# errors.
foreign_cluster_candidates() {
	local root file
	while IFS= read -r root; do
		while IFS= read -r -d '' file; do
			if [[ -d "$(dirname -- "$file")/global" ]]; then
				printf '%s\0' "$(dirname -- "$file")"
			fi
		done < <(find "$root" -mindepth 1 -maxdepth 3 -name PG_VERSION -type f -print0 2>/dev/null || true)
	done < <(volume_roots)
}

# Where the volume may be mounted, derived from PGDATA: its parent (the <=17 layout,
# <volume>/pgdata) and, for the 18 layout (<volume>/<major>/docker, the parent named by a
# number) or when the grandparent is itself a mount point, the grandparent. Never `/`.
volume_roots() {
	local parent grandparent
	parent="$(dirname -- "$PGDATA")"
	grandparent="$(dirname -- "$parent")"
	printf '%s\n' "$parent"
	if [[ "$grandparent" != / ]] && { [[ "$(basename -- "$parent")" =~ ^[0-9]+(\.[0-9]+)?$ ]] || is_mount_point "$grandparent"; }; then
		printf '%s\n' "$grandparent"
	fi
}
