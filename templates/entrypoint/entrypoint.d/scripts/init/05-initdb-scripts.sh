# shellcheck shell=bash
# run_initdb_scripts: the official image's /docker-entrypoint-initdb.d, on a NEW primary (or
# standalone) cluster only; replicas get the result by cloning. Runs on the socket-only temporary
# server in the staging directory (populate_new_cluster), so a failing file discards the whole
# new cluster and the next start runs every file again from scratch. Same file types and order
# as the official image: *.sh (executable: run; otherwise sourced), *.sql, *.sql.gz, *.sql.xz,
# *.sql.zst, in C-locale order of their names; anything else is ignored with a message.

run_initdb_scripts() {
	local dir="${INITDB_SCRIPTS_DIR:-/docker-entrypoint-initdb.d}" status=0
	[[ -d "$dir" ]] || return 0
	local -a files=()
	# C collation: the order must not depend on the image's locale.
	mapfile -t files < <(LC_ALL=C find "$dir" -mindepth 1 -maxdepth 1 ! -type d -print | LC_ALL=C sort)
	((${#files[@]} > 0)) || return 0
	log "running the init scripts in $dir"
	# In the background and waited for, not in `|| status=$?`: bash ignores errexit in anything
	# run as part of an || list, so a sourced script's failing command would not stop it.
	run_initdb_files "${files[@]}" &
	wait "$!" || status=$?
	if ((status != 0)); then
		die "an init script in $dir failed (exit $status; see the lines above for the file and line). The new cluster was discarded and PGDATA ($PGDATA) is still empty: fix the script and start again; every init script then runs again on a fresh cluster."
	fi
}

# A subshell (run with &): what scripts export or source stays in it. The official image offers
# its scripts psql with no arguments reaching the temporary server as the superuser, in
# POSTGRES_DB; so do we.
run_initdb_files() {
	export PGHOST="$PGHA_SOCKET_DIR" PGPORT PGUSER="$POSTGRES_USER" PGDATABASE="$POSTGRES_DB"
	export POSTGRES_USER POSTGRES_DB
	unset REPLICATION_PASSWORD
	PGHA_INITDB_FILE=
	trap 'initdb_file_failed "$?" "$LINENO"' ERR
	local file
	for file in "$@"; do
		run_initdb_file "$file"
	done
}

# ERR trap: name the file; for a sourced script, the line too (LINENO is that file's line).
initdb_file_failed() {
	if [[ "${PGHA_INITDB_SOURCED:-}" == 1 ]]; then
		error "init script $PGHA_INITDB_FILE failed at line $2 (exit $1)"
	else
		error "init script $PGHA_INITDB_FILE failed (exit $1)"
	fi
}

run_initdb_file() {
	PGHA_INITDB_FILE="$1"
	PGHA_INITDB_SOURCED=
	local name
	name="$(basename -- "$1")"
	case "$name" in
	*.sh)
		if [[ -x "$1" ]]; then
			log "$name: running"
			"$1"
		else
			log "$name: sourcing"
			PGHA_INITDB_SOURCED=1
			# shellcheck source=/dev/null
			source "$1"
			PGHA_INITDB_SOURCED=
		fi
		;;
	*.sql)
		log "$name: running"
		initdb_psql --file="$1"
		;;
	*.sql.gz | *.sql.xz | *.sql.zst)
		log "$name: running"
		decompress_into_psql "$1"
		;;
	*) log "$name: ignored (not .sh, .sql, .sql.gz, .sql.xz or .sql.zst)" ;;
	esac
}

# psql as the official image runs init SQL: stop at the first error, which psql reports with the
# file (or <stdin>) and line: `psql:FILE:LINE: ERROR: ...`.
initdb_psql() {
	psql -v ON_ERROR_STOP=1 --no-psqlrc "$@"
}

# decompress_into_psql FILE: by its extension; a tool the image lacks is a clear error.
decompress_into_psql() {
	local tool
	case "$1" in
	*.gz) tool=gzip ;;
	*.xz) tool=xz ;;
	*) tool=zstd ;;
	esac
	if ! command -v "$tool" >/dev/null; then
		error "$(basename -- "$1"): $tool is not installed in this image"
		return 127
	fi
	"$tool" -dc -- "$1" | initdb_psql
}
