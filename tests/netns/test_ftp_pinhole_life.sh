#!/bin/bash
# FTP pinholes live no longer than their control session, and one control
# connection keeps one pending data pinhole (the kernel's FTP helper keeps
# one expectation per master: a new one replaces the old).
#  1. Supersede: one control connection sends 4 PORTs naming 4 listeners of
#     its own; then one pending pinhole/expectation must exist, and a RETR
#     over the last PORT must arrive at the last listener (none at the
#     earlier three).
#  2. Close: one more PORT is left unused and the client QUITs.  bpfalg:
#     no pinhole left within 3 s of the close (counted pinholes_closed).
#     Kernel reference: the expectation lives on with its master's
#     conntrack entry (TIME_WAIT) and is only reported here; bpfalg does
#     better.
#  3. Hostile input: 40 short control connections, each 11 lines of
#     malformed PORT/EPRT between 2 valid PORTs of its own address, no
#     transfer.  bpfalg: every line answered (none stalls), 0 pinholes
#     left within 3 s after the last close.  Kernel: at most one
#     expectation per master; its helper drops a line it parses only in
#     part, so each connection stalls there (reported, the connection is
#     given up after 0.5 s).
#  4. (bpfalg) `algctl alg ftp off` removes a pending pinhole of a live
#     control connection; `on` again works as before.
# gateways: kernel bpfalg
. "$(dirname "$0")/lib.sh"
test_init
topo_setup3
gw_setup
wait_reachable

ftp_file data.bin 256K
SUM=$(sha256sum "$FTP_ROOT/data.bin" | cut -d' ' -f1)
ftp_server_start sx "$SERVER4"

# pending: N = the gateway's pending FTP data pinholes (bpfalg) or FTP
# expectations (kernel).
pending() {
	if [ "$GW_KIND" = bpfalg ]; then
		ftp_pinholes alg=ftp
		N=$PH_N
	else
		N=$(gx conntrack -L expect 2>/dev/null | grep -c 'helper=ftp')
	fi
}

# wait_pending WANT SECONDS: poll until N is WANT (or time is up).
wait_pending() {
	local i
	for i in $(seq $(($2 * 10))); do
		pending
		[ "$N" = "$1" ] && break
		sleep 0.1
	done
}

# --- 1. supersede
ftp_stats_mark
ftp_tool cx supersede --host "$SERVER4" --n 4 --file data.bin --sha "$SUM" \
	--pause "$TMPD/s" >sup.log 2>sup.err &
cl=$!
bg_track $cl
ftp_wait_file "$TMPD/s-1.ready" 25 || { wait $cl; fail "supersede client: $(tail -n1 sup.err)"; }
last=$(sed -n 's/^ports .* //p' sup.log)
pending
log "after 4 PORTs: $N pending (last port $last)"
[ "$N" -eq 1 ] || fail "4 PORTs on one control connection left $N pending pinholes/expectations, expected 1"
if [ "$GW_KIND" = bpfalg ]; then
	ftp_pinholes alg=ftp "inside=$CLIENT4:$last"
	[ "$PH_N" -eq 1 ] || fail "the pending pinhole is not the last PORT's ($CLIENT4:$last): $(printf '%s' "$PH_JSON" | head -c 400)"
fi
: >"$TMPD/s-1.go"

# --- 2. close with one unused PORT pending
ftp_wait_file "$TMPD/s-2.ready" 25 || { wait $cl; fail "supersede client: $(tail -n1 sup.err)"; }
sed 's/^/# client: /' sup.log
pending
[ "$N" -eq 1 ] || fail "one unused PORT pending: $N pinholes/expectations, expected 1"
: >"$TMPD/s-2.go"
wait $cl || fail "supersede client: $(tail -n1 sup.err)"
if [ "$GW_KIND" = bpfalg ]; then
	wait_pending 0 3
	[ "$N" -eq 0 ] || fail "$N pinholes still pending 3 s after their control connection closed: $(printf '%s' "$PH_JSON" | head -c 400)"
	ftp_check_rose ftp_pinholes_closed 4 "3 superseded and 1 closed with its connection"
	ftp_check_rose ftp_pinholes_used 1 "the last PORT's pinhole used by the RETR"
	log "bpfalg: no pinhole outlives its control connection"
else
	sleep 1
	pending
	log "kernel reference: $N expectation(s) still pending 1 s after the control connection closed (kept until the master's conntrack entry goes); bpfalg removes them at the close"
fi

# --- 3. hostile input over many short connections
pending
base=$N # kernel: part 2's expectation is still there
lt=1
[ "$GW_KIND" = kernel ] && lt=0.5 # each connection stalls there (below)
ftp_tool cx hostile --host "$SERVER4" --conns 40 --line-timeout $lt \
	>hostile.log 2>hostile.err || fail "hostile client: $(tail -n1 hostile.err)"
sed 's/^/# client: /' hostile.log
stalled=$(sed -n 's/.* \([0-9]*\) stalled$/\1/p' hostile.log)
if [ "$GW_KIND" = bpfalg ]; then
	# malformed lines pass unchanged (counted bad_input/refused), the
	# server answers them
	[ "$stalled" = 0 ] || fail "$stalled of 40 hostile control connections stalled"
	wait_pending 0 3
	[ "$N" -eq 0 ] || fail "$N pinholes outlived their 40 hostile control connections: $(printf '%s' "$PH_JSON" | head -c 400)"
	log "bpfalg: 0 pinholes left after 40 hostile control connections"
else
	pending
	N=$((N - base))
	[ "$N" -le 40 ] || fail "kernel reference: $N expectations for 40 masters (more than one each)"
	log "kernel reference: $N expectation(s) left after 40 hostile control connections (one per master at most); $stalled connections stalled (nf_conntrack_ftp drops a PORT/EPRT it parses only in part); bpfalg forwards such lines unchanged, counted"
fi

# --- 4. alg off removes what is pending
if [ "$GW_KIND" = bpfalg ]; then
	ftp_tool cx supersede --host "$SERVER4" --n 1 --file data.bin --sha "$SUM" \
		--pause "$TMPD/o" >off.log 2>off.err &
	cl=$!
	bg_track $cl
	ftp_wait_file "$TMPD/o-1.ready" 25 || { wait $cl; fail "client: $(tail -n1 off.err)"; }
	: >"$TMPD/o-1.go"
	ftp_wait_file "$TMPD/o-2.ready" 25 || { wait $cl; fail "client: $(tail -n1 off.err)"; }
	pending
	[ "$N" -eq 1 ] || fail "an unused PORT on a live connection: $N pinholes, expected 1"
	algctl alg ftp off >/dev/null || fail "algctl alg ftp off"
	wait_pending 0 3
	[ "$N" -eq 0 ] || fail "$N FTP pinholes still pending 3 s after algctl alg ftp off"
	algctl alg ftp on >/dev/null || fail "algctl alg ftp on"
	: >"$TMPD/o-2.go"
	wait $cl || fail "client: $(tail -n1 off.err)"
	log "alg ftp off removed the pending pinhole of a live control connection"
	ftp_tool cx supersede --host "$SERVER4" --n 2 --file data.bin --sha "$SUM" \
		>on.log 2>on.err || fail "after alg ftp on again: $(tail -n1 on.err)"
	log "alg ftp on again: PORT + RETR work"
fi
exit 0
