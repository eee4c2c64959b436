#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# bpfalg-hook.sh - Proxmox VE hookscript: NAT (and the ALGs) for a guest
# through bpfalg from the moment it starts until it stops.
#
# Prefix mode needs no hook: with `inside-prefix` (the guests' subnets) in
# BASE_CONFIG, bpfalg sits on OUTSIDE only and translates whatever leaves
# it from those prefixes, any guest on any bridge or tap, from its first
# packet.  The hook then keeps out of the way: guest phases change
# nothing (they only bring the datapath up if it is not, and start the
# service), `sync` writes the effective file (OUTSIDE, plus INSIDE
# interfaces if any) and runs `algctl up`, and no guest stopping ever
# takes the datapath down.  What follows is the interface mode, for
# guests whose addresses share no prefix bpfalg could be given.
#
#   bpfalg-hook.sh VMID PHASE   as Proxmox calls it (qm set VMID --hookscript
#                               local:snippets/bpfalg-hook.sh)
#   bpfalg-hook.sh sync         recompute and apply the interface set (from
#                               /etc/network/interfaces post-up, at boot,
#                               and as bpfalg.service's ExecStartPre)
#   bpfalg-hook.sh sync --no-up only write the effective configuration file
#
# post-start: the guest's NICs are found by Proxmox's names (tap<VMID>i<N>
# for a VM, veth<VMID>i<N> for a container).  A NIC on no bridge (a routed
# setup) is itself an inside interface; a NIC on a bridge makes the bridge
# inside, because that is where its traffic enters the host's routing (the
# packet's input interface bpfalg sees on the way out).  With the Proxmox
# firewall the NIC sits on fwbr<VMID>i<N>, whose fwln/fwpr<VMID>p<N> veth
# pair leads to the real bridge: both bridges are inside, because the host
# answers the guest's ARP for the gateway address on the firewall bridge
# too, and a guest that took that answer is routed from fwbr<VMID>i<N>
# (measured in tests/netns/test_proxmox_hook.sh).  The veth pair carries
# bridged frames only: nothing to attach there.  A NIC on the outside
# bridge is not NATed.
# The guest's set is remembered in STATE_DIR/VMID.
# pre-stop, post-stop: the guest's set is forgotten (post-stop also covers a
# guest that crashed or was killed, where Proxmox runs no pre-stop).
# pre-start: nothing to do (the NICs do not exist yet).
#
# Applying: the inside set is INSIDE (interfaces always inside, e.g. a
# private vmbr1) plus every remembered guest's interfaces that still exist.
# BASE_CONFIG (the bpfalg configuration file, docs/config.md) is written to
# EFFECTIVE with that inside set and OUTSIDE, then `algctl up --config
# EFFECTIVE` runs: up describes the interfaces in full, so what is no longer
# listed is detached.  bpfalg.service must run the daemon from EFFECTIVE
# too (deploy/proxmox/bpfalg-proxmox.conf, a systemd drop-in), or a daemon
# restart would bring back BASE_CONFIG's set.  With no inside interface
# left there is nothing to gateway: `algctl down`.
#
# A failure is logged (syslog tag bpfalg-hook, and stderr, which Proxmox
# shows in the task log) but never stops a guest from starting or stopping:
# the hook always exits 0 for guest phases.  `sync` exits 1 on failure.
#
# Configuration: /etc/bpfalg/proxmox.conf (BPFALG_PROXMOX_CONF overrides),
# shell variable assignments, deploy/proxmox/proxmox.conf.example.
set -u

CONF=${BPFALG_PROXMOX_CONF:-/etc/bpfalg/proxmox.conf}
OUTSIDE=vmbr0
INSIDE=""
BASE_CONFIG=/etc/bpfalg/bpfalg.conf
EFFECTIVE=/run/bpfalg/proxmox/bpfalg.conf
STATE_DIR=/run/bpfalg/proxmox/guests
PIN_PATH=/sys/fs/bpf/bpfalg
ALGCTL=algctl
SYS_NET=/sys/class/net
# start bpfalg.service when the datapath is up without a controller
# (empty: never; the tests set it empty)
SERVICE=bpfalg.service
if [ -r "$CONF" ]; then
	# shellcheck disable=SC1090 # the operator's file
	. "$CONF"
fi

log() {
	printf 'bpfalg-hook: %s\n' "$*" >&2
	command -v logger >/dev/null 2>&1 && logger -t bpfalg-hook -- "$*" 2>/dev/null
	return 0
}

