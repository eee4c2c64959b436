#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Install every Debian package that building, packaging, the demo and the
# tests need.  Safe to run repeatedly; installs nothing when everything is
# present.
#
# Some of these packages ship a system service: vsftpd, tftpd-hpa,
# prometheus and iperf3.  The demo and the tests run those programs inside
# network namespaces of their own and nowhere else, so the host must not
# run them: while apt-get installs, a policy-rc.d refuses every service
# start (unless the host has a policy-rc.d of its own), and afterwards, on
# every run, their host units are disabled and, if running, stopped.
#
#   scripts/deps.sh             install what is missing; disable the services
#   scripts/deps.sh --packages  the packages, one a line
#   scripts/deps.sh --services  the host services kept disabled, one a line
set -eu

PKGS="make gcc clang llvm pkg-config libbpf-dev bpftool libelf-dev zlib1g-dev
libnl-3-dev libnl-route-3-dev iproute2 nftables iputils-ping socat
build-essential dpkg-dev debhelper lintian devscripts systemd man-db groff-base
netcat-openbsd python3 iperf3 curl ethtool tcpdump libclang-rt-14-dev
libosip2-dev libmicrohttpd-dev libpcap-dev
libjansson-dev
netsniff-ng gnuplot-nox vsftpd lftp openssl conntrack tftpd-hpa tftp-hpa linux-perf
sip-tester
python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-tools gstreamer1.0-plugins-base
gstreamer1.0-plugins-good
tshark prometheus
yamllint shellcheck python3-yaml"

# the system services of those packages (tests/pkg/run.sh checks that no
# other package of the list brings an enabled one)
SERVICES="vsftpd tftpd-hpa prometheus iperf3"

# shellcheck disable=SC2086 # the lists are split on purpose
case ${1:-} in
--packages) printf '%s\n' $PKGS; exit 0 ;;
--services) printf '%s\n' $SERVICES; exit 0 ;;
'') ;;
*) echo "usage: deps.sh [--packages | --services]" >&2; exit 2 ;;
esac

# the program each service runs
daemon_of() {
	case $1 in
	vsftpd) echo /usr/sbin/vsftpd ;;
	tftpd-hpa) echo /usr/sbin/in.tftpd ;;
	prometheus) echo /usr/bin/prometheus ;;
	iperf3) echo /usr/bin/iperf3 ;;
	esac
}

# host_pids SERVICE: its program's processes that a service manager started
# on the host (this network namespace, parent PID 1); the ones the demo and
# the tests start run in network namespaces of their own and are not
# looked at
host_pids() {
	exe=$(daemon_of "$1")
	net=$(readlink /proc/self/ns/net)
	for d in /proc/[0-9]*; do
		[ "$(readlink "$d/exe" 2>/dev/null)" = "$exe" ] || continue
		[ "$(readlink "$d/ns/net" 2>/dev/null)" = "$net" ] || continue
		[ "$(sed -n 's/.*) . \([0-9]*\) .*/\1/p' "$d/stat" 2>/dev/null)" = 1 ] || continue
		echo "${d#/proc/}"
	done
}

running() {
	{ [ -d /run/systemd/system ] && systemctl -q is-active "$1.service" 2>/dev/null; } ||
		[ -n "$(host_pids "$1")" ]
}

enabled() {
	[ "$(systemctl is-enabled "$1.service" 2>/dev/null)" = enabled ]
}

# keep_off SERVICE: its unit (and SysV links) disabled, stopped
keep_off() {
	enabled "$1" || running "$1" || return 0
	echo "deps.sh: disabling and stopping the host's $1 (the demo and the tests run it in namespaces of their own)"
	if [ -d /run/systemd/system ]; then
		systemctl disable --now "$1.service" >/dev/null 2>&1 || true
	else
		# no systemd running: the links only (systemctl disable works
		# offline, SysV links through update-rc.d)
		systemctl disable "$1.service" >/dev/null 2>&1 || true
	fi
	# started by an init script (or left over): by pid, never by name
	pids=$(host_pids "$1")
	if [ -n "$pids" ]; then
		# shellcheck disable=SC2086
		kill $pids 2>/dev/null || true
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			[ -n "$(host_pids "$1")" ] || break
			sleep 0.5
		done
	fi
	if enabled "$1" || running "$1"; then
		echo "deps.sh: the host's $1 is still enabled or running" >&2
		return 1
	fi
}

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"
}

missing=""
for p in $PKGS; do
	installed "$p" || missing="$missing $p"
done

if [ "$(id -u)" -ne 0 ]; then
	[ -z "$missing" ] || {
		echo "deps.sh: missing packages:$missing (run as root to install)" >&2
		exit 1
	}
	for s in $SERVICES; do
		! installed "$s" || ! { enabled "$s" || running "$s"; } ||
			echo "deps.sh: the host's $s is enabled or running (run as root to disable it)" >&2
	done
	exit 0
fi

if [ -n "$missing" ]; then
	policy=/usr/sbin/policy-rc.d
	if [ ! -e $policy ]; then
		# invoke-rc.d and deb-systemd-invoke ask it: 101, action forbidden
		printf '#!/bin/sh\n# scripts/deps.sh: no service starts while it installs\nexit 101\n' >$policy
		chmod 0755 $policy
		trap 'rm -f '$policy EXIT
		trap 'exit 1' INT TERM
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi

for s in $SERVICES; do
	! installed "$s" || keep_off "$s"
done
