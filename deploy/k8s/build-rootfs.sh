#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# build-rootfs.sh ALGCTL OUT.tar: the runtime content of the image that
# deploy/k8s/Containerfile builds, as a root filesystem tarball, where no
# container builder (or no registry to pull debian:bookworm-slim from) is
# available.  `make k8s-rootfs` runs it.
#
#   * build stage: this host (Debian 12 with deploy/k8s/build-packages
#     installed, checked) built ALGCTL with `make`, as the Containerfile's
#     build stage does in debian:bookworm-slim;
#   * runtime stage: mmdebstrap (Debian's apt-based bootstrapper, from the
#     host's own apt sources) makes a minimal Debian 12 with exactly the
#     packages runtime-packages.sh derives from ALGCTL, then algctl
#     (debug info stripped) and the entrypoint go where the Containerfile
#     puts them;
#   * check: algctl runs inside the new root (every library present), the
#     entrypoint resolves a template there (its shell tools present) and
#     curl runs (the preStop hook's).
#
# Import it as an image where a container tool exists, tagged with the
# release's version (algctl --version; daemonset.yaml's image):
#   podman import --change 'ENTRYPOINT ["/usr/local/sbin/bpfalg-entrypoint"]' OUT.tar bpfalg:0.1.0
set -eu

die() {
	echo "build-rootfs.sh: $*" >&2
	exit 1
}

[ $# -eq 2 ] || {
	echo "usage: build-rootfs.sh ALGCTL OUT.tar" >&2
	exit 2
}
here=$(cd "$(dirname "$0")" && pwd)
algctl=$(readlink -f "$1")
out=$2
[ -x "$algctl" ] || die "$1 is not an executable (run make first)"
[ "$(id -u)" -eq 0 ] || die "needs root (mmdebstrap in root mode, chroot for the check)"
command -v mmdebstrap >/dev/null || die "mmdebstrap is not installed (apt-get install mmdebstrap)"

# The build stage's base: Debian 12 with the build packages.
case $(cat /etc/debian_version 2>/dev/null) in
12.* | bookworm*) ;;
*) die "this host is not Debian 12 (the image's build stage is): build with the Containerfile instead" ;;
esac
missing=""
# shellcheck disable=SC2013 # one package name a line: words are lines
for p in $(sed 's/#.*//' "$here/build-packages"); do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] || die "build packages missing on this host:$missing (apt-get install them, rebuild)"

pkgs=$(sh "$here/runtime-packages.sh" "$algctl" | tr '\n' ',' | sed 's/,$//')
# the host's apt sources (a deb822 file or sources.list)
src=""
for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
	[ -s "$f" ] && src=$f && break
done
[ -n "$src" ] || die "no apt sources on this host (/etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$algctl" "$tmp/algctl"
strip --strip-debug "$tmp/algctl"
cp "$here/entrypoint.sh" "$tmp/entrypoint"

echo "build-rootfs.sh: Debian 12 minbase + $pkgs" >&2
# minbase without documentation, as debian:bookworm-slim ($1 in a hook
# is mmdebstrap's root directory, expanded by the hook's shell)
# shellcheck disable=SC2016
mmdebstrap --variant=minbase --include="$pkgs" \
	--dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-include=/usr/share/doc/*/copyright' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	--customize-hook="install -D -m 0755 '$tmp/algctl' \"\$1/usr/local/sbin/algctl\"" \
	--customize-hook="install -D -m 0755 '$tmp/entrypoint' \"\$1/usr/local/sbin/bpfalg-entrypoint\"" \
	--customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin' \
	bookworm "$out" "$src" >&2 || die "mmdebstrap failed"

# Check the result: unpacked, algctl runs and the entrypoint resolves.
mkdir "$tmp/root"
tar -C "$tmp/root" -xf "$out" || die "cannot unpack $out"
chroot "$tmp/root" /usr/local/sbin/algctl help >/dev/null 2>"$tmp/err" ||
	die "algctl does not run in the new root: $(head -c 300 "$tmp/err")"
mkdir -p "$tmp/root/tmp/net/eth0" "$tmp/root/tmp/net/cali0" "$tmp/root/tmp/pnet"
printf 'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\neth0\t00000000\t0100000A\t0003\t0\t0\t0\t00000000\n' \
	>"$tmp/root/tmp/pnet/route"
printf 'inside-prefix = 10.244.0.0/16\noutside =\nmasquerade = yes\n' >"$tmp/root/tmp/t.conf"
got=$(BPFALG_TEMPLATE=/tmp/t.conf BPFALG_SYS_NET=/tmp/net BPFALG_PROC_NET=/tmp/pnet BPFALG_WAIT=0 \
	chroot "$tmp/root" /usr/local/sbin/bpfalg-entrypoint resolve 2>"$tmp/err") ||
	die "the entrypoint does not run in the new root: $(head -c 300 "$tmp/err")"
[ "$got" = "$(printf 'inside-prefix = 10.244.0.0/16\noutside = eth0\nmasquerade = yes')" ] ||
	die "the entrypoint resolved wrongly in the new root: $got"
chroot "$tmp/root" curl --version >/dev/null 2>"$tmp/err" ||
	die "curl does not run in the new root: $(head -c 300 "$tmp/err")"
echo "build-rootfs.sh: $out ($(du -h "$out" | cut -f1)): algctl and curl run, entrypoint resolves" >&2
