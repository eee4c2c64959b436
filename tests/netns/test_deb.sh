#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The Debian package, installed the way dpkg installs it, then used:
#   - make deb builds $BUILD/bpfalg_VERSION_ARCH.deb; its control file
#     names a package for every library the binary links (checked against
#     ldd and dpkg -S) and each of them is installed here; conffiles is
#     /etc/bpfalg/bpfalg.conf; no BPF object is shipped (algctl embeds them)
#   - dpkg --root installs it into a fresh root (its own dpkg database;
#     maintainer scripts run with DPKG_ROOT, so nothing of this host is
#     touched): installed, conffile registered, the unit not enabled, the
#     man page renders
#   - test_ftp_active.sh runs with the installed algctl, under the
#     capability bounding set of the installed bpfalg.service and with the
#     installed configuration file, its interfaces edited as an operator
#     would (active FTP through the ALG, EPRT and PORT rewritten, pinholes)
#   - dpkg -r keeps the edited conffile, dpkg -P removes it and /etc/bpfalg
# gateways: kernel bpfalg
# (GW=kernel skips: the package is bpfalg's; the FTP scenario itself proves
# itself against the kernel in test_ftp_active.)
here=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$here/../.." && pwd)
. "$here/lib.sh"
test_init
[ "$GW_KIND" = bpfalg ] || skip "the package is bpfalg's: nothing of it runs against the kernel reference"
require_cmds dpkg dpkg-deb dpkg-query make setpriv ldd readelf man
case $BUILD in /*) ;; *) BUILD=$OLDPWD/$BUILD ;; esac
[ -x "$BUILD/algctl" ] || fail "no $BUILD/algctl (run make)"

# 1. the package: built from $BUILD/algctl as it is (-o: not rebuilt)
make -s --no-print-directory -C "$REPO" -o "$BUILD/algctl" OUTPUT="$BUILD" deb >make-deb.log 2>&1 ||
	fail "make deb: $(tail -n 5 make-deb.log | tr '\n' ' ')"
DEB=$(tail -n 1 make-deb.log)
case $DEB in /*) ;; *) DEB=$REPO/$DEB ;; esac
[ -f "$DEB" ] || fail "make deb did not print the package's path: $(tail -n 3 make-deb.log | tr '\n' ' ')"
log "package: $DEB"
version=$("$BUILD/algctl" --version | awk '{print $2}')
[ "$(dpkg-deb -f "$DEB" Package)" = bpfalg ] || fail "Package: $(dpkg-deb -f "$DEB" Package)"
[ "$(dpkg-deb -f "$DEB" Version)" = "$version" ] || fail "Version: $(dpkg-deb -f "$DEB" Version), algctl says $version"
[ "$(dpkg-deb -f "$DEB" Architecture)" = "$(dpkg --print-architecture)" ] || fail "Architecture: $(dpkg-deb -f "$DEB" Architecture)"
depends=$(dpkg-deb -f "$DEB" Depends)
log "Depends: $depends"
dpkg-deb --ctrl-tarfile "$DEB" | tar -xO ./conffiles >conffiles || fail "no conffiles in the package"
[ "$(cat conffiles)" = /etc/bpfalg/bpfalg.conf ] || fail "conffiles: $(tr '\n' ' ' <conffiles)"
dpkg-deb -c "$DEB" | awk '{print $NF}' | sed 's|^\./|/|' >contents
for f in /usr/sbin/algctl /lib/systemd/system/bpfalg.service /etc/bpfalg/bpfalg.conf \
	/usr/share/man/man8/algctl.8.gz /usr/share/bash-completion/completions/algctl \
	/usr/share/doc/bpfalg/copyright /usr/share/doc/bpfalg/examples/bpfalg.conf; do
	grep -qx "$f" contents || fail "the package has no $f"
done
grep -q '\.bpf\.o$' contents && fail "the package ships BPF objects (algctl embeds them): $(grep '\.bpf\.o$' contents)"
grep '^/etc/' contents | grep -v '/$' | grep -vx /etc/bpfalg/bpfalg.conf &&
	fail "files under /etc that are not conffiles"
# every library algctl links comes from a package the control file names
# (and that package is installed here: the host is the "clean machine")
needed=$(readelf -d "$BUILD/algctl" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
[ -n "$needed" ] || fail "readelf -d $BUILD/algctl lists no NEEDED library"
for so in $needed; do
	lib=$(ldd "$BUILD/algctl" | awk -v so="$so" '$1 == so && $2 == "=>" {print $3}')
	case $so in ld-linux*) continue ;; esac
	[ -n "$lib" ] || fail "ldd does not resolve $so"
	pkg=$(dpkg -S "$lib" 2>/dev/null | head -n1 | cut -d: -f1)
	[ -n "$pkg" ] || pkg=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -n1 | cut -d: -f1)
	[ -n "$pkg" ] || fail "no package owns $lib"
	printf '%s\n' "$depends" | tr ',' '\n' | grep -qE "^ *$pkg( |$)" ||
		fail "algctl links $so ($pkg), which Depends does not name: $depends"
done
for pkg in $(printf '%s\n' "$depends" | tr ',' '\n' | awk '{print $1}'); do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" ||
		fail "Depends names $pkg, which is not installed on this host"
done

# 2. install into a fresh root with its own dpkg database
R=$TMPD/root
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/var/lib/dpkg/triggers" || fail "mkdir $R"
: >"$R/var/lib/dpkg/status"
: >"$R/var/lib/dpkg/available"
host_wants=$(ls /etc/systemd/system/multi-user.target.wants 2>/dev/null | tr '\n' ' ')
xdpkg() { dpkg --root="$R" --log=/dev/null --force-script-chrootless --force-depends "$@"; }
xdpkg -i "$DEB" >dpkg-i.log 2>&1 || fail "dpkg -i: $(tail -n 5 dpkg-i.log | tr '\n' ' ')"
status=$(dpkg-query --admindir="$R/var/lib/dpkg" -W -f='${Status} ${Version}' bpfalg)
[ "$status" = "install ok installed $version" ] || fail "after dpkg -i: status '$status'"
dpkg-query --admindir="$R/var/lib/dpkg" -W -f='${Conffiles}' bpfalg | grep -q '^ /etc/bpfalg/bpfalg.conf [0-9a-f]\{32\}$' ||
	fail "the conffile is not registered: $(dpkg-query --admindir="$R/var/lib/dpkg" -W -f='${Conffiles}' bpfalg)"
[ -x "$R/usr/sbin/algctl" ] || fail "no $R/usr/sbin/algctl"
[ -e "$R/etc/systemd/system/multi-user.target.wants/bpfalg.service" ] &&
	fail "the package enabled bpfalg.service (it must wait for the operator)"
[ "$(ls /etc/systemd/system/multi-user.target.wants 2>/dev/null | tr '\n' ' ')" = "$host_wants" ] ||
	fail "installing into $R changed this host's enabled units"
"$R/usr/sbin/algctl" --version | grep -q "^algctl $version " || fail "the installed algctl --version: $("$R/usr/sbin/algctl" --version 2>&1)"
MANWIDTH=80 man -l "$R/usr/share/man/man8/algctl.8.gz" 2>/dev/null | grep -q '^SYNOPSIS' ||
	fail "the installed man page does not render"
unit=$R/lib/systemd/system/bpfalg.service
grep -qx 'ExecStart=/usr/sbin/algctl daemon --config /etc/bpfalg/bpfalg.conf' "$unit" ||
	fail "installed unit's ExecStart: $(grep ExecStart "$unit")"
log "installed into $R: $status"

# 3. the FTP scenario with the installed binary, as the unit runs it: its
# capability bounding set, the configuration file (interfaces edited)
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")
[ -n "$caps" ] || fail "the installed unit has no CapabilityBoundingSet"
set=""
for c in $caps; do c=${c#CAP_}; set="$set,+${c,,}"; done
cat >algctl-unit <<-EOF
	#!/bin/sh
	exec setpriv --inh-caps=-all --ambient-caps=-all --bounding-set=-all$set "$R/usr/sbin/algctl" "\$@"
EOF
chmod +x algctl-unit
sed -e 's/^inside = .*/inside = gin/' -e 's/^outside = .*/outside = gout/' "$R/etc/bpfalg/bpfalg.conf" >bpfalg.conf
grep -qx 'inside = gin' bpfalg.conf && grep -qx 'outside = gout' bpfalg.conf ||
	fail "the installed bpfalg.conf has no 'inside =' / 'outside =' line to edit"
