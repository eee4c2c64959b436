#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# mkdeb.sh WORKDIR OUTDIR: turn the tree `make install` staged under
# WORKDIR/debian/bpfalg (PREFIX=/usr) into OUTDIR/bpfalg_VERSION_ARCH.deb
# with dpkg-deb, offline and without debhelper: Debian's layout for docs
# and man pages, the control file (Depends computed by dpkg-shlibdeps from
# the binary), conffiles, md5sums and the maintainer scripts of
# deploy/debian/.  Prints the path of the package.
set -eu
umask 022

work=$1
out=$2
root=$work/debian/bpfalg
here=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$root/usr/sbin/algctl" ] || {
	echo "mkdeb.sh: $root/usr/sbin/algctl missing (stage with make install first)" >&2
	exit 1
}

# The version is the binary's own ("algctl 0.1.0 (layout v6)").
version=$("$root/usr/sbin/algctl" --version | awk '{print $2}')
arch=$(dpkg --print-architecture)
case $version in
[0-9]*) ;;
*) echo "mkdeb.sh: cannot read the version from algctl --version" >&2; exit 1 ;;
esac

doc=$root/usr/share/doc/bpfalg
mkdir -p "$doc/examples"
# Files under /etc are conffiles: the example goes with the documentation.
mv "$root/etc/bpfalg/bpfalg.conf.example" "$doc/examples/bpfalg.conf"
cp "$here/README.md" "$here/docs/algctl.md" "$here/docs/config.md" \
	"$here/docs/datapath.md" "$doc/"
cat >"$doc/copyright" <<-EOF
	Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
	Upstream-Name: bpfalg

	Files: *
	Copyright: bpfalg contributors
	License: GPL-2.0 OR BSD-2-Clause
	 Every source file carries the SPDX identifier "GPL-2.0 OR BSD-2-Clause".
	 On Debian systems the GPL-2 is in /usr/share/common-licenses/GPL-2 and
	 the BSD-2-Clause text is at https://spdx.org/licenses/BSD-2-Clause.html.
EOF
# A dated entry; the package is built from the source tree, not a release.
date=$(date -R -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}")
printf 'bpfalg (%s) unstable; urgency=medium\n\n  * Built from the bpfalg source tree (make deb).\n\n -- %s  %s\n' \
	"$version" "${DEB_MAINTAINER:-bpfalg maintainers <root@localhost>}" "$date" |
	gzip -9n >"$doc/changelog.Debian.gz"
gzip -9nf "$root/usr/share/man/man8/algctl.8"

# Depends: the shared libraries algctl links (libbpf1, libnl-3-200,
# libnl-route-3-200, libc6; libelf1 and zlib1g come with libbpf1).
# (dpkg-shlibdeps finds the package's root by its DEBIAN directory)
mkdir -p "$work/debian" "$root/DEBIAN"
printf 'Source: bpfalg\n\nPackage: bpfalg\nArchitecture: any\n' >"$work/debian/control"
depends=$(cd "$work" && dpkg-shlibdeps -O -edebian/bpfalg/usr/sbin/algctl |
	sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "mkdeb.sh: dpkg-shlibdeps gave no dependencies" >&2; exit 1; }

cat >"$root/DEBIAN/control" <<-EOF
	Package: bpfalg
	Version: $version
	Architecture: $arch
	Maintainer: ${DEB_MAINTAINER:-bpfalg maintainers <root@localhost>}
	Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
	Depends: $depends
	Suggests: bpftool, tshark
	Section: net
	Priority: optional
	Description: application layer gateway whose NAT runs in eBPF (XDP and TC)
	 bpfalg translates addresses and filters statefully in eBPF programs at
	 XDP and TC on a gateway's interfaces, and runs application layer
	 gateways for FTP, SIP, RTSP and TFTP in its controller, algctl: control
	 packets are punted to it over a ring buffer, rewritten, and reinjected,
	 with short-lived pinholes for the related connections.  The datapath's
	 maps and links are pinned, so forwarding continues while the controller
	 restarts.  Each protocol can be off, observed or on.
	 .
	 The package installs algctl (the BPF programs are compiled into it), the
	 systemd unit bpfalg.service (not enabled), the configuration file
	 /etc/bpfalg/bpfalg.conf (an example to edit), the algctl(8) manual page
	 and bash completion.
EOF
echo /etc/bpfalg/bpfalg.conf >"$root/DEBIAN/conffiles"
for s in postinst prerm postrm; do
	install -m 0755 "$here/deploy/debian/$s" "$root/DEBIAN/$s"
done
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z |
	xargs -0 md5sum) >"$root/DEBIAN/md5sums"

mkdir -p "$out"
deb=$out/bpfalg_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
