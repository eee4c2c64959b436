#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Prometheus metrics (bpfalg only: the kernel's conntrack has no such
# endpoint).  `algctl daemon --metrics 127.0.0.1:9464` in the gateway;
# curl scrapes /metrics, `promtool check metrics` (Debian's prometheus)
# must accept the exposition format with no lint problem, before and after
# an active FTP transfer (curl PORT) through the ALG.  The transfer must
# move the series: rewrites, the per-ALG rewritten event, punts, the
# latency histogram's count, pinhole hits, and the rewritten count must
# equal what `algctl stats -j` says.  Tables show occupancy and limits;
# other paths are 404, POST is 405; a malformed --metrics is a usage error
# and config show gives the address back.  The semantic families (issue 16):
# bytes by direction rise by the download, packets by verdict (punted equal
# to the ALG's punts), drops by reason (an unsolicited datagram routed
# inside), their sum the dropped verdict, build_info, GC and process
# metrics sane.  The scrape never walks the flow table: with 3,000 flows
# written into the pinned map (gc_fill), bpfalg_table_entries shows them
# after the next expiry sweep while bpfalg_scrape_entries_read (what the
# scrape itself read from maps) stays what it was on the empty table.
# gateways: kernel bpfalg
. "$(dirname "$0")/lib.sh"
test_init
[ "$GW_KIND" = bpfalg ] || skip "the metrics endpoint is bpfalg's (the kernel reference has none)"
require_cmds curl promtool
GC_FILL=${GC_FILL:-$BUILD/tests/gc_fill}
case $GC_FILL in /*) ;; *) GC_FILL=$PWD/$GC_FILL ;; esac
[ -x "$GC_FILL" ] || fail "no $GC_FILL (make all builds it)"
METRICS=127.0.0.1:9464
GW_UP_ARGS="$GW_UP_ARGS --metrics $METRICS --flows 4096"
topo_setup3
gw_setup
wait_reachable

scrape() { # FILE
	gx timeout 10 curl -sS -D "$1.hdr" -o "$1" "http://$METRICS/metrics" ||
		fail "curl http://$METRICS/metrics: exit $?"
	grep -qi '^content-type: text/plain; version=0.0.4' "$1.hdr" ||
		fail "scrape: Content-Type is not the text format 0.0.4: $(grep -i content-type "$1.hdr")"
	promtool check metrics <"$1" >"$1.lint" 2>&1 ||
		fail "promtool check metrics rejects the exposition: $(head -c 600 "$1.lint")"
}
# val FILE SERIES: the sample value of exactly that series
val() {
	awk -v k="$2" '$1 == k { print $2; found = 1 } END { if (!found) print "missing" }' "$1"
}
rose() { # SERIES MIN
	local a b
	a=$(val m1 "$1") b=$(val m2 "$1")
	[ "$a" != missing ] && [ "$b" != missing ] || fail "series $1 missing (before $a, after $b)"
	awk -v a="$a" -v b="$b" -v m="$2" 'BEGIN { exit !(b - a >= m) }' ||
		fail "$1 went $a -> $b, expected to rise by >= $2"
	log "$1: $a -> $b"
}

sum() { # FILE REGEX: the sum of the samples whose series matches
	awk -v re="$2" '$1 ~ re { s += $2 } END { printf "%.0f\n", s }' "$1"
}
# wait_sweep FILE: scrape into FILE once two more expiry sweeps completed
# (the second one started after this call: its census is newer)
wait_sweep() {
	local s0 i
	scrape "$1"
	s0=$(val "$1" bpfalg_gc_sweeps_total)
	for i in $(seq 60); do
		scrape "$1"
		[ "$(val "$1" bpfalg_gc_sweeps_total)" -ge $((s0 + 2)) ] && return 0
		sleep 0.25
	done
	fail "no two expiry sweeps within 15 s (bpfalg_gc_sweeps_total $s0 -> $(val "$1" bpfalg_gc_sweeps_total))"
}

scrape m1
log "first scrape: $(grep -vc '^#' m1) samples, promtool clean"
for s in 'bpfalg_table_max_entries{table="flows4"} 4096' \
	'bpfalg_controller_up 1' 'bpfalg_event_subscribers{kind="events"} 0'; do
	grep -qxF "$s" m1 || fail "first scrape lacks '$s': $(grep -F "${s%% *}" m1 | head -3 | tr '\n' ';')"
done
grep -q '^bpfalg_controller_latency_seconds_bucket{le="+Inf"} ' m1 ||
	fail "no latency histogram +Inf bucket"

ftp_file m.bin 256K
ftp_server_start sx "$SERVER4"
ftp_stats_mark
ftp_fetch cx m "ftp://$SERVER4/m.bin" -P - --disable-eprt
ftp_check_rose ftp_rewritten 1 "curl PORT"
ftp_check_rose pinhole_hit 1 "curl PORT"
# an unsolicited datagram toward the inside (routed there for this alone)
sx ip route add "$INSIDE_PREFIX4" via "$GW_OUT4"
sx python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b"x" * 10, ("'"$CLIENT4"'", 4444))'
sleep 0.3
sx ip route del "$INSIDE_PREFIX4" via "$GW_OUT4"
wait_sweep m2
rose 'bpfalg_rewrites_total{alg="ftp"}' 1
rose 'bpfalg_alg_events_total{alg="ftp",event="rewritten"}' 1
rose 'bpfalg_alg_events_total{alg="ftp",event="pinholes_opened"}' 1
rose 'bpfalg_punts_total{alg="ftp",mode="on"}' 2
rose 'bpfalg_controller_latency_seconds_count' 1
rose 'bpfalg_datapath_events_total{event="pinhole_hit"}' 1
rose 'bpfalg_datapath_events_total{event="flow_new"}' 2
rose 'bpfalg_port_allocations_total{result="preserved"}' 1

# the same number as algctl stats -j (nothing moves while idle)
st=$(algctl stats -j | python3 -c 'import json,sys; print(json.load(sys.stdin)["alg_counters"]["ftp_rewritten"])')
[ "$(val m2 'bpfalg_rewrites_total{alg="ftp"}')" = "$st" ] ||
	fail "bpfalg_rewrites_total{alg=\"ftp\"} $(val m2 'bpfalg_rewrites_total{alg="ftp"}') but algctl stats says ftp_rewritten $st"
n=$(val m2 'bpfalg_table_entries{table="flows4"}')
[ "$n" != missing ] && [ "$n" -ge 2 ] || fail "bpfalg_table_entries{table=\"flows\"} is $n after an FTP transfer"
tcp=$(awk '/^bpfalg_flows\{proto="tcp"/ { s += $2 } END { print s + 0 }' m2)
[ "$tcp" -ge 2 ] || fail "bpfalg_flows{proto=\"tcp\",...} add up to $tcp, expected the control and data flows"
log "after the transfer: flows table $n entries, $tcp tcp flows by state"

# --- the semantic families
grep -qE '^bpfalg_build_info\{version="[0-9][^"]*",layout="[0-9]+",pinned_layout="[0-9]+"\} 1$' m2 ||
	fail "no bpfalg_build_info{version,layout}: $(grep build_info m2)"
rose 'bpfalg_bytes_total{direction="inbound"}' 262144
rose 'bpfalg_bytes_total{direction="outbound"}' 500
fwd=$(( $(sum m2 '^bpfalg_packets_total\{verdict="(forwarded|redirected)"') - $(sum m1 '^bpfalg_packets_total\{verdict="(forwarded|redirected)"') ))
[ "$fwd" -ge 100 ] || fail "packets forwarded or redirected rose by $fwd over a 256 KiB transfer"
p=$(val m2 'bpfalg_packets_total{verdict="punted",hook="tc"}')
q=$(sum m2 '^bpfalg_punts_total\{alg="[a-z]+",mode="on"\}')
[ "$p" = "$q" ] || fail "bpfalg_packets_total{verdict=\"punted\"} $p, but the ALGs' punts add up to $q"
rose 'bpfalg_drops_total{reason="unsolicited"}' 1
d=$(val m2 'bpfalg_packets_total{verdict="dropped",hook="tc"}')
[ "$d" = "$(sum m2 '^bpfalg_drops_total\{')" ] ||
	fail "dropped verdict $d but bpfalg_drops_total adds up to $(sum m2 '^bpfalg_drops_total\{')"
grep -q 'event="fail_policy"' m2 && fail "bpfalg_alg_events_total still has the derived fail_policy event"
grep -q 'event="bytes_' m2 && fail "bytes still in bpfalg_datapath_events_total"
now=$(date +%s)
awk -v now="$now" '
	$1 == "process_cpu_seconds_total" && $2 > 0 { ok++ }
	$1 == "process_resident_memory_bytes" && $2 > 1048576 { ok++ }
	$1 == "process_open_fds" && $2 > 3 && $2 < 1000 { ok++ }
	$1 == "process_max_fds" && $2 >= 1024 { ok++ }
	$1 == "process_start_time_seconds" && $2 > now - 3600 && $2 <= now + 1 { ok++ }
	$1 == "bpfalg_gc_last_sweep_timestamp_seconds" && $2 > now - 30 && $2 <= now + 1 { ok++ }
	END { exit ok != 6 }' m2 ||
	fail "process or GC metrics missing or off: $(grep -E '^(process_|bpfalg_gc_last)' m2 | tr '\n' ';')"
log "bytes in/out, verdicts (punted $p, dropped $d), drop reasons, build_info, process and GC metrics"

# --- a scrape reads no flow map: 3,000 flows more, the same scrape work
r1=$(val m2 bpfalg_scrape_entries_read)
"$GC_FILL" fill "$PIN" live 0 3000 "$GW_OUT4" >fill.log 2>&1 || fail "gc_fill: $(tail -n1 fill.log)"
wait_sweep m3
n=$(val m3 'bpfalg_table_entries{table="flows4"}')
[ "$n" -ge 3000 ] || fail "bpfalg_table_entries{table=\"flows4\"} $n after 3,000 flows were written and a sweep"
e=$(val m3 'bpfalg_flows{proto="tcp",state="established"}')
[ "$e" -ge 3000 ] || fail "bpfalg_flows{proto=\"tcp\",state=\"established\"} $e with 3,000 established flows"
r2=$(val m3 bpfalg_scrape_entries_read)
[ "$r2" -le $((r1 + 16)) ] ||
	fail "a scrape read $r2 map entries with 3,000 flows, $r1 without: it walks the flow table"
log "flows4 $n entries (census), established $e; scrape read $r1 entries before, $r2 after"

code=$(gx timeout 10 curl -s -o /dev/null -w '%{http_code}' "http://$METRICS/nope")
[ "$code" = 404 ] || fail "GET /nope answered $code, expected 404"
code=$(gx timeout 10 curl -s -o /dev/null -w '%{http_code}' -X POST "http://$METRICS/metrics")
[ "$code" = 405 ] || fail "POST /metrics answered $code, expected 405"

out=$(algctl up --inside gin --outside gout --masquerade --config /dev/null --metrics 1.2.3.4 2>&1)
rc=$?
[ $rc -eq 2 ] || fail "--metrics 1.2.3.4: exit $rc, expected 2 (usage): $out"
[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] && printf '%s' "$out" | grep -q "is not ADDR:PORT" ||
	fail "--metrics 1.2.3.4: not a one-line reason: $out"
algctl config show | grep -qxF "metrics = $METRICS" ||
	fail "config show does not say metrics = $METRICS: $(algctl config show | grep metrics)"
log "404/405, bad --metrics refused ($out), config show has the address"
exit 0
