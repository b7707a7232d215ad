#!/usr/bin/env bash
# test/docker/rig.sh: a private Docker daemon, locally built `postgres:<major>`
# images and Compose v2 as a Docker CLI plugin, for the pg-ha-init integration
# tests.
#
#   rig.sh up      install what is missing (Compose v2 too), start the private
#                  dockerd, build the images that are not cached (in parallel);
#                  prints the export lines on stdout
#                  (use: eval "$(test/docker/rig.sh up)")
#   rig.sh down    stop the private dockerd and clean up after it (the image
#                  cache in the data-root is kept)
#   rig.sh env     print the export lines of a running rig
#   rig.sh status  say whether the rig is up
#
# The rig never touches the system Docker (/var/run/docker.sock, docker0,
# /var/lib/docker, /etc/docker/daemon.json). Nothing is pulled: no registry is
# reachable, the image is built from Debian packages with debootstrap.
# All progress messages go to stderr; stdout carries only the export lines.
#
# Knobs (environment):
#   RIG_STATE_DIR       runtime state: socket, pidfile, exec-root, env file
#                       (default /run/pg-ha-init-rig)
#   RIG_LIB_DIR         persistent state (default /var/lib/pg-ha-init-rig);
#                       the data-root (image cache) is RIG_LIB_DIR/docker
#   RIG_LOG_DIR         logs (default /var/log/pg-ha-init-rig)
#   RIG_BRIDGE          name of the rig's default bridge (default pgharig0)
#   RIG_STORAGE_DRIVER  auto (default), overlay2, fuse-overlayfs or vfs
#   RIG_IPTABLES        false (default), true or auto; see choose_iptables
#   RIG_START_TIMEOUT   seconds to wait for the daemon to answer (default 60)
#   RIG_STOP_TIMEOUT    seconds to wait for the daemon to exit (default 60)
#   RIG_IMAGES          the postgres:<major> images `up` ensures (default
#                       "13 15 17 18", all the rig can build)
set -Eeuo pipefail

readonly RIG_NAME=pg-ha-init-rig
RIG_STATE_DIR=${RIG_STATE_DIR:-/run/$RIG_NAME}
RIG_LIB_DIR=${RIG_LIB_DIR:-/var/lib/$RIG_NAME}
RIG_LOG_DIR=${RIG_LOG_DIR:-/var/log/$RIG_NAME}
RIG_BRIDGE=${RIG_BRIDGE:-pgharig0}
RIG_STORAGE_DRIVER=${RIG_STORAGE_DRIVER:-auto}
RIG_IPTABLES=${RIG_IPTABLES:-false}
RIG_START_TIMEOUT=${RIG_START_TIMEOUT:-60}
RIG_STOP_TIMEOUT=${RIG_STOP_TIMEOUT:-60}

readonly DATA_ROOT=$RIG_LIB_DIR/docker
readonly EXEC_ROOT=$RIG_STATE_DIR/exec
readonly SOCK=$RIG_STATE_DIR/docker.sock
readonly PIDFILE=$RIG_STATE_DIR/docker.pid
readonly ENV_FILE=$RIG_STATE_DIR/env
readonly DAEMON_JSON=$RIG_STATE_DIR/daemon.json
readonly DNS_PIDFILE=$RIG_STATE_DIR/nxdns.pid
readonly NET_CONF=$RIG_LIB_DIR/net.conf
readonly HOST_NET_SAVED=$RIG_LIB_DIR/host-net.saved
readonly LOCK_FILE=$RIG_LIB_DIR/lock
readonly BUILD_DIR=$RIG_LIB_DIR/build
readonly DOCKERD_LOG=$RIG_LOG_DIR/dockerd.log
readonly DNS_LOG=$RIG_LOG_DIR/nxdns.log
readonly TIMES_LOG=$RIG_LOG_DIR/build-times.log

# The images the rig can build: PostgreSQL major -> the Debian suite that
# ships postgresql-<major>. 14 and 16 are in no suite this mirror serves.
declare -rA SUITE_OF=([13]=bullseye [15]=bookworm [17]=trixie [18]=sid)
RIG_IMAGES=${RIG_IMAGES:-13 15 17 18}
# Bump when the debootstrap/chroot recipe below changes: forces a base rebuild.
readonly BASE_RECIPE=3
# Compose v2: Debian's docker-compose package (Compose v2) from this suite,
# installed as a Docker CLI plugin beside docker-compose v1.
readonly COMPOSE_V2_SUITE=sid
readonly COMPOSE_PLUGIN=/usr/local/lib/docker/cli-plugins/docker-compose
readonly LABEL_KEY=org.pg-ha-init.rig.recipe
# Debian packages the rig needs on the host (command that proves each is there).
readonly HOST_PKGS=(docker.io docker-compose debootstrap iptables iproute2 util-linux python3)
readonly HOST_CMDS=(dockerd docker-compose debootstrap iptables ip flock python3)

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPT_DIR
readonly DOCKERFILE=$SCRIPT_DIR/Dockerfile
readonly NXDNS=$SCRIPT_DIR/nxdns.py

# Candidate /16 blocks for the rig's networks. In a block B the default bridge
# is B.0.1/24 and the pool for user networks (compose projects) is B.64.0/18,
# cut in /24s. The first block that overlaps no address or route on the
# machine wins; the choice is remembered in $NET_CONF.
readonly CANDIDATE_BLOCKS=(172.29 172.30 172.31 172.28 172.27 10.229 10.231 10.233)

# ---------------------------------------------------------------- helpers

