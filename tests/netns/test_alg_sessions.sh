#!/bin/bash
# The controller's sessions are bounded and evicted, never failed open.
# The daemon follows at most 3 control flows per source address
# (--sessions-per-source 3).  The inside client opens 5 FTP control
# connections one after the other and leaves them idle, then downloads over
# active FTP (PORT + RETR) on the first (oldest: its session was evicted
# when the fourth came) and on the last.  Both transfers must work: the
# evicted session is rebuilt with its sequence history and knows the flow
# was greeted (ctl SEEN); bpfalg counts ftp_sessions_evicted and
# `algctl doctor` reports them.  Then, with --session-idle 3, the last
# connection stays silent for 5 s (its session is dropped, counted
# ftp_sessions_idle) and downloads again: rebuilt, it still works.
# Kernel reference: conntrack has no such table; the same transfers work.
# gateways: kernel bpfalg
GW_UP_ARGS="--sessions-per-source 3 --session-idle 3"
. "$(dirname "$0")/lib.sh"
test_init
topo_setup3
gw_setup
wait_reachable

ftp_file data.bin 128K
SUM=$(sha256sum "$FTP_ROOT/data.bin" | cut -d' ' -f1)
ftp_server_start sx "$SERVER4"
FTP_COUNTERS="$FTP_COUNTERS ftp_sessions_evicted ftp_sessions_full ftp_sessions_idle"
ftp_stats_mark
ftp_tool cx sessions --host "$SERVER4" --n 5 --file data.bin --sha "$SUM" --idle 5 \
	>sess.log 2>sess.err || fail "client: $(tail -n1 sess.err)"
sed 's/^/# client: /' sess.log
ftp_check_rose ftp_sessions_evicted 2 "5 control connections, 3 sessions per source"
ftp_check_same ftp_sessions_full "every session could be made"
ftp_check_rose ftp_sessions_idle 1 "5 s without a word, --session-idle 3"
ftp_check_rose ftp_rewritten 3 "the three PORTs rewritten"
if [ "$GW_KIND" = bpfalg ]; then
	doc=$(algctl doctor 2>&1)
	printf '%s\n' "$doc" | grep -q 'ftp: [0-9]* idle control-flow sessions\? evicted' ||
		fail "algctl doctor does not report the evictions: $(printf '%s' "$doc" | tail -n 20 | tr '\n' ' ' | head -c 600)"
	log "doctor: $(printf '%s\n' "$doc" | grep -m1 'evicted')"
fi
exit 0