cp bpfalg.conf "$R/etc/bpfalg/bpfalg.conf" # the operator's edit (kept by dpkg -r below)
log "test_ftp_active with $R/usr/sbin/algctl, bounding set $caps, --config $R/etc/bpfalg/bpfalg.conf"
ALGCTL=$TMPD/algctl-unit GW=$GW BUILD=$BUILD GW_UP_ARGS="--config $R/etc/bpfalg/bpfalg.conf" \
	bash "$here/test_ftp_active.sh" >ftp.log 2>&1
rc=$?
sed 's/^/#   | /' ftp.log
[ $rc -eq 0 ] || fail "test_ftp_active with the installed package: exit $rc ($(grep -E '^(FAIL|SKIP): ' ftp.log | tail -n1))"
log "FTP through the installed package: ok"

# 4. remove keeps the edited conffile, purge removes it
xdpkg -r bpfalg >dpkg-r.log 2>&1 || fail "dpkg -r: $(tail -n 5 dpkg-r.log | tr '\n' ' ')"
[ -e "$R/usr/sbin/algctl" ] && fail "dpkg -r left $R/usr/sbin/algctl"
cmp -s bpfalg.conf "$R/etc/bpfalg/bpfalg.conf" || fail "dpkg -r did not keep the edited /etc/bpfalg/bpfalg.conf"
status=$(dpkg-query --admindir="$R/var/lib/dpkg" -W -f='${Status}' bpfalg)
[ "$status" = "deinstall ok config-files" ] || fail "after dpkg -r: status '$status'"
xdpkg -P bpfalg >dpkg-p.log 2>&1 || fail "dpkg -P: $(tail -n 5 dpkg-p.log | tr '\n' ' ')"
[ -e "$R/etc/bpfalg" ] && fail "dpkg -P left $R/etc/bpfalg ($(ls -A "$R/etc/bpfalg" | tr '\n' ' '))"
left=$(cd "$R" && find . -path ./var -prune -o -type f -print)
[ -z "$left" ] || fail "files left after purge: $left"
log "dpkg -r kept the edited conffile, dpkg -P removed it"
exit 0
