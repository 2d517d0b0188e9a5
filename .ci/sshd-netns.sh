#!/usr/bin/env bash
# Test hosts for 'nperf orchestrate': real OpenSSH servers, each in a
# network namespace of its own, joined by a bridge in a hub namespace.
#
#   eval "$(bash .ci/sshd-netns.sh up)"   # create (idempotent); prints exports
#   bash .ci/sshd-netns.sh down           # remove all it made
#
# Needs root. Installs openssh-server and iproute2 if missing (unless
# NPERF_NETNS_NO_INSTALL=1: then it exits 3 when they are missing).
#
# Layout (addresses exist only inside the namespaces made here):
#   $PREFIX-hub  bridge br0 10.200.0.1/24: run the orchestrator here
#   $PREFIX-c1   eth0 10.200.0.11   sshd :22     (client)
#   $PREFIX-c2   eth0 10.200.0.12   sshd :22     (client)
#   $PREFIX-s1   eth0 10.200.0.21   sshd :22     (server)
#   $PREFIX-s2   eth0 10.200.0.22   sshd :22     (server)
# Each sshd has its own generated host key and accepts root with one
# generated test key; known_hosts lists every host. Sessions get
# HOME=$STATE/NAME/home, a home of each host's own (so ~/.local/bin/nperf
# differs per host, as on separate machines, and the machine's own
# /root dotfiles stay out of the tests).
#
# Printed on stdout (and written to $STATE/env), for the tests:
#   NPERF_NETNS_DIR          state directory (keys, configs, logs)
#   NPERF_NETNS_CTL          namespace to run the orchestrator in
#   NPERF_NETNS_HOSTS        "c1=10.200.0.11 c2=... s1=... s2=..."
#   NPERF_NETNS_NS_PREFIX    host NAME lives in namespace $PREFIX-NAME
#   NPERF_NETNS_KEY          private key accepted by every sshd
#   NPERF_NETNS_KNOWN_HOSTS  known_hosts file with every host key
#   NPERF_NETNS_USER         login (root)
#   NPERF_NETNS_SCRIPT       this script, to restart a host's sshd (up)
# Everything else goes to stderr.
set -euo pipefail

PREFIX=${NPERF_NETNS_PREFIX:-nperf}
STATE=${NPERF_NETNS_DIR:-/run/$PREFIX-netns}
HUB=$PREFIX-hub
HOSTS="c1=10.200.0.11 c2=10.200.0.12 s1=10.200.0.21 s2=10.200.0.22"
SSHD=/usr/sbin/sshd
SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")

log() { echo "sshd-netns: $*" >&2; }
die() { log "error: $*"; exit "${2:-1}"; }