log() { printf 'rig: %s\n' "$*" >&2; }
die() {
  printf 'rig: ERROR: %s\n' "$*" >&2
  exit 1
}

# The daemon's own client: Debian's docker.io ships /usr/bin/docker (20.10),
# which matches the daemon's API. A newer client on PATH works too (it
# negotiates the API version); the rig itself uses the matching one.
docker_bin() {
  if [[ -x /usr/bin/docker ]]; then
    printf '%s\n' /usr/bin/docker
  else
    command -v docker || die "no docker client found (install the docker.io package)"
  fi
}

rig_docker() {
  local bin
  bin=$(docker_bin)
  env -u DOCKER_CONTEXT -u DOCKER_TLS_VERIFY -u DOCKER_CERT_PATH \
    DOCKER_HOST="unix://$SOCK" DOCKER_BUILDKIT=0 "$bin" "$@"
}

need_root() {
  [[ $(id -u) -eq 0 ]] || die "must run as root (it starts dockerd, mounts, chroots)"
}

take_lock() {
  mkdir -p "$RIG_LIB_DIR"
  exec 9>"$LOCK_FILE"
  if ! flock -w 1800 9; then
    die "another rig.sh holds $LOCK_FILE for more than 30 minutes"
  fi
}

# State of a process, empty when it is gone; a zombie counts as gone.
proc_alive() {
  local pid=$1 stat state
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  { stat=$(<"/proc/$pid/stat"); } 2>/dev/null || return 1
  stat=${stat##*) }
  state=${stat%% *}
  [[ -n $state && $state != Z && $state != X ]]
}

proc_cmdline() {
  tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true
}

# PID of our dockerd if it is running, else nothing (exit 1).
dockerd_pid() {
  local pid
  [[ -s $PIDFILE ]] || return 1
  pid=$(<"$PIDFILE")
  proc_alive "$pid" || return 1
  [[ $(proc_cmdline "$pid") == *dockerd*"unix://$SOCK"* ]] || return 1
  printf '%s\n' "$pid"
}

daemon_answers() {
  rig_docker info --format '{{.ServerVersion}}' >/dev/null 2>&1
}

show_log_tail() {
  if [[ -f $DOCKERD_LOG ]]; then
    printf 'rig: ---- last lines of %s ----\n' "$DOCKERD_LOG" >&2
    tail -n 40 "$DOCKERD_LOG" >&2 || true
    printf 'rig: ----\n' >&2
  fi
}

# ------------------------------------------------------- IPv4 arithmetic

ip2int() {
  local a b c d
  IFS=. read -r a b c d <<<"$1"
  printf '%s\n' $(((a << 24) | (b << 16) | (c << 8) | d))
}

# cidr_overlap A/n B/m: true when the two ranges share an address.
cidr_overlap() {
  local a=${1%/*} la=${1#*/} b=${2%/*} lb=${2#*/} l ia ib
  [[ $1 == */* ]] || la=32
  [[ $2 == */* ]] || lb=32
  l=$((la < lb ? la : lb))
  ia=$(ip2int "$a")
  ib=$(ip2int "$b")
  if ((l == 0)); then
    return 0
  fi
  (((ia >> (32 - l)) == (ib >> (32 - l))))
}

# Bridges left by an earlier run of our daemon: br-<12 hex> whose network ID
# is recorded in our data-root's network store.
our_leftover_bridges() {
  local kv=$DATA_ROOT/network/files/local-kv.db ifc id
  [[ -f $kv ]] || return 0
  for ifc in /sys/class/net/br-*; do
    [[ -e $ifc ]] || continue
    ifc=${ifc##*/}
    id=${ifc#br-}
    [[ $id =~ ^[0-9a-f]{12}$ ]] || continue
    if grep -aq -- "$id" "$kv"; then
      printf '%s\n' "$ifc"
    fi
  done
}

# Every IPv4 range in use on this machine (addresses and routes), except
# those of the rig's own interfaces.
used_ranges() {
  local -a ours
  local line dev cidr first
  mapfile -t ours < <(printf '%s\n' "$RIG_BRIDGE"; our_leftover_bridges)
  while read -r _ dev _ cidr _; do
    [[ " ${ours[*]} " == *" $dev "* ]] && continue
    printf '%s\n' "$cidr"
  done < <(ip -o -4 addr show)
  while read -r line; do
    [[ -n $line ]] || continue
    dev=$(awk '{for (i = 1; i < NF; i++) if ($i == "dev") print $(i + 1)}' <<<"$line")
    [[ -n $dev && " ${ours[*]} " == *" $dev "* ]] && continue
    read -r first _ <<<"$line"
    case $first in
    local | broadcast | unicast | multicast | anycast | unreachable | blackhole | prohibit | throw | nat)
      read -r _ first _ <<<"$line"
      ;;
    esac
    [[ $first == default ]] && continue
    [[ $first =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+(/[0-9]+)?$ ]] || continue
    printf '%s\n' "$first"
  done < <(ip -4 route show table all 2>/dev/null)
}

block_is_free() {
  local block=$1 used
  while read -r used; do
    [[ -n $used ]] || continue
    if cidr_overlap "$block.0.0/16" "$used"; then
      return 1
    fi
  done < <(used_ranges)
}

choose_block() {
  local saved block
  saved=$(saved_block) || true
  for block in ${saved:+"$saved"} "${CANDIDATE_BLOCKS[@]}"; do
    if block_is_free "$block"; then
      printf 'RIG_BLOCK=%s\n' "$block" >"$NET_CONF"
      printf '%s\n' "$block"
      return 0
    fi
  done
  die "every candidate network (${CANDIDATE_BLOCKS[*]/%/.0.0/16}) overlaps an address or route on this machine; edit CANDIDATE_BLOCKS in $0"
}

# ------------------------------------------------------------ host setup

ensure_host_packages() {
  local -a missing=()
  local i
  for i in "${!HOST_PKGS[@]}"; do
    if ! command -v "${HOST_CMDS[$i]}" >/dev/null 2>&1 ||
      [[ $(dpkg-query -W -f='${Status}' "${HOST_PKGS[$i]}" 2>/dev/null) != "install ok installed" ]]; then
      missing+=("${HOST_PKGS[$i]}")
    fi
  done
  ((${#missing[@]} > 0)) || return 0
  command -v apt-get >/dev/null 2>&1 ||
    die "missing packages ${missing[*]} and no apt-get to install them; install them by hand"
  log "installing ${missing[*]} (apt-get update first)"
  # Keep the packages' maintainer scripts from starting the SYSTEM dockerd.
  local made_policy=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  local rc=0
  {
    apt-get update &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  } >"$RIG_LOG_DIR/apt.log" 2>&1 || rc=$?
  if [[ -n $made_policy ]]; then
    rm -f /usr/sbin/policy-rc.d
  fi
  if ((rc != 0)); then
    tail -n 30 "$RIG_LOG_DIR/apt.log" >&2 || true
    die "apt-get could not install ${missing[*]} (log: $RIG_LOG_DIR/apt.log); install them by hand"
  fi
}

# overlay2 needs the kernel's overlay filesystem working on the data-root's
# filesystem; prove it with a real mount rather than trusting /proc/filesystems.
overlay_mount_works() {
  local t ok=1
  t=$(mktemp -d "$RIG_LIB_DIR/.overlay-probe.XXXXXX")
  mkdir "$t/l" "$t/u" "$t/w" "$t/m"
  : >"$t/l/probe"
  if mount -t overlay overlay -o "lowerdir=$t/l,upperdir=$t/u,workdir=$t/w" "$t/m" 2>/dev/null; then
    [[ -e $t/m/probe ]] && ok=0
    umount "$t/m" || umount -l "$t/m" || true
  fi
  rm -rf --one-file-system "$t"
  return "$ok"
}

choose_storage_driver() {
  case $RIG_STORAGE_DRIVER in
  overlay2 | vfs | fuse-overlayfs)
    printf '%s\n' "$RIG_STORAGE_DRIVER"
    ;;
  auto)
    if overlay_mount_works; then
      printf 'overlay2\n'
    elif [[ -c /dev/fuse ]] && command -v fuse-overlayfs >/dev/null 2>&1; then
      log "overlay mounts fail here; using fuse-overlayfs"
      printf 'fuse-overlayfs\n'
    else
      log "overlay mounts fail here and fuse-overlayfs is not installed; using vfs (slow, disk hungry). apt-get install fuse-overlayfs for a faster rig"
      printf 'vfs\n'
    fi
    ;;
  *) die "RIG_STORAGE_DRIVER must be auto, overlay2, fuse-overlayfs or vfs (got '$RIG_STORAGE_DRIVER')" ;;
  esac
}

iptables_works() {
  local chain=PGHARIG-PROBE-$$
  iptables -w 5 -t nat -N "$chain" >/dev/null 2>&1 || return 1
  iptables -w 5 -t nat -A "$chain" -j RETURN >/dev/null 2>&1 || {
    iptables -w 5 -t nat -X "$chain" >/dev/null 2>&1 || true
    return 1
  }
  iptables -w 5 -t nat -F "$chain" >/dev/null 2>&1 || true
  iptables -w 5 -t nat -X "$chain" >/dev/null 2>&1 || true
}

# Default false: with --iptables=false the daemon leaves the host firewall,
# ip_forward and NAT alone, containers get no route out of the machine, and
# published ports are served by docker-proxy on the host, which every rig
# network reaches through its gateway (including a separate compose project,
# which the iptables DNAT path would drop in DOCKER-ISOLATION).
choose_iptables() {
  case $RIG_IPTABLES in
  false) printf 'false\n' ;;
  true)
    iptables_works || die "RIG_IPTABLES=true but iptables does not work here (nat table); install iptables or use RIG_IPTABLES=false"
    printf 'true\n'
    ;;
  auto)
    if iptables_works; then printf 'true\n'; else printf 'false\n'; fi
    ;;
  *) die "RIG_IPTABLES must be false, true or auto (got '$RIG_IPTABLES')" ;;
  esac
}