exists() { [ -e "$SYS_NET/$1" ]; }
master_of() {
	m=$(readlink "$SYS_NET/$1/master" 2>/dev/null) || return 1
	printf '%s' "${m##*/}"
}

# nic_inside NIC VMID: the interfaces through which NIC's traffic is
# routed (printed, comma-separated), or nothing when it is on the outside
# bridge
nic_inside() {
	nic=$1 vmid=$2
	br=$(master_of "$nic") || {
		printf '%s' "$nic" # routed: the NIC itself
		return 0
	}
	fw=""
	case $br in
	fwbr"$vmid"i*)
		# firewall bridge: fwln<VMID>i<N> in it, its peer fwpr<VMID>p<N>
		# in the real bridge
		fw=$br
		n=${br#fwbr"$vmid"i}
		br=$(master_of "fwpr${vmid}p$n") || {
			log "$nic: firewall bridge $fw has no fwpr${vmid}p$n on a bridge: skipped"
			return 0
		}
		;;
	esac
	if [ "$br" = "$OUTSIDE" ]; then
		log "$nic: on the outside bridge $OUTSIDE, not NATed"
		return 0
	fi
	printf '%s' "${fw:+$fw,}$br"
}

# guest_ifaces VMID: the inside interfaces of a running guest, comma-separated
guest_ifaces() {
	vmid=$1 out=""
	for d in "$SYS_NET/tap${1}i"* "$SYS_NET/veth${1}i"*; do
		[ -e "$d" ] || continue
		nic=${d##*/}
		case $nic in
		tap"$vmid"i* | veth"$vmid"i*) ;;
		*) continue ;;
		esac
		# the NIC index after 'i' is digits only
		case ${nic#*"$vmid"i} in '' | *[!0-9]*) continue ;; esac
		l=$(nic_inside "$nic" "$vmid")
		[ -n "$l" ] || continue
		if [ "$l" = "$nic" ]; then
			log "VM $vmid: $nic (routed) inside"
		else
			log "VM $vmid: $nic bridged: $l inside"
		fi
		old_ifs=$IFS
		IFS=,
		for i in $l; do
			case ",$out," in *",$i,"*) continue ;; esac
			out="$out${out:+,}$i"
		done
		IFS=$old_ifs
	done
	printf '%s' "$out"
}

# inside_set: INSIDE plus the remembered guests' interfaces that exist
inside_set() {
	set_="" old_ifs=$IFS
	lists=$INSIDE
	for f in "$STATE_DIR"/*; do
		[ -f "$f" ] && lists="$lists,$(cat "$f")"
	done
	IFS=,
	for i in $lists; do
		i=$(printf '%s' "$i" | tr -d ' \t')
		[ -n "$i" ] || continue
		exists "$i" || continue
		case ",$set_," in *",$i,"*) continue ;; esac
		set_="$set_${set_:+,}$i"
	done
	IFS=$old_ifs
	printf '%s' "$set_"
}

# prefix_mode: BASE_CONFIG defines the inside by address (a non-empty
# top-level inside-prefix)
prefix_mode() {
	[ -r "$BASE_CONFIG" ] &&
		sed -n '/^[[:space:]]*\[/q;s/#.*//;s/^[[:space:]]*inside-prefix[[:space:]]*=[[:space:]]*\([^[:space:]]\)/\1/p' \
			"$BASE_CONFIG" | grep -q .
}

