#!/bin/bash
# One-way audio, diagnosed.  The UAC inside plays RTP for 7 s to a UAS
# outside that does NOT send any media back (no -rtp_echo): the audio is
# one-way whatever the gateway does, which the test first proves at the
# client (no RTP arrives on its media port) in every mode.  bpfalg must
# then say so: mid-call `algctl calls -j` marks the stream "one-way" with
# the reason "no return packets at the binding", and `algctl doctor -j`
# reports the call under its "media" check, and /metrics counts it in
# bpfalg_sip_streams{status="one-way"} (what an alert rule watches).  The
# kernel's helper has no such view: for GW=kernel the test stops after the
# one-way proof.
HERE=$(cd "$(dirname "$0")" && pwd)
# gateways: kernel bpfalg
. "$HERE/lib.sh"
test_init
require_cmds sipp
METRICS=127.0.0.1:9464
[ "$GW_KIND" = bpfalg ] && GW_UP_ARGS="$GW_UP_ARGS --metrics $METRICS"
topo_setup3
gw_setup
wait_reachable
[ "$GW_KIND" = bpfalg ] && { algctl alg sip on >/dev/null || fail "algctl alg sip on"; }

sed 's/<pause milliseconds="3000"\/>/<pause milliseconds="7000"\/>/' \
	"$HERE/sip/uac_rtp.xml" >uac_long.xml || fail "scenario"
grep -q 'milliseconds="7000"' uac_long.xml || fail "uac_rtp.xml changed: no 3 s pause to lengthen"
cp "$HERE/sip/uas_strict.xml" . || fail "scenario"
cp /usr/share/sip-tester/g711a.pcap . || fail "g711a.pcap (sip-tester)"

sx timeout 30 sipp -sf uas_strict.xml -i "$SERVER4" -p 5060 -mp 6000 \
	-m 1 -trace_err -nostdin >uas.out 2>&1 </dev/null &
UAS=$!
bg_track $UAS
wait_listen sx 5060 udp
cap_start cx cli.cap -i eth0 "udp and src host $SERVER4 and dst port 7000"
CLI_CAP=$CAP_PID

cx timeout 25 sipp -sf uac_long.xml "$SERVER4:5060" -i "$CLIENT4" -p 5060 \
	-mp 7000 -m 1 -cid_str "%u-%p@oneway.bpfalg.test" -trace_err -nostdin \
	>uac.out 2>&1 </dev/null &
UAC=$!
bg_track $UAC
if [ "$GW_KIND" = bpfalg ]; then
	sleep 6 # the stream is one-way after 4 s of silence back
	algctl calls -j >calls.json 2>&1 || fail "algctl calls -j: $(head -c 200 calls.json)"
	algctl calls >calls.txt 2>&1
	log "algctl calls: $(tr '\n' ' ' <calls.txt | head -c 500)"
	python3 - calls.json <<-'PY' || fail "algctl calls -j: $(head -c 700 calls.json)"
	import json, sys
	c = json.load(open(sys.argv[1]))["calls"][0]
	r = c["media"][0]["rtp"]
	assert c["call_id"].endswith("@oneway.bpfalg.test"), c
	assert r["packets"]["out"] > 50 and r["packets"]["in"] == 0, r
	assert r["status"] == "one-way", r
	assert "no return packets" in r["reason"], r
	PY
	gx "$ALGCTL" --pin-path "$PIN" doctor -j >doctor.json 2>doctor.err
	log "doctor exit $?: $(head -c 600 doctor.json)"
	python3 - doctor.json <<-'PY' || fail "algctl doctor did not report the one-way stream: $(head -c 900 doctor.json)"
	import json, sys
	f = [x for x in json.load(open(sys.argv[1]))["findings"] if x["check"] == "media"]
	assert any(x["severity"] == "warn" and "one-way" in x["finding"]
	           and "oneway.bpfalg.test" in x["finding"] for x in f), f
	PY
	m=$(gx timeout 10 curl -s "http://$METRICS/metrics" | grep '^bpfalg_sip_streams{status="one-way"} ')
	[ "${m##* }" = 1 ] || fail "metrics: '$m', expected bpfalg_sip_streams{status=\"one-way\"} 1"
	log "metrics: $m"
fi
wait "$UAC"
rc=$?
wait "$UAS"
kill "$CLI_CAP" 2>/dev/null
wait "$CLI_CAP" 2>/dev/null
[ $rc -eq 0 ] || fail "UAC: call failed (sipp exit $rc): $(tail -n 5 uac.out | tr '\n' ' ' | head -c 300)"
back=$(grep -c "IP $SERVER4\.6000 > $CLIENT4\.7000" cli.cap)
[ "$back" -eq 0 ] || fail "setup: $back RTP packets came back, the call is not one-way"
log "the call was one-way (0 RTP packets back to the UAC)"
exit 0