# Compose v2 as a Docker CLI plugin (`docker compose`), beside Debian's
# docker-compose v1, which stays. Bookworm has no Compose v2 package; Debian's
# docker-compose package in trixie and later is Compose v2, a static-ish Go
# binary that needs only libc >= 2.34. apt downloads it through a temporary
# sources list (the host's own apt set-up is not changed), dpkg-deb unpacks it,
# and the binary is installed in the system-wide plugin directory.
ensure_compose_v2() {
  if [[ -x $COMPOSE_PLUGIN ]] && "$COMPOSE_PLUGIN" version --short >/dev/null 2>&1; then
    return 0
  fi
  local mirror tmp deb version rc=0
  mirror=$(apt_mirror_for bookworm)
  [[ -n $mirror ]] || die "no apt source for suite 'bookworm'; cannot find a Debian mirror for Compose v2"
  tmp=$(mktemp -d)
  mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/parts" "$tmp/unpacked"
  printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' "$mirror" "$COMPOSE_V2_SUITE" >"$tmp/sources.list"
  local -a apt_opts=(
    -o "Dir::Etc::SourceList=$tmp/sources.list" -o "Dir::Etc::SourceParts=$tmp/parts"
    -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache=$tmp/cache"
    -o Acquire::Languages=none -o APT::Sandbox::User=root
    # This mirror's sid Release is past its Valid-Until date (still signed).
    -o Acquire::Check-Valid-Until=false
  )
  log "installing Compose v2 from Debian $COMPOSE_V2_SUITE's docker-compose package as $COMPOSE_PLUGIN"
  {
    apt-get "${apt_opts[@]}" update &&
      (cd "$tmp" && apt-get "${apt_opts[@]}" download docker-compose)
  } >"$RIG_LOG_DIR/compose-v2.log" 2>&1 || rc=$?
  deb=$(find "$tmp" -maxdepth 1 -name 'docker-compose_*.deb' -print -quit)
  if ((rc != 0)) || [[ -z $deb ]]; then
    tail -n 20 "$RIG_LOG_DIR/compose-v2.log" >&2 || true
    rm -rf "$tmp"
    die "could not download docker-compose (Compose v2) from $COMPOSE_V2_SUITE (log: $RIG_LOG_DIR/compose-v2.log)"
  fi
  dpkg-deb -x "$deb" "$tmp/unpacked"
  if [[ ! -f $tmp/unpacked/usr/libexec/docker/cli-plugins/docker-compose ]]; then
    rm -rf "$tmp"
    die "$deb holds no usr/libexec/docker/cli-plugins/docker-compose; is it still Compose v2?"
  fi
  install -D -m 0755 "$tmp/unpacked/usr/libexec/docker/cli-plugins/docker-compose" "$COMPOSE_PLUGIN"
  rm -rf "$tmp"
  version=$("$COMPOSE_PLUGIN" version --short) || die "$COMPOSE_PLUGIN does not run"
  log "Compose v2 $version installed; docker-compose v1 is unchanged"
}

