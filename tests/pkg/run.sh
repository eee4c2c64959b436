#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Packaging checks (no network namespaces, nothing outside a temp dir):
#   man_commands     every subcommand and option `algctl help` lists is
#                    described in docs/algctl.8
#   man_lint         groff renders docs/algctl.8 without a warning; its
#                    version is algctl --version's
#   completion_*     deploy/algctl.bash-completion, sourced in bash and
#                    driven through COMP_WORDS like readline does: every
#                    subcommand and option of `algctl help`, and for each
#                    option whose value `algctl help` enumerates (a|b|c)
#                    exactly those values; protocols and modes of `alg`
#   install_layout   make install DESTDIR=: files, modes, the unit's
#                    ExecStart follows PREFIX, an edited bpfalg.conf
#                    survives a second install, uninstall keeps only it
#   unit_verify      systemd-analyze verify of the installed unit
#   unit_caps        the unit's CapabilityBoundingSet satisfies algctl's
#                    own capability check for daemon
#   unit_security    the unit is Type=notify with a watchdog and
#                    `systemd-analyze security --offline=yes` rates its
#                    exposure 3.0 or less (the Proxmox drop-in too)
#   deb_build        make deb (debhelper, reusing $BUILD's objects): the
#                    package and its -dbgsym, version = algctl --version,
#                    the debug file for the packaged binary's build ID
#   deb_lintian      lintian (Debian's) on both: no error, no warning
#   deb_hardening    the packaged algctl: PIE, stack protector, FORTIFY,
#                    full RELRO (hardening-check), stripped
#   deb_contents     the Proxmox hookscript, its man page and examples
#                    (paths of the package), docs, LICENSE with both texts
#                    and the BPF objects' GPL-compatible license string
#   deps_services    after scripts/deps.sh no service of its packages is
#                    enabled or running on the host (the demo and the tests
#                    run them in namespaces only); every package of its
#                    list that ships one is in its --services
# So adding a subcommand or option without its documentation fails here.
# Prints PASS/FAIL/SKIP per check, then "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
ALGCTL=${ALGCTL:-$BUILD/algctl}
case $ALGCTL in /*) ;; *) ALGCTL=$PWD/$ALGCTL ;; esac
MAN=docs/algctl.8
COMPLETION=deploy/algctl.bash-completion

pass=0 failn=0 skipn=0
T=$(mktemp -d /tmp/bpfalg-pkg.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT

# check NAME FUNCTION: run it in a subshell; its last line is the reason
check() {
	local out rc
	out=$( ("$2") 2>&1)
	rc=$?
	case $rc in
	0) pass=$((pass + 1)); echo "PASS $1" ;;
	4) skipn=$((skipn + 1)); echo "SKIP $1: $(printf '%s\n' "$out" | tail -n1)" ;;
	*)
		failn=$((failn + 1))
		echo "FAIL $1: $(printf '%s\n' "$out" | tail -n1)"
		printf '%s\n' "$out" | head -n -1 | tail -n 20 | sed 's/^/    | /'
		;;
	esac
}

[ -x "$ALGCTL" ] || { echo "FAIL setup: $ALGCTL not built"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
"$ALGCTL" help >"$T/help" 2>&1 || { echo "FAIL setup: algctl help exited $?"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
# subcommands: "  NAME ARGS" lines between "Commands:" and the next blank line
CMDS=$(sed -n '/^Commands:/,/^$/p' "$T/help" | sed -nE 's/^  ([a-z][a-z-]*)( .*)?$/\1/p')
# options of up/daemon: "    --name METAVAR   help" after "Options of up and daemon:"
UPOPTS=$(sed -n '/^Options of up and daemon:/,/^$/p' "$T/help" | sed -nE 's/^    (--[a-z0-9-]+).*/\1/p')
# global options: "    -j, --json ..." / "    --pin-path DIR ..."
GLOBALS=$(sed -n '/^Global options/,/^$/p' "$T/help" | sed -nE 's/^    (-[a-zA-Z-]+)(, (--[a-z-]+))?.*/\1 \3/p')
# enumerated values: "--xdp-mode native|generic|off" -> "--xdp-mode native generic off"
ENUMS=$(sed -nE 's/^    (--[a-z0-9-]+) ([a-z]+(\|[a-z]+)+) .*/\1 \2/p' "$T/help" | tr '|' ' ')

