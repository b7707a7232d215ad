# shellcheck shell=bash
# validate_ha_configuration: check the whole environment before anything is touched. Every
# problem gets one line, `pg-ha-init: error: VARIABLE: what is wrong; how to fix it`, so an
# operator fixes them all in one go. Secret values are never printed; other values are, quoted
# with %q so control characters stay visible. Mirrors the TypeScript model (one case table).

validate_ha_configuration() {
	# Byte semantics whatever the locale: name limits are in bytes, character classes byte-wise.
	local LC_ALL=C
	# Bumped by `invalid` through bash's dynamic scoping.
	local invalid_count=0

	check_ha_mode
	check_secret REPLICATION_PASSWORD
	check_secret POSTGRES_PASSWORD
	check_boolean USE_PATRONI
	check_boolean USE_CITUS
	if is_native; then
		check_native_requirements
	fi
	check_optional_settings

	((invalid_count == 0))
}

invalid() {
	error "$1: $2"
	((++invalid_count))
}

quoted() {
	printf '%q' "$1"
}

check_ha_mode() {
	case "${HA_MODE:-}" in
	'' | native) ;;
	*) invalid HA_MODE "must be empty (a standalone server) or 'native', got $(quoted "$HA_MODE")" ;;
	esac
}

# check_secret VAR: the X / X_FILE pair after file_env ran. A VAR_FILE still set here is one
# file_env could not use.
check_secret() {
	local var="$1"
	local file_var="${var}_FILE"

	if [[ -n "${!var+set}" && -n "${!file_var+set}" ]]; then
		invalid "$var" "both $var and $file_var are set; keep only $file_var (preferred) or $var"
	elif [[ -n "${!file_var+set}" ]]; then
		invalid "$file_var" "the file $(quoted "${!file_var}") $(secret_file_problem "${!file_var}"); put a one-line password in a file readable here"
	elif [[ -n "${!var+set}" && -z "${!var}" ]]; then
		invalid "$var" "is set but empty; set a password or unset it"
	elif [[ "${!var:-}" == *[$'\n\r']* ]]; then
		invalid "$var" "must not contain a newline or carriage return; choose a single-line password"
	fi
}

check_boolean() {
	local var="$1"
	if ! is_boolean "${!var:-}"; then
		invalid "$var" "must be true/yes/1 or false/no/0 (any case), got $(quoted "${!var}")"
	elif is_native && is_true "${!var:-}"; then
		invalid "$var" "HA_MODE=native runs its own streaming replication and cannot be combined with it; set $var=false"
	fi
}

check_native_requirements() {
	case "${REPLICATION_ROLE:-}" in
	primary | replica) ;;
	*) invalid REPLICATION_ROLE "must be 'primary' or 'replica' when HA_MODE=native, got $(quoted "${REPLICATION_ROLE:-}")" ;;
	esac
	if [[ "${REPLICATION_ROLE:-}" == replica && -z "${PRIMARY_HOST:-}" ]]; then
		invalid PRIMARY_HOST "a replica needs the host name or IP address of its primary"
	fi
	# Set but unusable values have been reported by check_secret already.
	if [[ -z "${REPLICATION_PASSWORD+set}" && -z "${REPLICATION_PASSWORD_FILE+set}" ]]; then
		invalid REPLICATION_PASSWORD "required when HA_MODE=native; set REPLICATION_PASSWORD_FILE (preferred) or REPLICATION_PASSWORD"
	fi
}