# ------------------------------------------------------ stale-state cleanup

# Processes left by a daemon of ours that died: its containerd and shims
# (their command lines name our exec-root), docker-proxy processes that
# forward to an address in our block, and our nxdns.py.
leftover_pids() {
  local p cmd block
  block=$(saved_block) || true
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [[ $p == "$$" ]] && continue
    proc_alive "$p" || continue
    cmd=$(proc_cmdline "$p")
    case $cmd in
    *containerd*"$EXEC_ROOT/"*) printf '%s\n' "$p" ;;
    *docker-proxy*"-container-ip $block."* | *"nxdns.py $block.0.1"*)
      [[ -n $block ]] && printf '%s\n' "$p"
      ;;
    esac
  done
}

kill_leftovers() {
  local -a pids
  local p i
  mapfile -t pids < <(leftover_pids)
  ((${#pids[@]} > 0)) || return 0
  log "ending processes left by an earlier rig daemon: ${pids[*]}"
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    mapfile -t pids < <(for p in "${pids[@]}"; do proc_alive "$p" && printf '%s\n' "$p"; done)
    ((${#pids[@]} > 0)) || return 0
    sleep 0.2
  done
  kill -KILL "${pids[@]}" 2>/dev/null || true
}

# Unmount whatever is mounted on or under the given directories, deepest
# first.
unmount_under() {
  local mp dir
  local -a mps
  mapfile -t mps < <(for dir in "$@"; do
    awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo
  done | awk '{ print length($0) " " $0 }' | sort -rn | cut -d' ' -f2-)
  for mp in "${mps[@]}"; do
    [[ -n $mp ]] || continue
    mp=$(printf '%b' "${mp//\\/\\0}") # mountinfo escapes spaces etc. as \040
    umount "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null || log "warning: could not unmount $mp"
  done
}

delete_our_bridges() {
  local ifc
  for ifc in $(our_leftover_bridges) "$RIG_BRIDGE"; do
    if [[ -e /sys/class/net/$ifc ]]; then
      ip link delete "$ifc" 2>/dev/null || log "warning: could not delete interface $ifc"
    fi
  done
}

# Everything a dead daemon of ours may have left behind. Only call this when
# our dockerd is not running.
clean_stale() {
  kill_leftovers
  # dockerd also bind-mounts the data-root onto itself (mount propagation).
  unmount_under "$EXEC_ROOT" "$DATA_ROOT" "$BUILD_DIR"
  if [[ -d $BUILD_DIR ]] && ! grep -q " $BUILD_DIR/" /proc/self/mountinfo; then
    rm -rf --one-file-system "$BUILD_DIR"
  fi
  rm -f "$PIDFILE" "$SOCK" "$ENV_FILE" "$DNS_PIDFILE"
  rm -f "$EXEC_ROOT/containerd/containerd.pid"
  restore_host_net
  delete_our_bridges
}

# With RIG_IPTABLES=true dockerd sets ip_forward=1, the FORWARD policy to
# DROP, and adds rules for its bridges, and leaves all of it behind when it
# stops. Remember the two host settings before the daemon starts ...
save_host_net() {
  [[ -f $HOST_NET_SAVED ]] && return 0 # an earlier run's original values
  printf 'ip_forward=%s\nforward_policy=%s\n' \
    "$(cat /proc/sys/net/ipv4/ip_forward)" \
    "$(iptables -w 5 -S FORWARD 2>/dev/null | awk '$1 == "-P" { print $3 }')" >"$HOST_NET_SAVED"
}

# ... and after it stopped, delete the rules that name the rig's bridges or
# addresses and put the two settings back.
restore_host_net() {
  [[ -f $HOST_NET_SAVED ]] || return 0
  local block table rule fwd policy
  local -a words ifs
  block=$(saved_block) || true
  mapfile -t ifs < <(printf '%s\n' "$RIG_BRIDGE"; our_leftover_bridges)
  for table in filter nat; do
    while read -r rule; do
      read -ra words <<<"$rule"
      words[0]=-D
      iptables -w 5 -t "$table" "${words[@]}" 2>/dev/null || true
    done < <(iptables -w 5 -t "$table" -S 2>/dev/null | awk -v b="${block:-none}." -v i=" ${ifs[*]} " '
      $1 != "-A" { next }
      index($0, " " b) { print; next }
      { for (k = 2; k < NF; k++) if (($k == "-i" || $k == "-o") && index(i, " " $(k + 1) " ")) { print; next } }')
  done
  fwd=$(sed -n 's/^ip_forward=//p' "$HOST_NET_SAVED")
  policy=$(sed -n 's/^forward_policy=//p' "$HOST_NET_SAVED")
  [[ $fwd == [01] ]] && printf '%s\n' "$fwd" >/proc/sys/net/ipv4/ip_forward
  [[ -n $policy ]] && iptables -w 5 -P FORWARD "$policy" 2>/dev/null
  rm -f "$HOST_NET_SAVED"
  log "restored ip_forward=$fwd and the FORWARD policy ${policy:-?} after RIG_IPTABLES=true"
}

# ------------------------------------------------------------- the daemon

setup_bridge() {
  local block=$1
  if [[ ! -e /sys/class/net/$RIG_BRIDGE ]]; then
    ip link add name "$RIG_BRIDGE" type bridge
  fi
  ip -4 addr flush dev "$RIG_BRIDGE"
  ip addr add "$block.0.1/24" dev "$RIG_BRIDGE"
  ip link set "$RIG_BRIDGE" up
}

saved_block() {
  [[ -f $NET_CONF ]] && sed -n 's/^RIG_BLOCK=//p' "$NET_CONF"
}

# Debian's python3 (docker-compose needs it) rather than whatever is first
# on PATH.
python_bin() {
  if [[ -x /usr/bin/python3 ]]; then
    printf '%s\n' /usr/bin/python3
  else
    command -v python3
  fi
}

dns_pid() {
  local pid
  [[ -s $DNS_PIDFILE ]] || return 1
  pid=$(<"$DNS_PIDFILE")
  proc_alive "$pid" || return 1
  [[ $(proc_cmdline "$pid") == *"nxdns.py $1"* ]] || return 1
  printf '%s\n' "$pid"
}

# The containers' upstream resolver (see nxdns.py): on the bridge address.
ensure_dns() {
  local ip=$1 pid i
  dns_pid "$ip" >/dev/null && return 0
  [[ -f $NXDNS ]] || die "missing $NXDNS"
  printf '\n==== %s nxdns.py %s\n' "$(date -u +%FT%TZ)" "$ip" >>"$DNS_LOG"
  setsid "$(python_bin)" "$NXDNS" "$ip" </dev/null >>"$DNS_LOG" 2>&1 9>&- &
  pid=$!
  printf '%s\n' "$pid" >"$DNS_PIDFILE"
  for ((i = 0; i < 40; i++)); do
    proc_alive "$pid" || break
    if ss -Hlun "src $ip:53" 2>/dev/null | grep -q .; then
      return 0
    fi
    sleep 0.1
  done
  tail -n 20 "$DNS_LOG" >&2 || true
  kill -TERM "$pid" 2>/dev/null || true
  die "nxdns.py could not serve DNS on $ip:53 (log: $DNS_LOG)"
}

start_daemon() {
  local block driver ipt pid i
  block=$(choose_block)
  driver=$(choose_storage_driver)
  ipt=$(choose_iptables)
  [[ $ipt == false ]] || save_host_net
  mkdir -p "$RIG_STATE_DIR" "$EXEC_ROOT" "$DATA_ROOT"
  chmod 0711 "$RIG_STATE_DIR"
  # Our own config file, so /etc/docker/daemon.json is never read; it also
  # moves the daemon's trust key (default /etc/docker/key.json) into our dir.
  printf '{ "deprecated-key-path": "%s" }\n' "$RIG_LIB_DIR/key.json" >"$DAEMON_JSON"
  setup_bridge "$block"
  ensure_dns "$block.0.1"
  local -a args=(
    --config-file "$DAEMON_JSON"
    --data-root "$DATA_ROOT"
    --exec-root "$EXEC_ROOT"
    --pidfile "$PIDFILE"
    -H "unix://$SOCK"
    --bridge "$RIG_BRIDGE"
    --default-address-pool "base=$block.64.0/18,size=24"
    --host-gateway-ip "$block.0.1"
    # The containers' upstream resolver is nxdns.py on the rig bridge: names
    # that are not containers or extra_hosts fail at once, and no container
    # query is forwarded to this machine's resolver.
    --dns "$block.0.1"
    --storage-driver "$driver"
    --iptables="$ipt"
    --ip-forward="$ipt"
    --ip-masq="$ipt"
    --userland-proxy=true
    --ip6tables=false
    --shutdown-timeout 10
    --log-level warn
  )
  {
    printf '\n==== %s rig.sh up: dockerd %s\n' "$(date -u +%FT%TZ)" "${args[*]}"
  } >>"$DOCKERD_LOG"
  log "starting private dockerd (storage-driver=$driver, iptables=$ipt, bridge $RIG_BRIDGE=$block.0.1/24, pool $block.64.0/18)"
  # setsid: the daemon must not die with the shell that started it.
  # 9>&-: the daemon must not inherit (and so hold) the rig's lock.
  setsid dockerd "${args[@]}" </dev/null >>"$DOCKERD_LOG" 2>&1 9>&- &
  pid=$!
  for ((i = 0; i < RIG_START_TIMEOUT * 4; i++)); do
    if ! proc_alive "$pid"; then
      show_log_tail
      die "dockerd exited during start-up (full log: $DOCKERD_LOG)"
    fi
    if [[ -S $SOCK ]] && daemon_answers; then
      break
    fi
    sleep 0.25
  done
  if ! daemon_answers; then
    show_log_tail
    kill -TERM "$pid" 2>/dev/null || true
    die "dockerd did not answer within ${RIG_START_TIMEOUT}s (full log: $DOCKERD_LOG)"
  fi
  # The pidfile is written by dockerd itself; make sure it is there.
  [[ -s $PIDFILE ]] || printf '%s\n' "$pid" >"$PIDFILE"
  local actual
  actual=$(rig_docker info --format '{{.Driver}}')
  [[ $actual == "$driver" ]] || die "dockerd runs storage driver '$actual', expected '$driver'"
  write_env "$block" "$driver" "$ipt"
}

write_env() {
  local block=$1 driver=$2 ipt=$3 tmp
  tmp=$(mktemp "$RIG_STATE_DIR/.env.XXXXXX")
  {
    printf '# pg-ha-init test rig (%s); source this file\n' "$0"
    printf '# storage-driver=%s iptables=%s bridge=%s pool=%s\n' "$driver" "$ipt" "$RIG_BRIDGE" "$block.64.0/18"
    printf 'export DOCKER_HOST=%q\n' "unix://$SOCK"
    printf 'export RIG_HOST_GATEWAY=%q\n' "$block.0.1"
  } >"$tmp"
  chmod 0644 "$tmp"
  mv -f "$tmp" "$ENV_FILE"
}

stop_daemon() {
  local pid i
  pid=$(dockerd_pid) || return 0
  log "stopping private dockerd (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < RIG_STOP_TIMEOUT * 4; i++)); do
    proc_alive "$pid" || return 0
    sleep 0.25
  done
  log "dockerd $pid did not exit within ${RIG_STOP_TIMEOUT}s; killing it"
  show_log_tail
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 40; i++)); do
    proc_alive "$pid" || return 0
    sleep 0.25
  done
  die "dockerd $pid survived SIGKILL"
}

# ------------------------------------------------------------- the image

# Where Debian's packages come from: the first enabled deb822 stanza (or
# one-line entry) of this machine's apt sources that serves suite `bookworm`
# (and bookworm-security), read at run time.
apt_mirror_for() {
  local want=$1 f
  local -a files=()
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] && files+=("$f")
  done
  if ((${#files[@]} > 0)); then
    awk -v want="$want" '
      FNR == 1 && NR > 1 { flush() }
      function flush() {
        if (types ~ /(^| )deb( |$)/ && enabled !~ /^(no|false)$/ && (" " suites " ") ~ (" " want " ") && uris != "" && !done) {
          split(uris, u, " "); print u[1]; done = 1
        }
        types = ""; suites = ""; uris = ""; enabled = ""; last = ""
      }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      /^[ \t]/ { if (last == "uris") uris = uris " " $0; else if (last == "suites") suites = suites " " $0; next }
      {
        key = tolower($0); sub(/:.*/, "", key)
        val = $0; sub(/^[^:]*:[ \t]*/, "", val); gsub(/[ \t]+/, " ", val)
        last = key
        if (key == "types") types = val
        else if (key == "uris") uris = val
        else if (key == "suites") suites = val
        else if (key == "enabled") enabled = tolower(val)
      }
      END { flush() }
    ' "${files[@]}" | head -n 1
  fi
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $f ]] || continue
    # deb [options] URI SUITE COMPONENTS...
    sed -E 's/#.*//; s/\[[^]]*\]//' "$f" | awk -v want="$want" '$1 == "deb" && $3 == want { print $2 }'
  done | head -n 1
}

# The recipe of one image: the base recipe, its suite and major, the Dockerfile.
recipe_hash() {
  local major=$1
  { printf 'base=%s suite=%s major=%s\n' "$BASE_RECIPE" "${SUITE_OF[$major]}" "$major"; cat "$DOCKERFILE"; } |
    sha256sum | cut -c1-16
}

image_label() {
  rig_docker image inspect --format "{{ index .Config.Labels \"$LABEL_KEY\" }}" "$1" 2>/dev/null || true
}

base_image() { printf 'pg-ha-init-rig/%s-pg%s:base\n' "${SUITE_OF[$1]}" "$1"; }
base_label() { printf 'base-%s-%s-pg%s\n' "$BASE_RECIPE" "${SUITE_OF[$1]}" "$1"; }
build_log() { printf '%s/build-pg%s.log\n' "$RIG_LOG_DIR" "$1"; }

# The official image's data layout per major (see Dockerfile): PGDATA and the VOLUME.
pgdata_of() {
  if (($1 >= 18)); then printf '/var/lib/postgresql/%s/docker\n' "$1"; else printf '/var/lib/postgresql/data\n'; fi
}
volume_of() {
  if (($1 >= 18)); then printf '/var/lib/postgresql\n'; else printf '/var/lib/postgresql/data\n'; fi
}

cleanup_build_dir() {
  local dir=$1
  unmount_under "$dir"
  if [[ -d $dir ]]; then
    if grep -q " $dir/" /proc/self/mountinfo; then
      die "something is still mounted under $dir; refusing to delete it"
    fi
    rm -rf --one-file-system "$dir"
  fi
}

# The chroot part of a base image, run with bash inside the new root; $1 is
# the PostgreSQL major.
# shellcheck disable=SC2016 # expanded inside the chroot, not here
readonly CHROOT_SCRIPT='
set -Eeuo pipefail
major=$1
export DEBIAN_FRONTEND=noninteractive LC_ALL=C
# No /dev/pts in the chroot: tell dpkg not to look for a pty.
echo "Dpkg::Use-Pty \"0\";" >/etc/apt/apt.conf.d/99rig-nopty
apt-get update
# postgresql-common first, so that create_main_cluster = false is in place
# before postgresql-N is configured (no "main" cluster in the image).
apt-get install -y --no-install-recommends postgresql-common
conf=/etc/postgresql-common/createcluster.conf
if grep -Eq "^[#[:space:]]*create_main_cluster[[:space:]]*=" "$conf"; then
  sed -ri "s/^[#[:space:]]*create_main_cluster[[:space:]]*=.*/create_main_cluster = false/" "$conf"
else
  echo "create_main_cluster = false" >>"$conf"
fi
grep -qx "create_main_cluster = false" "$conf"
# xz-utils and zstd: the official image has them (compressed initdb.d scripts).
apt-get install -y --no-install-recommends "postgresql-$major" gosu locales xz-utils zstd
if [ -n "$(ls -A /etc/postgresql 2>/dev/null)" ]; then
  echo "a cluster was created in /etc/postgresql despite create_main_cluster = false" >&2
  exit 1
fi
apt-get clean
rm -f /etc/apt/apt.conf.d/99rig-nopty
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old /var/log/apt/* /var/log/dpkg.log /var/log/alternatives.log /var/log/bootstrap.log
'

# The apt sources of a suite inside its chroot: the suite, and for a release
# its -updates and -security suites (security from this machine's security
# mirror, when it has one). sid has neither.
chroot_sources() {
  local suite=$1 mirror=$2 security=$3
  printf 'deb %s %s main\n' "$mirror" "$suite"
  [[ $suite != sid ]] || return 0
  printf 'deb %s %s-updates main\n' "$mirror" "$suite"
  [[ -z $security ]] || printf 'deb %s %s-security main\n' "$security" "$suite"
}

# debootstrap the major's suite, install PostgreSQL in it, import it as the
# base image. Runs in a subshell of its own (builds run in parallel).
build_base() {
  local major=$1 suite=${SUITE_OF[$1]} log mirror security dir rootfs proxy="" base
  log=$(build_log "$major")
  base=$(base_image "$major")
  dir=$BUILD_DIR/pg$major
  rootfs=$dir/rootfs
  mirror=$(apt_mirror_for bookworm)
  [[ -n $mirror ]] || die "no apt source for suite 'bookworm' in /etc/apt/sources.list.d/*.sources or sources.list; add one (URIs: <debian mirror>, Suites: bookworm); the rig takes every suite from that mirror"
  security=$(apt_mirror_for bookworm-security)
  cleanup_build_dir "$dir"
  mkdir -p "$rootfs"
  # Honour an apt proxy, if this machine's apt uses one.
  eval "$(apt-config shell proxy Acquire::http::Proxy)"
  log "pg$major: debootstrap --variant=minbase $suite from $mirror (log: $log)"
  if ! env ${proxy:+"http_proxy=$proxy"} debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >>"$log" 2>&1; then
    tail -n 30 "$log" >&2 || true
    die "pg$major: debootstrap $suite failed (full log: $log)"
  fi
  chroot_sources "$suite" "$mirror" "$security" >"$rootfs/etc/apt/sources.list"
  if [[ -n $proxy ]]; then
    printf 'Acquire::http::Proxy "%s";\n' "$proxy" >"$rootfs/etc/apt/apt.conf.d/99rig-proxy"
  fi
  if [[ $suite == sid ]]; then
    # This mirror's sid Release is past its Valid-Until date; the packages are
    # still signed and verified.
    printf 'Acquire::Check-Valid-Until "false";\n' >"$rootfs/etc/apt/apt.conf.d/99rig-valid-until"
  fi
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
  chmod 0755 "$rootfs/usr/sbin/policy-rc.d"
  cp /etc/resolv.conf "$rootfs/etc/resolv.conf" 2>/dev/null || true
  # Never leave /proc mounted in the build root, whatever happens.
  trap 'unmount_under "$dir"' EXIT
  mount -t proc proc "$rootfs/proc"
  log "pg$major: installing postgresql-$major gosu locales in the $suite chroot"
  if ! chroot "$rootfs" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    /bin/bash -c "$CHROOT_SCRIPT" chroot-script "$major" >>"$log" 2>&1; then
    umount "$rootfs/proc" || umount -l "$rootfs/proc" || true
    tail -n 30 "$log" >&2 || true
    die "pg$major: installing PostgreSQL in the $suite chroot failed (full log: $log)"
  fi
  umount "$rootfs/proc" || umount -l "$rootfs/proc"
  mountpoint -q "$rootfs/proc" && die "could not unmount $rootfs/proc"
  # Nothing of this machine's network set-up goes into the image; Docker
  # provides /dev, /etc/resolv.conf, /etc/hosts and /etc/hostname at run time.
  rm -f "$rootfs/etc/apt/apt.conf.d/99rig-proxy" "$rootfs/etc/apt/apt.conf.d/99rig-valid-until"
  : >"$rootfs/etc/resolv.conf"
  find "$rootfs/dev" -mindepth 1 -delete
  log "pg$major: importing the root filesystem as $base"
  tar --numeric-owner -C "$rootfs" -c . |
    rig_docker import --change "LABEL $LABEL_KEY=$(base_label "$major")" - "$base" >/dev/null
  cleanup_build_dir "$dir"
  trap - EXIT
}

# Build postgres:<major> (and its base when that is not cached); its own log.
build_image() {
  local major=$1 image=postgres:$1 want log base start end
  want=$(recipe_hash "$major")
  log=$(build_log "$major")
  base=$(base_image "$major")
  start=$(date +%s)
  : >"$log"
  if [[ $(image_label "$base") != "$(base_label "$major")" ]]; then
    build_base "$major"
  else
    log "pg$major: base image $base is cached"
  fi
  log "pg$major: docker build -t $image from $DOCKERFILE"
  if ! rig_docker build --build-arg "BASE_IMAGE=$base" --build-arg "PG_MAJOR=$major" \
    --build-arg "PGDATA=$(pgdata_of "$major")" --build-arg "PG_VOLUME=$(volume_of "$major")" \
    --label "$LABEL_KEY=$want" -t "$image" - <"$DOCKERFILE" >>"$log" 2>&1; then
    tail -n 30 "$log" >&2 || true
    die "pg$major: docker build failed (full log: $log)"
  fi
  end=$(date +%s)
  printf '%s build of %s took %ss\n' "$(date -u +%FT%TZ)" "$image" "$((end - start))" >>"$TIMES_LOG"
  log "pg$major: built $image in $((end - start))s"
}

# The images in RIG_IMAGES that are missing or from another recipe are built,
# all at once: each build waits mostly on the mirror and on dpkg, so two cores
# carry them in parallel (see README for the times).
ensure_images() {
  local major want have start i
  local -a todo=() pids=() failed=()
  [[ -f $DOCKERFILE ]] || die "missing $DOCKERFILE"
  for major in $RIG_IMAGES; do
    [[ -n ${SUITE_OF[$major]:-} ]] ||
      die "RIG_IMAGES: no Debian suite here ships PostgreSQL $major (the rig builds ${!SUITE_OF[*]})"
    want=$(recipe_hash "$major")
    have=$(image_label "postgres:$major")
    if [[ $have == "$want" ]]; then
      log "image postgres:$major is cached (recipe $want)"
      continue
    fi
    if [[ -n $have ]]; then
      log "image postgres:$major is from another recipe ($have, want $want); rebuilding"
    elif rig_docker image inspect "postgres:$major" >/dev/null 2>&1; then
      log "image postgres:$major exists but was not built by the rig; rebuilding"
    fi
    todo+=("$major")
  done
  ((${#todo[@]} > 0)) || return 0
  start=$(date +%s)
  for major in "${todo[@]}"; do
    build_image "$major" &
    pids+=("$!")
  done
  for i in "${!todo[@]}"; do
    wait "${pids[$i]}" || failed+=("${todo[$i]}")
  done
  rig_docker image prune -f >/dev/null 2>&1 || true
  ((${#failed[@]} == 0)) || die "building postgres:${failed[*]} failed (logs: $RIG_LOG_DIR/build-pg*.log)"
  printf '%s built %s in parallel in %ss\n' "$(date -u +%FT%TZ)" "${todo[*]}" "$(($(date +%s) - start))" >>"$TIMES_LOG"
  log "built postgres:{${todo[*]}} in $(($(date +%s) - start))s"
}

# ------------------------------------------------------------- commands

cmd_up() {
  local t0 pid
  t0=$(date +%s%N)
  need_root
  mkdir -p "$RIG_LOG_DIR" "$RIG_LIB_DIR"
  take_lock
  ensure_host_packages
  if pid=$(dockerd_pid) && daemon_answers; then
    log "private dockerd already running (pid $pid)"
    [[ -s $ENV_FILE ]] || die "dockerd runs but $ENV_FILE is missing; run '$0 down' then '$0 up'"
    ensure_dns "$(saved_block).0.1"
  else
    if pid=$(dockerd_pid); then
      log "dockerd $pid does not answer; restarting it"
      stop_daemon
    fi
    clean_stale
    start_daemon
  fi
  ensure_compose_v2
  ensure_images
  log "up in $((($(date +%s%N) - t0) / 1000000)) ms; source $ENV_FILE or eval this output"
  grep '^export ' "$ENV_FILE"
}

cmd_down() {
  local pid
  need_root
  mkdir -p "$RIG_LOG_DIR" "$RIG_LIB_DIR"
  take_lock
  stop_daemon
  if pid=$(dns_pid "$(saved_block).0.1"); then
    kill -TERM "$pid" 2>/dev/null || true
  fi
  clean_stale
  log "down (image cache kept in $DATA_ROOT)"
}

cmd_env() {
  if dockerd_pid >/dev/null && [[ -s $ENV_FILE ]]; then
    grep '^export ' "$ENV_FILE"
  else
    die "the rig is not up; run '$0 up'"
  fi
}

cmd_status() {
  local pid
  if pid=$(dockerd_pid) && daemon_answers; then
    log "up: dockerd pid $pid, socket $SOCK"
    grep -v '^export ' "$ENV_FILE" >&2 || true
    grep '^export ' "$ENV_FILE"
  else
    log "down"
    return 1
  fi
}

usage() {
  printf 'usage: %s up|down|env|status\n' "$0" >&2
  exit 2
}

main() {
  (($# == 1)) || usage
  case $1 in
  up) cmd_up ;;
  down) cmd_down ;;
  env) cmd_env ;;
  status) cmd_status ;;
  *) usage ;;
  esac
}

main "$@"