man_commands() {
	local c o miss="" n=0
	[ "$(wc -w <<<"$CMDS")" -ge 10 ] || { echo "only $(wc -w <<<"$CMDS") subcommands read from algctl help"; exit 1; }
	# a command is described when it is the tag of a .TP entry
	for c in $CMDS; do
		n=$((n + 1))
		awk -v c="$c" 'p && $1 == ".B" { gsub(/\\-/, "-", $2); if ($2 == c) f = 1 } { p = ($1 == ".TP") } END { exit !f }' "$MAN" ||
			miss="$miss $c"
	done
	for o in $UPOPTS $GLOBALS; do
		n=$((n + 1))
		grep -qF -- "$(sed 's/-/\\-/g' <<<"$o")" "$MAN" || miss="$miss $o"
	done
	[ -z "$miss" ] || { echo "not in $MAN:$miss"; exit 1; }
	echo "$n subcommands and options described"
}

man_lint() {
	local w
	command -v groff >/dev/null || { echo "groff not installed"; exit 4; }
	w=$(groff -man -ww -z -t "$MAN" 2>&1)
	[ -z "$w" ] || { echo "groff warnings: $(head -c 400 <<<"$w")"; exit 1; }
	MANWIDTH=80 man -l "$MAN" >"$T/man.txt" 2>&1 || { echo "man -l $MAN failed"; exit 1; }
	grep -q '^SYNOPSIS' "$T/man.txt" || { echo "man -l: no SYNOPSIS section rendered"; exit 1; }
	# the footer's version is the binary's
	local v
	v=$("$ALGCTL" --version | awk '{print $2}')
	grep -q "^\.TH ALGCTL 8 \"[0-9-]*\" \"bpfalg $v\" " "$MAN" ||
		{ echo "$MAN: .TH does not say bpfalg $v: $(grep '^\.TH' "$MAN")"; exit 1; }
}

# complete WORD...: what the completion offers for the words, the last
# being completed (bash's COMP_WORDS/COMP_CWORD), one per line.
complete_words() {
	bash -c '
		source "$1"
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMPREPLY=()
		_algctl
		printf "%s\n" "${COMPREPLY[@]}"
	' sh "$COMPLETION" "$@"
}

# offers WORD... -- EXPECTED...: the completion offers exactly EXPECTED
offers() {
	local words=() got want
	while [ "$1" != -- ]; do words+=("$1"); shift; done
	shift
	got=$(complete_words "${words[@]}" | sort | tr '\n' ' ')
	want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	[ "$got" = "$want" ] || { echo "[${words[*]}]: offers '$got', expected '$want'"; return 1; }
}

# includes WORD... -- EXPECTED...: the completion offers at least EXPECTED
includes() {
	local words=() got w miss=""
	while [ "$1" != -- ]; do words+=("$1"); shift; done
	shift
	got=" $(complete_words "${words[@]}" | tr '\n' ' ') "
	for w in "$@"; do
		case $got in *" $w "*) ;; *) miss="$miss $w" ;; esac
	done
	[ -z "$miss" ] || { echo "[${words[*]}]: missing$miss"; return 1; }
}

completion_commands() {
	bash -n "$COMPLETION" || exit 1
	# shellcheck disable=SC2086
	offers algctl "" -- $CMDS || exit 1
	# shellcheck disable=SC2086
	includes algctl -j --pin-path /x "" -- $CMDS || exit 1
	offers algctl --pin-path /x fl -- flows || exit 1
	# registered for the command name
	bash -c 'source "$1"; complete -p algctl' sh "$COMPLETION" | grep -q -- '-F _algctl algctl' ||
		{ echo "complete -p algctl: not registered"; exit 1; }
}