# Settings checked whenever they are set. "Set to empty" counts as set: an empty name is a
# mistake, not a request for the default.
check_optional_settings() {
	if [[ -n "${PRIMARY_HOST:-}" ]] && ! is_host "$PRIMARY_HOST"; then
		invalid PRIMARY_HOST "$(quoted "$PRIMARY_HOST") is neither a valid host name (RFC 1123) nor an IPv4 or IPv6 address"
	fi
	check_number PRIMARY_PORT 1 65535 "a port number"
	check_number PGPORT 1 65535 "a port number"
	check_number PRIMARY_WAIT_TIMEOUT 1 86400 "a number of seconds"
	check_role_name REPLICATION_USER
	check_role_name POSTGRES_USER
	if [[ "${REPLICATION_USER-replicator}" == "${POSTGRES_USER-postgres}" ]] && [[ -z "$(role_name_problem "${REPLICATION_USER-replicator}")" ]]; then
		invalid REPLICATION_USER "must differ from the superuser POSTGRES_USER ($(quoted "${POSTGRES_USER-postgres}")); replicas must not log in as the superuser"
	fi
	if [[ -n "${POSTGRES_DB+set}" ]] && ! is_portable_name "$POSTGRES_DB"; then
		invalid POSTGRES_DB "$(quoted "$POSTGRES_DB") must be 1 to 63 bytes with no whitespace, control characters or any of ' \" \$ \\ \` #"
	fi
	if [[ -n "${REPLICA_NAME+set}" && ! "$REPLICA_NAME" =~ ^[a-z0-9_]{1,63}$ ]]; then
		invalid REPLICA_NAME "$(quoted "$REPLICA_NAME") must be 1 to 63 of a-z, 0-9 and _ (it names the replication slot)"
	fi
	check_peer_hosts
	check_sizing
}

# Sizing (issue 12): the values are rendered into the config fragment by pg-ha-init; they are
# checked here too, with the same rules (one case table), so an env file edited by hand fails
# loudly instead of drifting from what the fragment says. One group: as soon as one is set,
# PG_MEMORY and PG_CPUS are required. Empty counts as set.
check_sizing() {
	local var any=
	for var in PG_MEMORY PG_CPUS PG_STORAGE PG_MAX_CONNECTIONS; do
		[[ -z "${!var+set}" ]] || any=1
	done
	[[ -n "$any" ]] || return 0
	if [[ -z "${PG_MEMORY+set}" ]]; then
		invalid PG_MEMORY "is required once any of PG_MEMORY, PG_CPUS, PG_STORAGE, PG_MAX_CONNECTIONS is set; set it (e.g. PG_MEMORY=4GB) or unset the others"
	else
		check_memory PG_MEMORY
	fi
	if [[ -z "${PG_CPUS+set}" ]]; then
		invalid PG_CPUS "is required once any of PG_MEMORY, PG_CPUS, PG_STORAGE, PG_MAX_CONNECTIONS is set; set it to a number of cores or unset the others"
	else
		check_number PG_CPUS 1 1024 "a whole number of CPU cores"
	fi
	check_number PG_MAX_CONNECTIONS 10 10000 "a number of connections"
	case "${PG_STORAGE-ssd}" in
	ssd | hdd) ;;
	*) invalid PG_STORAGE "$(quoted "$PG_STORAGE") must be ssd (also for NVMe and SAN) or hdd" ;;
	esac
}

# check_memory VAR: a whole number and one of PostgreSQL's units, spelled as it spells them
# (kB, MB, GB, TB), from 256MB to 4TB.
check_memory() {
	local var="$1" kb
	# At most 10 digits, and at most 4TB in kB before multiplying: bash arithmetic cannot overflow.
	if [[ ! "${!var}" =~ ^0*([0-9]{1,10})(kB|MB|GB|TB)$ ]]; then
		invalid "$var" "$(quoted "${!var}") must be a whole number with one of PostgreSQL's units kB, MB, GB or TB, e.g. 4GB"
		return 0
	fi
	kb=$((10#${BASH_REMATCH[1]}))
	((kb <= 4 * 1024 * 1024 * 1024)) || kb=$((4 * 1024 * 1024 * 1024 + 1))
	case "${BASH_REMATCH[2]}" in
	MB) kb=$((kb * 1024)) ;;
	GB) kb=$((kb * 1024 * 1024)) ;;
	TB) kb=$((kb * 1024 * 1024 * 1024)) ;;
	esac
	if ((kb < 256 * 1024 || kb > 4 * 1024 * 1024 * 1024)); then
		invalid "$var" "$(quoted "${!var}") must be from 256MB to 4TB"
	fi
}

