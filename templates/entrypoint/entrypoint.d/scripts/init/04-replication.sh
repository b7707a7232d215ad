# shellcheck shell=bash
# create_replication_user: on the primary, every start, make the replication role match the
# environment: it exists, can log in and replicate, and has the current password. (Replicas keep
# the password pg_basebackup -R wrote into their primary_conninfo; this does not update them.)
# Runs against the temporary server (start_temp_server).

create_replication_user() {
	log "ensuring role $REPLICATION_USER (LOGIN REPLICATION, current password)"
	# The password enters psql through `\set pw `printenv ...``: the shell command names the
	# variable, never the value (psql < 15 has no \getenv). Before sending it, the session turns
	# off everything that would write the statement text to the server log (log_statement, a
	# failing statement, slow-statement logging) or keep it (pg_stat_statements, if loaded).
	temp_psql --set=role="$REPLICATION_USER" <<-'SQL'
		\set pw `printenv REPLICATION_PASSWORD`
		SET log_statement = 'none';
		SET log_min_error_statement = 'panic';
		SET log_min_duration_statement = -1;
		SET log_min_duration_sample = -1;
		SET pg_stat_statements.track_utility = off;
		-- The pg_hba fragment accepts SCRAM only, whatever the server's default hashing is.
		SET password_encryption = 'scram-sha-256';
		SELECT NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = :'role') AS missing \gset
		\if :missing
		CREATE ROLE :"role" WITH LOGIN REPLICATION PASSWORD :'pw';
		\else
		ALTER ROLE :"role" WITH LOGIN REPLICATION PASSWORD :'pw';
		\endif
	SQL
}