completion_options() {
	local c
	# shellcheck disable=SC2086
	for c in up daemon; do
		includes algctl "$c" - -- $UPOPTS $GLOBALS || exit 1
	done
	# shellcheck disable=SC2086
	includes algctl - -- $GLOBALS || exit 1
	[ "$(wc -w <<<"$GLOBALS")" -ge 8 ] || { echo "only $(wc -w <<<"$GLOBALS") global options read from algctl help"; exit 1; }
	offers algctl up --x -- --xdp-mode --xdp-fast || exit 1
	offers algctl doctor --i -- --iface || exit 1
}

completion_values() {
	local line opt vals n=0
	while read -r line; do
		[ -n "$line" ] || continue
		opt=${line%% *} vals=${line#* }
		# shellcheck disable=SC2086
		offers algctl up "$opt" "" -- $vals || exit 1
		n=$((n + 1))
	done <<<"$ENUMS"
	[ "$n" -ge 5 ] || { echo "only $n enumerated options read from algctl help"; exit 1; }
	# --opt=VALUE (bash splits at '=')
	offers algctl up --tc-mode = c -- clsact || exit 1
	offers algctl alg "" -- ftp sip rtsp tftp list || exit 1
	offers algctl alg sip "" -- off observe on || exit 1
	includes algctl alg sip - -- --ports --deny --invite-from --mode || exit 1
	offers algctl up --alg ftp,s -- ftp,sip || exit 1
	offers algctl forward add "" -- tcp udp || exit 1
	offers algctl up --inside l -- lo || exit 1
	echo "$n enumerated options"
}

install_layout() {
	local d=$T/inst f
	make -s --no-print-directory -o "$BUILD/algctl" OUTPUT="$BUILD" install DESTDIR="$d" >"$T/install.log" 2>&1 ||
		{ cat "$T/install.log"; echo "make install failed"; exit 1; }
	for f in usr/local/sbin/algctl:755 usr/local/share/man/man8/algctl.8:644 \
		usr/local/lib/systemd/system/bpfalg.service:644 \
		usr/local/share/bash-completion/completions/algctl:644 \
		etc/bpfalg/bpfalg.conf:644 etc/bpfalg/bpfalg.conf.example:644; do
		[ -f "$d/${f%:*}" ] || { echo "make install: no $d/${f%:*}"; exit 1; }
		[ "$(stat -c %a "$d/${f%:*}")" = "${f#*:}" ] || { echo "${f%:*}: mode $(stat -c %a "$d/${f%:*}"), expected ${f#*:}"; exit 1; }
	done
	[ "$(find "$d" -type f | wc -l)" -eq 6 ] || { echo "make install: unexpected files: $(cd "$d" && find . -type f | tr '\n' ' ')"; exit 1; }
	grep -qx 'ExecStart=/usr/local/sbin/algctl daemon --config /etc/bpfalg/bpfalg.conf' \
		"$d/usr/local/lib/systemd/system/bpfalg.service" ||
		{ echo "installed unit's ExecStart: $(grep ExecStart "$d/usr/local/lib/systemd/system/bpfalg.service")"; exit 1; }
	cmp -s "$d/usr/local/sbin/algctl" "$BUILD/algctl" || { echo "installed algctl differs from $BUILD/algctl"; exit 1; }
	# the operator's file survives another install, and uninstall
	echo "# edited" >>"$d/etc/bpfalg/bpfalg.conf"
	make -s --no-print-directory -o "$BUILD/algctl" OUTPUT="$BUILD" install DESTDIR="$d" >"$T/install.log" 2>&1 ||
		{ echo "second make install failed"; exit 1; }
	tail -n1 "$d/etc/bpfalg/bpfalg.conf" | grep -qx '# edited' || { echo "a second make install overwrote bpfalg.conf"; exit 1; }
	make -s --no-print-directory -o "$BUILD/algctl" OUTPUT="$BUILD" uninstall DESTDIR="$d" >"$T/uninstall.log" 2>&1 ||
		{ echo "make uninstall failed"; exit 1; }
	[ "$(cd "$d" && find . -type f)" = "./etc/bpfalg/bpfalg.conf" ] ||
		{ echo "after make uninstall: $(cd "$d" && find . -type f | tr '\n' ' ')(only etc/bpfalg/bpfalg.conf should stay)"; exit 1; }
	# PREFIX=/usr: the unit runs /usr/sbin/algctl
	make -s --no-print-directory -o "$BUILD/algctl" OUTPUT="$BUILD" install DESTDIR="$T/usr" PREFIX=/usr >/dev/null 2>&1 &&
		grep -q '^ExecStart=/usr/sbin/algctl ' "$T/usr/usr/lib/systemd/system/bpfalg.service" ||
		{ echo "PREFIX=/usr: no /usr/lib/systemd/system/bpfalg.service running /usr/sbin/algctl"; exit 1; }
}

unit_verify() {
	local d=$T/verify out
	command -v systemd-analyze >/dev/null || { echo "systemd-analyze not installed"; exit 4; }
	make -s --no-print-directory -o "$BUILD/algctl" OUTPUT="$BUILD" install DESTDIR="$d" >/dev/null 2>&1 ||
		{ echo "make install failed"; exit 1; }
	# verify checks that ExecStart exists and that man:algctl(8) resolves:
	# point them at the staged tree (the only change to the unit)
	mkdir -p "$T/unit"
	sed "s|^ExecStart=/usr/local/sbin/algctl |ExecStart=$d/usr/local/sbin/algctl |" \
		"$d/usr/local/lib/systemd/system/bpfalg.service" >"$T/unit/bpfalg.service"
	grep -q "^ExecStart=$d/" "$T/unit/bpfalg.service" || { echo "no ExecStart to point at the staged algctl"; exit 1; }
	# verify's exit status ignores unparsable settings: any output fails
	out=$(MANPATH=$d/usr/local/share/man SYSTEMD_LOG_LEVEL=notice systemd-analyze verify "$T/unit/bpfalg.service" 2>&1)
	[ $? -eq 0 ] && [ -z "$out" ] || { echo "systemd-analyze verify: $(head -c 500 <<<"$out" | tr '\n' '|')"; exit 1; }
}

unit_caps() {
	local caps set="" c out rc
	command -v setpriv >/dev/null || { echo "setpriv not installed"; exit 4; }
	[ "$(id -u)" -eq 0 ] || { echo "needs root (capability sets)"; exit 4; }
	caps=$(sed -n 's/^CapabilityBoundingSet=//p' deploy/bpfalg.service)
	[ -n "$caps" ] || { echo "the unit has no CapabilityBoundingSet"; exit 1; }
	for c in $caps; do
		c=${c#CAP_}
		set="$set,+${c,,}"
	done
	# interfaces that do not exist: algctl's capability check runs first,
	# then the loader fails on the interface (nothing is loaded)
	out=$(setpriv --inh-caps=-all --ambient-caps=-all --bounding-set=-all"$set" \
		"$ALGCTL" --pin-path /sys/fs/bpf/bpfalg-pkgtest-$$ daemon --inside bpfalg-no0 \
		--outside bpfalg-no1 --snat 192.0.2.1 --config /dev/null 2>&1)
	rc=$?
	grep -qE 'no such interface: bpfalg-no[01]' <<<"$out" && [ $rc -eq 1 ] ||
		{ echo "algctl daemon with the unit's capabilities ($caps): exit $rc: $out"; exit 1; }
	# and one capability less is refused, naming it
	out=$(setpriv --inh-caps=-all --ambient-caps=-all --bounding-set=-all"${set/,+net_raw/}" \
		"$ALGCTL" --pin-path /sys/fs/bpf/bpfalg-pkgtest-$$ daemon --inside bpfalg-no0 \
		--outside bpfalg-no1 --snat 192.0.2.1 --config /dev/null 2>&1)
	grep -q 'insufficient capabilities: CAP_NET_RAW missing' <<<"$out" ||
		{ echo "without CAP_NET_RAW: $out"; exit 1; }
	echo "$caps"
}

unit_security() {
	local d=$T/sec out score
	command -v systemd-analyze >/dev/null || { echo "systemd-analyze not installed"; exit 4; }
	mkdir -p "$d/bpfalg.service.d"
	cp deploy/bpfalg.service "$d/"
	for k in Type=notify NotifyAccess=main 'WatchdogSec=[0-9]+s' 'ExecReload=/bin/kill -HUP \$MAINPID' \
		ProtectSystem=strict ReadWritePaths=/sys/fs/bpf; do
		grep -qEx "$k" "$d/bpfalg.service" || { echo "bpfalg.service has no $k"; exit 1; }
	done
	out=$(systemd-analyze security --offline=yes "$d/bpfalg.service" 2>&1)
	score=$(sed -n 's/.*Overall exposure level for bpfalg.service: \([0-9.]*\) .*/\1/p' <<<"$out")
	[ -n "$score" ] || { echo "systemd-analyze security: $(tail -n 3 <<<"$out" | tr '\n' '|')"; exit 1; }
	awk -v s="$score" 'BEGIN { exit !(s <= 3.0) }' ||
		{ grep '✗' <<<"$out" | head -n 30; echo "exposure $score, more than 3.0"; exit 1; }
	# the Proxmox drop-in keeps it so and still verifies
	cp deploy/proxmox/bpfalg-proxmox.conf "$d/bpfalg.service.d/proxmox.conf"
	out=$(systemd-analyze security --offline=yes "$d/bpfalg.service" 2>&1)
	grep -q 'Overall exposure level for bpfalg.service: [0-2]\.\|: 3\.0 ' <<<"$out" ||
		{ echo "with the Proxmox drop-in: $(tail -n 1 <<<"$out")"; exit 1; }
	echo "exposure $score"
}

# make deb once (deb_build); the deb_* checks look at what it built
VERSION=$("$ALGCTL" --version | awk '{print $2}')
DEB=$BUILD/bpfalg_${VERSION}_$(dpkg --print-architecture).deb
DBGSYM=$BUILD/bpfalg-dbgsym_${VERSION}_$(dpkg --print-architecture).deb
deb_build() {
	local out v id
	command -v dh >/dev/null || { echo "debhelper not installed (scripts/deps.sh installs it)"; exit 1; }
	out=$(make -s --no-print-directory OUTPUT="$BUILD" deb 2>&1) ||
		{ printf '%s\n' "$out" | tail -n 15; echo "make deb failed"; exit 1; }
	[ "$(tail -n 1 <<<"$out")" = "$DEB" ] || { echo "make deb printed '$(tail -n 1 <<<"$out")', not $DEB"; exit 1; }
	v=$(dpkg-deb -f "$DEB" Version)
	[ "$v" = "$VERSION" ] || { echo "Version $v, algctl says $VERSION"; exit 1; }
	[ -f "$DBGSYM" ] || { echo "no $DBGSYM"; exit 1; }
	rm -rf "$T/deb" "$T/dbg"
	dpkg-deb -x "$DEB" "$T/deb" && dpkg-deb -x "$DBGSYM" "$T/dbg" || { echo "dpkg-deb -x failed"; exit 1; }
	id=$(readelf -n "$T/deb/usr/sbin/algctl" | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p')
	[ -n "$id" ] || { echo "the packaged algctl has no build ID"; exit 1; }
	[ -s "$T/dbg/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug" ] ||
		{ echo "bpfalg-dbgsym has no debug file for build ID $id: $(cd "$T/dbg" && find . -name '*.debug')"; exit 1; }
	readelf -S "$T/dbg/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug" | grep -q '\.debug_info' ||
		{ echo "the debug file has no .debug_info"; exit 1; }
	echo "$(basename "$DEB") $(basename "$DBGSYM")"
}

deb_lintian() {
	local out tags
	command -v lintian >/dev/null || { echo "lintian not installed (scripts/deps.sh installs it)"; exit 1; }
	[ -f "$DEB" ] || { echo "no package (deb_build failed)"; exit 1; }
	out=$(lintian --no-tag-display-limit "$DEB" "$DBGSYM" 2>&1)
	tags=$(grep -E '^[EW]: ' <<<"$out")
	[ -z "$tags" ] || { printf '%s\n' "$tags" | head -n 20; echo "lintian: $(grep -c '^E: ' <<<"$out") errors, $(grep -c '^W: ' <<<"$out") warnings"; exit 1; }
	echo "lintian: 0 errors, 0 warnings ($(grep -cE '^[IPX]: ' <<<"$out") info/pedantic/experimental)"
}

deb_hardening() {
	local bin=$T/deb/usr/sbin/algctl out
	command -v hardening-check >/dev/null || { echo "hardening-check not installed (devscripts; scripts/deps.sh installs it)"; exit 1; }
	[ -x "$bin" ] || { echo "no packaged algctl (deb_build failed)"; exit 1; }
	# the four dpkg-buildflags gives (hardening=+all); not control flow
	# integrity (-fcf-protection), which Debian 12's flags do not set
	out=$(hardening-check --nocfprotection "$bin" 2>&1) || { printf '%s\n' "$out"; echo "hardening-check failed"; exit 1; }
	for f in 'Position Independent Executable: yes' 'Stack protected: yes' \
		'Fortify Source functions: yes' 'Read-only relocations: yes' 'Immediate binding: yes'; do
		grep -qF "$f" <<<"$out" || { printf '%s\n' "$out"; echo "not: $f"; exit 1; }
	done
	readelf -S "$bin" | grep -qE '\.(symtab|debug_info)' && { echo "the packaged algctl is not stripped"; exit 1; }
	echo "PIE, stack protector, FORTIFY, RELRO + BIND_NOW, stripped"
}

deb_contents() {
	local r=$T/deb ex f o
	[ -d "$r" ] || { echo "no package (deb_build failed)"; exit 1; }
	ex=$r/usr/share/doc/bpfalg/examples/proxmox
	[ -x "$r/usr/sbin/bpfalg-hook" ] || { echo "no executable /usr/sbin/bpfalg-hook"; exit 1; }
	cmp -s "$r/usr/sbin/bpfalg-hook" deploy/proxmox/bpfalg-hook.sh || { echo "/usr/sbin/bpfalg-hook is not deploy/proxmox/bpfalg-hook.sh"; exit 1; }
	o=$(MANWIDTH=80 man -l "$r/usr/share/man/man8/bpfalg-hook.8.gz" 2>&1) && grep -q '^SYNOPSIS' <<<"$o" ||
		{ echo "bpfalg-hook(8) does not render: $(head -c 200 <<<"$o")"; exit 1; }
	for f in proxmox.conf bpfalg-proxmox.conf interfaces.example; do
		[ -f "$ex/$f" ] || { echo "no $ex/$f"; exit 1; }
	done
	grep -q '^ExecStartPre=/usr/sbin/bpfalg-hook sync --no-up$' "$ex/bpfalg-proxmox.conf" ||
		{ echo "the packaged drop-in does not run /usr/sbin/bpfalg-hook: $(grep ExecStartPre "$ex/bpfalg-proxmox.conf")"; exit 1; }
	grep -rq /usr/local "$ex" && { echo "/usr/local paths in the packaged Proxmox examples: $(grep -rl /usr/local "$ex")"; exit 1; }
	for f in README.md.gz algctl.md.gz config.md.gz deploy.md.gz copyright examples/bpfalg.conf; do
		[ -f "$r/usr/share/doc/bpfalg/$f" ] || { echo "no /usr/share/doc/bpfalg/$f"; exit 1; }
	done
	grep -q '^License: GPL-2 or BSD-2-clause$' "$r/usr/share/doc/bpfalg/copyright" || { echo "copyright: no 'License: GPL-2 or BSD-2-clause'"; exit 1; }
	grep -q 'SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause' LICENSE &&
		grep -q 'GNU GENERAL PUBLIC LICENSE' LICENSE && grep -q 'Redistributions in binary form' LICENSE ||
		{ echo "LICENSE lacks the SPDX line or one of the two texts"; exit 1; }
	# the BPF programs: a GPL-compatible license string for the kernel
	for o in "$BUILD"/xdp_alg.bpf.o "$BUILD"/tc_alg.bpf.o; do
		[ -f "$o" ] || { echo "no $o"; exit 1; }
		readelf -p license "$o" 2>/dev/null | grep -q 'Dual BSD/GPL' ||
			{ echo "$o: license section is not 'Dual BSD/GPL': $(readelf -p license "$o" 2>&1 | tr '\n' ' ')"; exit 1; }
	done
}

deps_services() {
	local s p u d e progs bad="" left="" units
	[ -x scripts/deps.sh ] || { echo "no scripts/deps.sh"; exit 1; }
	# every service of the list's packages is one deps.sh keeps off;
	# systemd (the service manager), man-db (its index timer) and
	# nftables (the host's firewall, off unless the operator enables it)
	# are the host's own
	for p in $(scripts/deps.sh --packages); do
		case $p in systemd | man-db | nftables) continue ;; esac
		units=$(dpkg -L "$p" 2>/dev/null | sed -nE 's#^(/usr)?/lib/systemd/system/([^/]+)\.(service|socket)$#\2#p; s#^/etc/init\.d/([^/]+)$#\1#p' | sort -u)
		for u in $units; do
			grep -qx "$u" <<<"$(scripts/deps.sh --services)" || left="$left $p:$u"
		done
	done
	[ -z "$left" ] || { echo "packages of deps.sh ship services it does not keep off:$left"; exit 1; }
	for s in $(scripts/deps.sh --services); do
		dpkg-query -W -f='${Status}' "$s" 2>/dev/null | grep -q "ok installed" || continue
		[ "$(systemctl is-enabled "$s.service" 2>/dev/null)" = enabled ] && bad="$bad $s(enabled)"
		if [ -d /run/systemd/system ]; then
			systemctl -q is-active "$s.service" 2>/dev/null && bad="$bad $s(active)"
		fi
		# a program of the package running as a daemon (parent PID 1)
		# in the host's network namespace; the tests' copies run in
		# namespaces of their own
		progs=" $(dpkg -L "$s" | grep -E '/s?bin/[^/]+$' | tr '\n' ' ') "
		for d in /proc/[0-9]*; do
			e=$(readlink "$d/exe" 2>/dev/null) || continue
			case $progs in *" $e "*) ;; *) continue ;; esac
			[ "$(readlink "$d/ns/net" 2>/dev/null)" = "$(readlink /proc/self/ns/net)" ] || continue
			[ "$(sed -n 's/.*) . \([0-9]*\) .*/\1/p' "$d/stat" 2>/dev/null)" = 1 ] || continue
			bad="$bad $s(pid ${d#/proc/} $e)"
		done
	done
	[ -z "$bad" ] || { echo "host services on after scripts/deps.sh:$bad"; exit 1; }
	echo "kept off: $(scripts/deps.sh --services | tr '\n' ' ')"
}

check man_commands man_commands
check man_lint man_lint
check completion_commands completion_commands
check completion_options completion_options
check completion_values completion_values
check install_layout install_layout
check unit_verify unit_verify
check unit_caps unit_caps
check unit_security unit_security
check deb_build deb_build
check deb_lintian deb_lintian
check deb_hardening deb_hardening
check deb_contents deb_contents
check deps_services deps_services
echo "$pass passed, $failn failed, $skipn skipped"
[ $failn -eq 0 ]
