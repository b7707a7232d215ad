# shellcheck shell=bash
# Messages go to stderr, prefixed, so they stand apart from the server's own log lines and never
# mix with anything a wrapped command prints on stdout. Callers never pass secrets here.

log() {
	printf 'pg-ha-init: %s\n' "$*" >&2
}

warn() {
	printf 'pg-ha-init: warning: %s\n' "$*" >&2
}

error() {
	printf 'pg-ha-init: error: %s\n' "$*" >&2
}

# A runtime failure: exit 1. (Configuration errors exit 2, see main in entrypoint.sh.)
die() {
	error "$@"
	exit 1
}

# For changes an operator must not miss in `docker logs`: one framed warning, line by line.
warn_loudly() {
	local line
	warn '****************************************************************'
	for line in "$@"; do
		warn "$line"
	done
	warn '****************************************************************'
}
