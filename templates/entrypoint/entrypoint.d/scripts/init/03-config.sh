# shellcheck shell=bash
# configure_postgresql: every start, put the reviewed fragments from HA_CONFIG_DIR in force.
# They are copied into PGDATA (0600), and postgresql.conf ends with exactly one managed block that
# includes them. Everything outside the block is left as the operator or initdb wrote it.

PGHA_BLOCK_BEGIN='# BEGIN pg-ha-init'
PGHA_BLOCK_END='# END pg-ha-init'

configure_postgresql() {
	local conf="$HA_CONFIG_DIR/postgresql.conf" hba="$HA_CONFIG_DIR/pg_hba.conf"
	if [[ ! -r "$conf" || ! -r "$hba" ]]; then
		if is_native; then
			die "HA_CONFIG_DIR ($HA_CONFIG_DIR) must hold readable postgresql.conf and pg_hba.conf fragments for HA_MODE=native; mount the bundle's config directory there"
		fi
		warn "no configuration fragments in HA_CONFIG_DIR ($HA_CONFIG_DIR); keeping PGDATA's configuration as it is"
		return 0
	fi
	copy_private "$conf" "$PGDATA/pg-ha-init.conf"
	copy_private "$hba" "$PGDATA/pg-ha-init.hba.conf"
	write_managed_block
}

# Replace via a temporary file and rename, so a crash never leaves a half-written file.
copy_private() {
	rm -f -- "$2.tmp"
	(umask 077 && cat -- "$1" >"$2.tmp")
	mv -f -- "$2.tmp" "$2"
}

# hba_file is set here, not in the fragment: PostgreSQL resolves a relative hba_file against the
# directory the server was started from (not PGDATA, unlike include), so it must be absolute,
# and only the entrypoint knows PGDATA. It is rewritten on every start, so a volume mounted at a
# new path or a clone carrying its primary's block still points at its own file.
write_managed_block() {
	local conf="$PGDATA/postgresql.conf"
	{
		without_managed_block "$conf"
		printf '%s\n' "$PGHA_BLOCK_BEGIN"
		printf '%s\n' "include 'pg-ha-init.conf'"
		printf "hba_file = '%s'\n" "$(conf_quote "$PGDATA/pg-ha-init.hba.conf")"
		printf '%s\n' "$PGHA_BLOCK_END"
	} >"$conf.tmp"
	chmod 0600 "$conf.tmp"
	mv -f -- "$conf.tmp" "$conf"
}

without_managed_block() {
	if [[ -e "$1" ]]; then
		awk -v begin="$PGHA_BLOCK_BEGIN" -v end="$PGHA_BLOCK_END" '
			$0 == begin { skipping = 1 }
			!skipping { print }
			$0 == end { skipping = 0 }
		' "$1"
	fi
}

# Inside a single-quoted postgresql.conf value, ' is written '' and \ is an escape character.
conf_quote() {
	local value="${1//\\/\\\\}"
	printf '%s' "${value//\'/\'\'}"
}

# Stateless convergence for a replica: primary_conninfo and primary_slot_name follow the
# environment on every start, so a rotated REPLICATION_PASSWORD or a new PRIMARY_HOST (after a
# promotion) takes effect with a restart instead of a re-clone. postgresql.auto.conf stays 0600:
# it holds the password, as pg_basebackup -R writes it.
converge_primary_conninfo() {
	is_replica || return 0
	local conninfo
	conninfo="$(conninfo_pair user "$REPLICATION_USER") $(conninfo_pair password "$REPLICATION_PASSWORD")"
	conninfo+=" $(conninfo_pair host "$PRIMARY_HOST") $(conninfo_pair port "$PRIMARY_PORT")"
	conninfo+=" $(conninfo_pair application_name "$REPLICA_NAME")"
	{
		auto_conf_without_upstream
		printf "primary_conninfo = '%s'\n" "$(conf_quote "$conninfo")"
		printf "primary_slot_name = '%s'\n" "$(conf_quote "$REPLICA_NAME")"
	} | replace_auto_conf
}

# postgresql.auto.conf without the settings that make a standby stream from an upstream.
auto_conf_without_upstream() {
	local auto="$PGDATA/postgresql.auto.conf"
	if [[ -e "$auto" ]]; then
		grep -v -E '^[[:space:]]*(primary_conninfo|primary_slot_name)[[:space:]]*=' -- "$auto" || true
	fi
}

# forget_upstream: before a former replica is promoted, it must not stream from its old primary
# meanwhile (that primary may still be up). The password in primary_conninfo goes with it.
forget_upstream() {
	[[ -e "$PGDATA/postgresql.auto.conf" ]] || return 0
	auto_conf_without_upstream | replace_auto_conf
}

# replace_auto_conf: postgresql.auto.conf becomes stdin, 0600 from the start (it may hold the
# replication password), through a temporary file and a rename so a crash never leaves half.
replace_auto_conf() {
	local auto="$PGDATA/postgresql.auto.conf"
	(umask 077 && cat >"$auto.tmp")
	mv -f -- "$auto.tmp" "$auto"
}

# conninfo_pair KEY VALUE: a libpq keyword/value pair; the value single-quoted, with \ and '
# backslash-escaped (the rule libpq's conninfo parser applies).
conninfo_pair() {
	local value="${2//\\/\\\\}"
	printf "%s='%s'" "$1" "${value//\'/\\\'}"
}