# PEER_HOSTS: the other nodes a primary asks at start whether one of them is already the
# primary. Comma-separated entries host, host:port, [IPv6] or [IPv6]:port (a bare IPv6 address
# takes no port); port 1..65535, default 5432. Empty means no peers. One error per bad entry.
check_peer_hosts() {
	[[ -n "${PEER_HOSTS:-}" ]] || return 0
	local entry problem
	if [[ "$PEER_HOSTS" == ,* || "$PEER_HOSTS" == *, || "$PEER_HOSTS" == *,,* ]]; then
		invalid PEER_HOSTS "has an empty entry (a leading, trailing or doubled comma); separate host or host:port entries with single commas, e.g. db2:5432,db3"
	fi
	while IFS= read -r -d , entry; do
		[[ -n "$entry" ]] || continue
		problem="$(peer_problem "$entry")"
		if [[ -n "$problem" ]]; then
			invalid PEER_HOSTS "entry $(quoted "$entry"): $problem"
		fi
	done <<<"$PEER_HOSTS,"
}

# parse_peer ENTRY: sets PGHA_PEER_HOST and PGHA_PEER_PORT (5432 when not given); fails with a
# phrase on stdout saying what is wrong.
parse_peer() {
	local entry="$1" port=5432
	PGHA_PEER_HOST="$entry"
	if [[ "$entry" =~ ^\[([^]]*)\](:(.*))?$ ]]; then
		PGHA_PEER_HOST="${BASH_REMATCH[1]}"
		[[ -z "${BASH_REMATCH[2]}" ]] || port="${BASH_REMATCH[3]}"
		if ! is_ipv6 "$PGHA_PEER_HOST"; then
			echo "$(quoted "$PGHA_PEER_HOST") in brackets is not an IPv6 address"
			return 1
		fi
	elif [[ "$entry" == *:*:* ]]; then
		: # a bare IPv6 address; a port needs the [address]:port form
	elif [[ "$entry" == *:* ]]; then
		PGHA_PEER_HOST="${entry%:*}"
		port="${entry##*:}"
	fi
	if ! is_host "$PGHA_PEER_HOST"; then
		echo "$(quoted "$PGHA_PEER_HOST") is neither a valid host name (RFC 1123) nor an IPv4 or IPv6 address (write an IPv6 address with a port as [address]:port)"
		return 1
	fi
	if [[ ! "$port" =~ ^0*([0-9]{1,9})$ ]] || ((10#${BASH_REMATCH[1]} < 1 || 10#${BASH_REMATCH[1]} > 65535)); then
		echo "port $(quoted "$port") must be a port number from 1 to 65535"
		return 1
	fi
	# Read with PGHA_PEER_HOST by check_peers_for_primary (07-split-brain.sh).
	# shellcheck disable=SC2034
	PGHA_PEER_PORT="$((10#${BASH_REMATCH[1]}))"
}

peer_problem() {
	parse_peer "$1" || true
}

# check_number VAR MIN MAX WHAT: a whole number in MIN..MAX, leading zeros allowed (as the model).
check_number() {
	local var="$1" min="$2" max="$3" what="$4"
	[[ -n "${!var+set}" ]] || return 0
	# Leading zeros stripped first: bash would read 010 as octal, and a long string could overflow.
	if [[ ! "${!var}" =~ ^0*([0-9]{1,9})$ ]] || ((10#${BASH_REMATCH[1]} < min || 10#${BASH_REMATCH[1]} > max)); then
		invalid "$var" "$(quoted "${!var}") must be $what from $min to $max"
	fi
}

check_role_name() {
	local var="$1" problem
	[[ -n "${!var+set}" ]] || return 0
	problem="$(role_name_problem "${!var}")"
	if [[ -n "$problem" ]]; then
		invalid "$var" "$(quoted "${!var}") $problem"
	fi
}

role_name_problem() {
	local name="$1"
	if [[ "$name" == pg_* ]]; then
		echo "starts with pg_, which PostgreSQL reserves for its own roles"
	elif [[ "$name" == public || "$name" == none ]]; then
		echo "is reserved by PostgreSQL; choose another name"
	elif [[ "$name" == /* ]]; then
		# PostgreSQL 16+ reads a pg_hba user starting with / as a regular expression, even quoted.
		echo "starts with /, which pg_hba.conf reads as a regular expression"
	elif ! is_portable_name "$name"; then
		echo "must be 1 to 63 bytes with no whitespace, control characters or any of ' \" \$ \\ \` # (they cannot be written safely to an env file)"
	fi
}

# A name that can be written to an env file and a config file without quoting surprises.
is_portable_name() {
	local name="$1"
	local forbidden="[[:space:][:cntrl:]'\"\$\\\\\`#]"
	((${#name} >= 1 && ${#name} <= 63)) && [[ ! "$name" =~ $forbidden ]] && ! has_invisible_utf8 "$name"
}

# The model allows only visible characters (letters, marks, numbers, punctuation, symbols). In
# bytes (validation runs with LC_ALL=C), the invisible ones a name could plausibly carry: C1
# controls, no-break space and soft hyphen, U+2000-U+200F (spaces, zero-width and direction
# marks), U+2028-U+202F, U+205F-U+206F, the ideographic space and the byte-order mark.
has_invisible_utf8() {
	local invisible=$'(\xc2[\x80-\x9f\xa0\xad]|\xe2\x80[\x80-\x8f\xa8-\xaf]|\xe2\x81[\x9f-\xaf]|\xe3\x80\x80|\xef\xbb\xbf)'
	[[ "$1" =~ $invisible ]]
}

is_host() {
	is_ipv4 "$1" || is_ipv6 "$1" || is_hostname "$1"
}

# Dotted quad, no leading zeros (some resolvers read 010 as octal).
is_ipv4() {
	local octet='(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])'
	[[ "$1" =~ ^$octet\.$octet\.$octet\.$octet$ ]]
}

# RFC 1123 labels; a trailing dot (fully qualified) is allowed.
is_hostname() {
	local host="$1"
	local label='[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?'
	# All digits and dots is an IPv4 address or nothing (10.0.0.256 must not pass as a name).
	[[ ! "$host" =~ ^[0-9.]+$ ]] && ((${#host} <= 253)) && [[ "$host" =~ ^$label(\.$label)*\.?$ ]]
}

# Eight groups of 1-4 hex digits, at most one `::` standing for one or more zero groups,
# optionally a dotted quad in place of the last two groups, and optionally a zone (%eth0).
is_ipv6() {
	local addr="$1" head tail
	if [[ "$addr" =~ ^([^%]+)%[0-9A-Za-z.:-]+$ ]]; then
		addr="${BASH_REMATCH[1]}"
	fi
	[[ "$addr" == *:* && "$addr" =~ ^[0-9A-Fa-f:.]+$ ]] || return 1
	if [[ "$addr" == *.* ]]; then
		is_ipv4 "${addr##*:}" || return 1
		addr="${addr%:*}:0:0"
	fi
	[[ "$addr" != *::*::* ]] || return 1
	if [[ "$addr" != *::* ]]; then
		head=$(ipv6_group_count "$addr") || return 1
		((head == 8))
		return
	fi
	head=$(ipv6_group_count "${addr%%::*}") || return 1
	tail=$(ipv6_group_count "${addr#*::}") || return 1
	((head + tail <= 7))
}

# Number of groups in a `:`-separated run of hex groups ("" is 0); fails on anything else.
ipv6_group_count() {
	local run="$1" group='[0-9A-Fa-f]{1,4}' colons
	if [[ -z "$run" ]]; then
		echo 0
		return 0
	fi
	[[ "$run" =~ ^$group(:$group)*$ ]] || return 1
	colons="${run//[^:]/}"
	echo "$((${#colons} + 1))"
}