ns_exists() { ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$1"; }

install_tools() {
	local need=()
	[ -x "$SSHD" ] || need+=(openssh-server)
	command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
	command -v ip >/dev/null 2>&1 || need+=(iproute2)
	[ ${#need[@]} -eq 0 ] && return 0
	if [ "${NPERF_NETNS_NO_INSTALL:-}" = 1 ]; then
		die "missing ${need[*]} (and NPERF_NETNS_NO_INSTALL=1)" 3
	fi
	log "installing ${need[*]}"
	# Do not let the package start an sshd in the host's own namespace.
	local policy=/usr/sbin/policy-rc.d made_policy=
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod 755 "$policy"
		made_policy=1
	fi
	local rc=0
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"; } >&2 || rc=$?
	[ -n "$made_policy" ] && rm -f "$policy"
	[ $rc -eq 0 ] || die "apt-get install ${need[*]} failed"
}

sshd_alive() {
	local pf=$1
	[ -f "$pf" ] && kill -0 "$(cat "$pf")" 2>/dev/null
}

up() {
	[ "$(id -u)" = 0 ] || die "needs root (network namespaces and sshd)" 3
	install_tools
	mkdir -p "$STATE"
	chmod 700 "$STATE"
	[ -f "$STATE/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C nperf-netns-test -f "$STATE/id_ed25519"
	cp "$STATE/id_ed25519.pub" "$STATE/authorized_keys"
	mkdir -p /run/sshd # sshd's privilege separation directory
	chmod 755 /run/sshd

	if ! ns_exists "$HUB"; then
		log "creating $HUB (bridge 10.200.0.1/24)"
		ip netns add "$HUB"
		ip -n "$HUB" link set lo up
		ip -n "$HUB" link add br0 type bridge
		ip -n "$HUB" addr add 10.200.0.1/24 dev br0
		ip -n "$HUB" link set br0 up
	fi

	: >"$STATE/known_hosts.new"
	local entry name addr ns dir
	for entry in $HOSTS; do
		name=${entry%%=*}
		addr=${entry#*=}
		ns=$PREFIX-$name
		dir=$STATE/$name
		mkdir -p "$dir/home"
		if ! ns_exists "$ns"; then
			log "creating $ns ($addr)"
			ip netns add "$ns"
			ip -n "$ns" link set lo up
			ip -n "$HUB" link add "$name" type veth peer name eth0 netns "$ns"
			ip -n "$HUB" link set "$name" master br0
			ip -n "$HUB" link set "$name" up
			ip -n "$ns" addr add "$addr/24" dev eth0
			ip -n "$ns" link set eth0 up
		fi
		[ -f "$dir/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C "$name" -f "$dir/ssh_host_ed25519_key"
		cat >"$dir/sshd_config" <<-EOF
			Port 22
			ListenAddress $addr
			HostKey $dir/ssh_host_ed25519_key
			PidFile $dir/sshd.pid
			AuthorizedKeysFile $STATE/authorized_keys
			PermitRootLogin prohibit-password
			PubkeyAuthentication yes
			PasswordAuthentication no
			KbdInteractiveAuthentication no
			UsePAM no
			StrictModes no
			PrintMotd no
			X11Forwarding no
			MaxStartups 100:30:200
			MaxSessions 100
			SetEnv HOME=$dir/home
			LogLevel INFO
		EOF
		if ! sshd_alive "$dir/sshd.pid"; then
			log "starting sshd in $ns"
			ip netns exec "$ns" "$SSHD" -f "$dir/sshd_config" -E "$dir/sshd.log" ||
				die "sshd in $ns did not start: $(tail -n 5 "$dir/sshd.log" 2>/dev/null)"
		fi
		echo "$addr $(cut -d' ' -f1,2 "$dir/ssh_host_ed25519_key.pub")" >>"$STATE/known_hosts.new"
	done
	mv "$STATE/known_hosts.new" "$STATE/known_hosts"

	# Every sshd answers from the hub before we say we are ready.
	for entry in $HOSTS; do
		addr=${entry#*=}
		local i=0
		until ip netns exec "$HUB" bash -c "exec 3<>/dev/tcp/$addr/22" 2>/dev/null; do
			i=$((i + 1))
			[ $i -lt 100 ] || die "sshd on $addr does not answer"
			sleep 0.1
		done
	done

	{
		echo "export NPERF_NETNS_DIR=$STATE"
		echo "export NPERF_NETNS_CTL=$HUB"
		echo "export NPERF_NETNS_HOSTS=\"$HOSTS\""
		echo "export NPERF_NETNS_NS_PREFIX=$PREFIX"
		echo "export NPERF_NETNS_KEY=$STATE/id_ed25519"
		echo "export NPERF_NETNS_KNOWN_HOSTS=$STATE/known_hosts"
		echo "export NPERF_NETNS_USER=root"
		echo "export NPERF_NETNS_SCRIPT=$SELF"
	} | tee "$STATE/env"
	log "ready: $HOSTS"
}

down() {
	[ "$(id -u)" = 0 ] || die "needs root" 3
	local entry name ns pid
	for entry in $HOSTS; do
		name=${entry%%=*}
		ns=$PREFIX-$name
		if [ -f "$STATE/$name/sshd.pid" ]; then
			kill "$(cat "$STATE/$name/sshd.pid")" 2>/dev/null || true
		fi
		if ns_exists "$ns"; then
			# Whatever the tests left running in this namespace (servers
			# started over SSH) goes with it.
			for pid in $(ip netns pids "$ns"); do kill "$pid" 2>/dev/null || true; done
			ip netns del "$ns"
		fi
	done
	if ns_exists "$HUB"; then
		for pid in $(ip netns pids "$HUB"); do kill "$pid" 2>/dev/null || true; done
		ip netns del "$HUB"
	fi
	rm -rf "$STATE"
	log "removed"
}

case "${1:-}" in
up) up ;;
down) down ;;
*)
	echo "usage: $0 up|down" >&2
	exit 2
	;;
esac
