# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
#
# TFTP peers for test_tftp*.sh (sourced after lib.sh): tftpd-hpa in the
# server namespace, the tftp-hpa client inside.  tftpd-hpa answers every
# request from a new port of its own (a forked child, RFC 1350's transfer
# ID), which is exactly what a NAT without a TFTP ALG cannot let back in.
# tftp-hpa exits 0 even when a transfer fails ("Transfer timed out",
# "Error code 1"), so a transfer counts only when the file's sha256 matches.

TFTP_ROOT=""

tftp_root_init() {
	[ -n "$TFTP_ROOT" ] && return 0
	require_cmds in.tftpd tftp
	TFTP_ROOT=$TMPD/tftproot
	# -s chroots here; -c lets a put create files: writable by all
	mkdir -p "$TFTP_ROOT" && chmod 777 "$TFTP_ROOT" || fail "TFTP root in $TMPD"
}

# tftp_file NAME BYTES: random content in the TFTP root.
tftp_file() {
	tftp_root_init
	head -c "$2" /dev/urandom >"$TFTP_ROOT/$1" && chmod 666 "$TFTP_ROOT/$1" ||
		fail "tftp_file $1"
}

# tftp_server_start NSFUNC ADDR: in.tftpd on ADDR:69 (IPv4 or IPv6) in the
# foreground (-L), tracked for teardown, returns once it listens.
tftp_server_start() {
	local x=$1 addr=$2 bind i pid
	tftp_root_init
	case $addr in *:*) bind="[$addr]:69" ;; *) bind="$addr:69" ;; esac
	$x timeout 120 in.tftpd -L -s "$TFTP_ROOT" -a "$bind" -u root -c \
		>>"$TMPD/tftpd.out" 2>&1 &
	pid=$!
	bg_track $pid
	for i in $(seq 50); do
		$x ss -lunH "sport = :69" 2>/dev/null | grep -qF -e " $addr:69 " -e "[$addr]:69 " &&
			return 0
		kill -0 "$pid" 2>/dev/null ||
			fail "in.tftpd on $bind exited: $(head -c 300 "$TMPD/tftpd.out")"
		sleep 0.1
	done
	fail "in.tftpd does not listen on $bind"
}

_tftp_host_args() { case $1 in *:*) echo "-6 $1" ;; *) echo "$1" ;; esac; }

# tftp_get NSFUNC HOST NAME [SECONDS]: download NAME into get-NAME; 0 only
# when it equals the root's NAME.  TFTP_WHY says what went wrong.
tftp_get() {
	local x=$1 host=$2 name=$3 t=${4:-10} rc
	rm -f "get-$name"
	# shellcheck disable=SC2046
	$x timeout "$t" tftp -m binary $(_tftp_host_args "$host") -c get "$name" "get-$name" \
		>"get-$name.log" 2>&1
	rc=$?
	TFTP_WHY="tftp exit $rc$([ $rc -eq 124 ] && echo ' (killed by timeout)'): $(tr '\n' ' ' <"get-$name.log" | head -c 200)"
	[ -f "get-$name" ] || { TFTP_WHY="$TFTP_WHY; nothing downloaded"; return 1; }
	[ "$(sha "get-$name")" = "$(sha "$TFTP_ROOT/$name")" ] || {
		TFTP_WHY="$TFTP_WHY; $(stat -c %s "get-$name") of $(stat -c %s "$TFTP_ROOT/$name") bytes, content differs"
		return 1
	}
}

# tftp_put NSFUNC HOST LOCAL NAME: upload LOCAL as NAME; 0 only when the
# server's copy equals LOCAL.
tftp_put() {
	local x=$1 host=$2 local=$3 name=$4 rc
	rm -f "$TFTP_ROOT/$name"
	# shellcheck disable=SC2046
	$x timeout 10 tftp -m binary $(_tftp_host_args "$host") -c put "$local" "$name" \
		>"put-$name.log" 2>&1
	rc=$?
	TFTP_WHY="tftp exit $rc: $(tr '\n' ' ' <"put-$name.log" | head -c 200)"
	[ -f "$TFTP_ROOT/$name" ] || { TFTP_WHY="$TFTP_WHY; nothing on the server"; return 1; }
	[ "$(sha "$TFTP_ROOT/$name")" = "$(sha "$local")" ] || {
		TFTP_WHY="$TFTP_WHY; server has $(stat -c %s "$TFTP_ROOT/$name") of $(stat -c %s "$local") bytes, content differs"
		return 1
	}
}

# The TFTP counters of `algctl stats -j` as "name=value ...".
TFTP_COUNTERS="tftp_dp_pinholes_opened tftp_dp_pinholes_refreshed tftp_dp_observed
tftp_bad_requests tftp_pinholes_full tftp_pinhole_conflicts tftp_pinhole_hits tftp_punted
pinhole_hit"

# tftp_stats: those counters now, from one `algctl stats -j`.
tftp_stats() {
	algctl stats -j 2>/dev/null | python3 -c '
import json, sys
try: d = json.load(sys.stdin)
except ValueError: d = {}
flat = dict(d.get("counters", {}), **d.get("alg_counters", {}))
print(" ".join("%s=%s" % (n, flat.get(n, "?")) for n in sys.argv[1:]))
' $TFTP_COUNTERS
}

# tftp_delta NAME BEFORE AFTER: how much NAME rose between two tftp_stats.
tftp_delta() {
	local a b
	a=$(printf '%s\n' $2 | sed -n "s/^$1=//p")
	b=$(printf '%s\n' $3 | sed -n "s/^$1=//p")
	case "$a$b" in
	*\?* | "") fail "counter $1 missing from algctl stats -j ($3)" ;;
	esac
	echo $((b - a))
}
