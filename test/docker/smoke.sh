#!/usr/bin/env bash
# test/docker/smoke.sh: prove that the Docker test rig works.
#
# Brings the rig up (test/docker/rig.sh up), checks the postgres:13, 15, 17
# and 18 images (the official layout per major) and that Compose v2 answers
# beside v1, then the Compose features pg-ha-init relies on under docker-compose 1.29 (Compose
# Specification file with no `version:` key, healthcheck + depends_on
# condition service_healthy, file-based secrets without swarm, extra_hosts
# host-gateway, a published port reached from a second compose project), then
# tears everything down and runs `rig.sh down`.
#
# Environment: SMOKE_PORT (host port for project a, default: first free port
# from 55432), SMOKE_KEEP_RIG=1 (leave the rig up at the end).
# Ends with a line "smoke: N passed, N failed"; exits non-zero on any failure.
set -Eeuo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPT_DIR
readonly RIG=$SCRIPT_DIR/rig.sh
readonly FIXTURES=$SCRIPT_DIR/smoke
readonly PROJECT_PREFIX=rigsmoke-$$
SMOKE_KEEP_RIG=${SMOKE_KEEP_RIG:-0}

passed=0
failed=0
work=""
rig_started=0

say() { printf 'smoke: %s\n' "$*" >&2; }

# check NAME COMMAND...: run a check, print its output on failure.
check() {
  local name=$1 out rc=0
  shift
  out=$("$@" 2>&1) || rc=$?
  if ((rc == 0)); then
    passed=$((passed + 1))
    say "PASS $name"
    if [[ -n $out ]]; then
      printf '%s\n' "$out" | sed 's/^/        /' >&2
    fi
  else
    failed=$((failed + 1))
    say "FAIL $name (exit $rc)"
    printf '%s\n' "$out" | sed 's/^/        /' >&2
  fi
}

compose() {
  local project=$1 file=$2
  shift 2
  docker-compose --ansi never -p "$PROJECT_PREFIX-$project" -f "$FIXTURES/$file" "$@"
}

teardown() {
  local rc=$?
  set +e
  if ((rig_started)); then
    for pf in a:a.yml b:b.yml s:secrets.yml; do
      compose "${pf%%:*}" "${pf#*:}" down -v --remove-orphans --timeout 5 >/dev/null 2>&1
    done
    if [[ $SMOKE_KEEP_RIG != 1 ]]; then
      "$RIG" down || rc=1
    fi
  fi
  [[ -z $work ]] || rm -rf "$work"
  exit "$rc"
}
trap teardown EXIT

free_port() {
  local p
  for ((p = 55432; p < 55532; p++)); do
    if ! ss -Hltn "sport = :$p" | grep -q .; then
      printf '%s\n' "$p"
      return 0
    fi
  done
  return 1
}

# ---------------------------------------------------------------- checks

image_version() {
  docker run --rm postgres:15 postgres --version
}

image_initdb_as_postgres() {
  local out
  out=$(docker run --rm --user postgres postgres:15 bash -c 'initdb -D /tmp/x >/dev/null && echo ok')
  [[ $out == ok ]]
}

# image_facts MAJOR: uid/gid 999, PG_MAJOR, PGDATA and VOLUME as the
# official image of that major has them, LANG, PATH, gosu, stop signal, no
# entrypoint.
image_facts() {
  local major=$1 pgdata volume facts
  if ((major >= 18)); then
    pgdata=/var/lib/postgresql/$major/docker volume=/var/lib/postgresql
  else
    pgdata=/var/lib/postgresql/data volume=/var/lib/postgresql/data
  fi
  # shellcheck disable=SC2016 # expanded in the container
  facts=$(docker run --rm "postgres:$major" bash -c \
    'echo "$(id -u postgres):$(id -g postgres) $PG_MAJOR $PGDATA $LANG $(command -v pg_ctl) $(command -v gosu)"')
  echo "$facts"
  [[ $facts == "999:999 $major $pgdata en_US.utf8 /usr/lib/postgresql/$major/bin/pg_ctl /usr/sbin/gosu" ]] &&
    [[ $(docker image inspect -f '{{.Config.StopSignal}} {{json .Config.Entrypoint}} {{json .Config.Volumes}}' "postgres:$major") == "SIGINT null {\"$volume\":{}}" ]]
}

# Compose v2, the CLI plugin rig.sh installs, beside docker-compose v1.
compose_v2() {
  docker compose version &&
    docker-compose version --short &&
    docker compose -p "$PROJECT_PREFIX-v2" -f "$FIXTURES/a.yml" config -q
}

compose_config_no_version() {
  ! grep -q '^version:' "$FIXTURES/a.yml" &&
    compose a a.yml config -q &&
    compose b b.yml config -q &&
    compose s secrets.yml config -q
}

# Compose 1.29 mounts a `file:` secret as a bind mount: mode and owner are
# the host file's, and the long syntax's uid/gid/mode are ignored (with a
# warning). Postgres (uid 999) can read a secret only if the host file lets it.
secrets_modes() {
  local out want
  out=$(compose s secrets.yml run --rm -T probe 2>/dev/null)
  echo "$out"
  want=$(
    cat <<'EOF'
/run/secrets/s_0400_999 400 999:999 readable
/run/secrets/s_0600_root 600 0:0 unreadable
/run/secrets/s_0644_root 644 0:0 readable
/run/secrets/s_long_syntax 600 0:0 unreadable
EOF
  )
  [[ $out == "$want" ]]
}

