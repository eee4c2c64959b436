#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# runtime-packages.sh BINARY: the Debian packages that hold the shared
# libraries BINARY links (one a line, sorted), i.e. what the image's
# runtime stage installs (apt adds what those need).  Derived from the binary itself, so a library
# the build gains (libmicrohttpd for --metrics, libpcap for capture) is in
# the image without anyone keeping a second list.  Plus what the
# entrypoint runs besides algctl and the base system: curl (its preStop
# hook asks the API server whether the DaemonSet is being deleted).
set -eu
if [ $# -ne 1 ] || [ ! -x "$1" ]; then
	echo "usage: runtime-packages.sh BINARY (an executable)" >&2
	exit 2
fi
# the libraries BINARY names itself (DT_NEEDED; apt brings theirs), at
# the paths the dynamic linker resolves them to
needed=$(LC_ALL=C readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
libs=$(ldd "$1" | awk -v need=" $needed" '$2 == "=>" && $3 ~ /^\// && index(need, " " $1 " ") { print $3 }')
[ -n "$libs" ] || {
	echo "runtime-packages.sh: ldd lists no libraries for $1" >&2
	exit 1
}
pkgs=$(for l in $libs; do
	# dpkg knows a library by the path its package installed, which on a
	# merged /usr may be the other half of /lib <-> /usr/lib
	p=""
	for c in "$l" "$(readlink -f "$l")" "/usr$l" "${l#/usr}"; do
		p=$(dpkg -S "$c" 2>/dev/null | head -n1 | cut -d: -f1) && [ -n "$p" ] && break
	done
	[ -n "$p" ] || {
		echo "runtime-packages.sh: no Debian package holds $l" >&2
		exit 1
	}
	echo "$p"
done) || exit 1
printf '%s\ncurl\n' "$pkgs" | sort -u
