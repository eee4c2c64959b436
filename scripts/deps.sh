#!/bin/sh
# Install every Debian package that building, the demo and the tests need.
# Safe to run repeatedly; does nothing when everything is present.
set -eu

PKGS="make gcc clang llvm pkg-config libbpf-dev bpftool libelf-dev zlib1g-dev
libnl-3-dev libnl-route-3-dev iproute2 nftables iputils-ping socat
dpkg-dev systemd man-db groff-base
netcat-openbsd python3 iperf3 curl ethtool tcpdump libclang-rt-14-dev
libosip2-dev libmicrohttpd-dev libpcap-dev
netsniff-ng gnuplot-nox vsftpd lftp openssl conntrack tftpd-hpa tftp-hpa linux-perf
sip-tester
python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-tools gstreamer1.0-plugins-base
gstreamer1.0-plugins-good
tshark prometheus
yamllint shellcheck python3-yaml"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages:$missing (run as root to install)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