# `up -d waiter` must start `a`, wait until its healthcheck passes, then
# start `waiter`, whose pg_isready -t 0 fails unless `a` already accepts.
healthy_dependency() {
  local t0 t1 state code
  t0=$(date +%s%N)
  compose a a.yml up -d waiter
  t1=$(date +%s%N)
  state=$(docker inspect -f '{{.State.Health.Status}}' "$PROJECT_PREFIX-a_a_1")
  for _ in $(seq 50); do
    [[ $(docker inspect -f '{{.State.Status}}' "$PROJECT_PREFIX-a_waiter_1") == exited ]] && break
    sleep 0.2
  done
  code=$(docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$PROJECT_PREFIX-a_waiter_1")
  echo "up -d waiter took $(((t1 - t0) / 1000000)) ms; a is $state; waiter: $code"
  [[ $state == healthy && $code == "exited 0" ]]
}

# A second project (its own network, as if on another machine) reaches the
# published port through the rig gateway and through host-gateway.
cross_project() {
  compose b b.yml run --rm -T b
}

unknown_name_fails_fast() {
  local t0 t1
  t0=$(date +%s%N)
  if docker run --rm postgres:15 getent hosts no-such-host.invalid; then
    echo "no-such-host.invalid resolved"
    return 1
  fi
  t1=$(date +%s%N)
  echo "lookup failed in $(((t1 - t0) / 1000000)) ms"
  (((t1 - t0) / 1000000 < 5000))
}

no_leftovers() {
  local left
  left=$(docker ps -aq --filter "name=$PROJECT_PREFIX")
  [[ -z $left ]] || {
    echo "containers left: $left"
    return 1
  }
  left=$(docker network ls -q --filter "name=$PROJECT_PREFIX")
  [[ -z $left ]] || {
    echo "networks left: $left"
    return 1
  }
}

# ---------------------------------------------------------------- main

command -v ss >/dev/null 2>&1 || {
  say "ss (iproute2) is needed"
  exit 1
}

t0=$(date +%s%N)
env_lines=$("$RIG" up)
rig_started=1
say "rig up in $((($(date +%s%N) - t0) / 1000000)) ms"
eval "$env_lines"
: "${DOCKER_HOST:?rig.sh up printed no DOCKER_HOST}" "${RIG_HOST_GATEWAY:?rig.sh up printed no RIG_HOST_GATEWAY}"
export DOCKER_HOST RIG_HOST_GATEWAY
say "DOCKER_HOST=$DOCKER_HOST RIG_HOST_GATEWAY=$RIG_HOST_GATEWAY docker=$(command -v docker) ($(docker version -f '{{.Client.Version}} -> {{.Server.Version}}' 2>/dev/null))"

SMOKE_PORT=${SMOKE_PORT:-$(free_port)}
work=$(mktemp -d)
chmod 0755 "$work"
# The server's password: readable by uid 999 inside the containers, since
# the bind-mounted secret keeps this file's mode and owner.
printf '%s' "sm0ke 'pw' \\ \$x&y" >"$work/pg_password"
chown 999:999 "$work/pg_password"
chmod 0400 "$work/pg_password"
mkdir "$work/secrets"
for s in s_0600_root s_0644_root s_0400_999; do
  printf 'secret\n' >"$work/secrets/$s"
done
chmod 0600 "$work/secrets/s_0600_root"
chmod 0644 "$work/secrets/s_0644_root"
chown 999:999 "$work/secrets/s_0400_999"
chmod 0400 "$work/secrets/s_0400_999"
export SMOKE_PORT SMOKE_SECRET_FILE=$work/pg_password SMOKE_SECRETS_DIR=$work/secrets

check "docker run postgres:15 postgres --version" image_version
check "initdb as user postgres" image_initdb_as_postgres
for major in 13 15 17 18; do
  check "postgres:$major: uid/gid 999, PG_MAJOR, PGDATA, VOLUME, LANG, PATH, gosu, STOPSIGNAL, no ENTRYPOINT" image_facts "$major"
done
check "Compose v2 (docker compose) beside docker-compose v1" compose_v2
check "docker-compose 1.29 accepts files without version:" compose_config_no_version
check "file secrets without swarm: mode/owner as on the host" secrets_modes
check "healthcheck + depends_on condition service_healthy" healthy_dependency
check "project b reaches a's published port $SMOKE_PORT via $RIG_HOST_GATEWAY and host-gateway" cross_project
check "unknown host names fail fast in containers" unknown_name_fails_fast
for pf in a:a.yml b:b.yml s:secrets.yml; do
  compose "${pf%%:*}" "${pf#*:}" down -v --remove-orphans --timeout 5 >/dev/null 2>&1 || true
done
check "teardown left no containers or networks" no_leftovers

printf 'smoke: %d passed, %d failed\n' "$passed" "$failed"
((failed == 0))
