# shellcheck shell=bash
# Reading the environment: secrets from X or X_FILE, booleans, defaults and the node's role.

# file_env VAR: take VAR from the file named by VAR_FILE, as the official image does (trailing
# newlines are dropped). Problems are left in place for validate_ha_configuration to report with
# every other error: with both set, or a file that cannot be used, nothing changes. "Set" means
# defined, even empty, as in the TypeScript model.
file_env() {
	local var="$1"
	local file_var="${var}_FILE"

	[[ -n "${!file_var+set}" ]] || return 0 # nothing to read
	[[ -z "${!var+set}" ]] || return 0      # both set
	[[ -z "$(secret_file_problem "${!file_var}")" ]] || return 0

	printf -v "$var" '%s' "$(<"${!file_var}")"
	# Exported so that it survives the re-exec as postgres: the file may be readable by root only.
	export "${var?}"
	unset "$file_var"
}

# secret_file_problem FILE: why FILE cannot hold a password (a phrase), or nothing when it can.
# Never prints the content.
secret_file_problem() {
	local file="$1" content
	if [[ -d "$file" || ! -r "$file" ]]; then
		echo "cannot be read"
		return 0
	fi
	# Bash variables cannot hold NUL: reading would silently change the password.
	if (($(tr -d '\000' <"$file" | wc -c) != $(wc -c <"$file"))); then
		echo "contains a NUL byte"
		return 0
	fi
	content="$(<"$file")"
	if [[ -z "$content" ]]; then
		echo "is empty"
	elif [[ "$content" == *[$'\n\r']* ]]; then
		echo "contains a line break"
	fi
}

load_secrets() {
	file_env REPLICATION_PASSWORD
	file_env POSTGRES_PASSWORD
}

# is_true VALUE: true/yes/1 in any case. Anything else, empty included, is not true; telling
# false from garbage is validation's job (is_boolean).
is_true() {
	case "${1,,}" in
	true | yes | 1) return 0 ;;
	*) return 1 ;;
	esac
}

is_boolean() {
	case "${1,,}" in
	true | yes | 1 | false | no | 0 | '') return 0 ;;
	*) return 1 ;;
	esac
}

is_native() {
	[[ "${HA_MODE:-}" == native ]]
}

is_primary() {
	is_native && [[ "${REPLICATION_ROLE:-}" == primary ]]
}

is_replica() {
	is_native && [[ "${REPLICATION_ROLE:-}" == replica ]]
}

# Defaults from the contract. Runs after validation, which rejects empty values where a default
# would otherwise hide a typo.
set_defaults() {
	: "${POSTGRES_USER:=postgres}"
	: "${POSTGRES_DB:=$POSTGRES_USER}"
	: "${REPLICATION_USER:=replicator}"
	: "${PRIMARY_PORT:=5432}"
	: "${REPLICA_NAME:=replica1}"
	: "${PRIMARY_WAIT_TIMEOUT:=300}"
	: "${HA_CONFIG_DIR:=/etc/pg-ha-init}"
	: "${PGPORT:=5432}"
	# postgres and every client tool read PGPORT, so the final server listens where we probed.
	export PGPORT
}

unset_secrets() {
	unset REPLICATION_PASSWORD POSTGRES_PASSWORD PGPASSWORD
}