# write_effective INSIDE: BASE_CONFIG with the interface keys replaced
# (line for line, so algctl's FILE:LINE errors match BASE_CONFIG), or
# added at the top when it has none; an empty INSIDE leaves a comment in
# the inside line's place
write_effective() {
	[ -r "$BASE_CONFIG" ] || {
		log "cannot read $BASE_CONFIG (the bpfalg configuration: address mode, ALGs)"
		return 1
	}
	mkdir -p "${EFFECTIVE%/*}" || return 1
	awk -v ins="$1" -v outs="$OUTSIDE" -v base="$BASE_CONFIG" '
		function inside() {
			if (ins != "") print "inside = " ins
			else print "# inside: no interface (bpfalg-hook.sh)"
		}
		BEGIN { print "# written by bpfalg-hook.sh from " base ": do not edit" }
		/^[[:space:]]*\[/ && !sect {
			sect = 1
			if (!di) inside()
			if (!do_) print "outside = " outs
			di = do_ = 1
		}
		!sect && /^[[:space:]]*inside[[:space:]]*=/ { if (!di) inside(); di = 1; next }
		!sect && /^[[:space:]]*outside[[:space:]]*=/ { if (!do_) print "outside = " outs; do_ = 1; next }
		{ print }
		END {
			if (!sect && !di) inside()
			if (!sect && !do_) print "outside = " outs
		}' "$BASE_CONFIG" >"$EFFECTIVE.tmp" && mv "$EFFECTIVE.tmp" "$EFFECTIVE"
}

# sync [--no-up]: apply the current set
sync_() {
	set=$(inside_set)
	exists "$OUTSIDE" || {
		log "outside interface $OUTSIDE does not exist (OUTSIDE in $CONF)"
		return 1
	}
	# prefix mode: the datapath does not depend on the guests
	if prefix_mode; then
		write_effective "$set" || return 1
		[ "${1:-}" = --no-up ] && return 0
		apply
		return
	fi
	if [ -z "$set" ]; then
		write_effective "" || return 1
		[ "${1:-}" = --no-up ] && return 0
		if "$ALGCTL" --pin-path "$PIN_PATH" status -j 2>/dev/null | grep -q '"attached": *true'; then
			log "no inside interface left: algctl down"
			"$ALGCTL" --pin-path "$PIN_PATH" down >/dev/null || return 1
		fi
		return 0
	fi
	write_effective "$set" || return 1
	[ "${1:-}" = --no-up ] && return 0
	apply
}

# apply: algctl up from the effective file, then the controller
apply() {
	if ! out=$("$ALGCTL" --pin-path "$PIN_PATH" up --config "$EFFECTIVE" 2>&1); then
		log "algctl up --config $EFFECTIVE failed: $out"
		return 1
	fi
	if prefix_mode; then
		log "prefix mode: the inside by address, outside $OUTSIDE${set:+, inside interfaces $set too}"
	else
		log "inside $set, outside $OUTSIDE"
	fi
	# the ALGs need the controller: start the service if it is not running
	# (--no-block: a hook must not wait for systemd)
	if [ -n "$SERVICE" ] && command -v systemctl >/dev/null 2>&1 &&
		! "$ALGCTL" --pin-path "$PIN_PATH" status -j 2>/dev/null | grep -Eq '"controller": *\{ *"running": *true'; then
		systemctl --no-block start "$SERVICE" 2>/dev/null ||
			log "no controller running and $SERVICE could not be started"
	fi
	return 0
}

guest_phase() {
	vmid=$1 phase=$2
	case $vmid in '' | *[!0-9]*)
		log "'$vmid' is not a VMID (usage: bpfalg-hook.sh VMID PHASE | sync)"
		return 1
		;;
	esac
	if prefix_mode; then
		case $phase in
		post-start)
			# nothing per guest; only a datapath that is not up yet
			"$ALGCTL" --pin-path "$PIN_PATH" status -j 2>/dev/null |
				grep -q '"attached": *true' && {
				log "VM $vmid: prefix mode, nothing to attach"
				return 0
			}
			sync_
			;;
		esac
		return 0
	fi
	case $phase in
	pre-start) return 0 ;;
	post-start)
		ifs=$(guest_ifaces "$vmid")
		if [ -z "$ifs" ]; then
			log "VM $vmid: no NIC to NAT (no tap${vmid}iN/veth${vmid}iN off the outside bridge)"
			return 0
		fi
		if ! { mkdir -p "$STATE_DIR" && printf '%s\n' "$ifs" >"$STATE_DIR/$vmid"; }; then
			log "cannot write $STATE_DIR/$vmid"
			return 1
		fi
		;;
	pre-stop | post-stop)
		[ -e "$STATE_DIR/$vmid" ] || return 0
		rm -f "$STATE_DIR/$vmid"
		log "VM $vmid: $phase, its interfaces leave the inside set"
		;;
	*)
		log "unknown phase '$phase' (pre-start, post-start, pre-stop, post-stop)"
		return 0
		;;
	esac
	sync_
}

# Guests starting and stopping at once: one hook applies at a time.
if command -v flock >/dev/null 2>&1 && mkdir -p "$STATE_DIR" 2>/dev/null &&
	[ -w "$STATE_DIR" ]; then
	exec 9>"$STATE_DIR/.lock"
	flock -w 60 9 || log "no lock on $STATE_DIR/.lock after 60 s: going on"
fi

case ${1:-} in
sync)
	sync_ "${2:-}"
	exit $?
	;;
'')
	log "usage: bpfalg-hook.sh VMID PHASE | sync [--no-up]"
	exit 2
	;;
*)
	guest_phase "$1" "${2:-}"
	# never stop a guest from starting or stopping
	exit 0
	;;
esac
