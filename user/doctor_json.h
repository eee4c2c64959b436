/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * doctor_json.h - the JSON that other tools print, read for `algctl
 * doctor` with jansson:
 *
 *   nft -j list ruleset   (libnftables-json(5)) ct helper objects and the
 *                         rules that assign them ("ct helper set"), with
 *                         the destination ports and L4 protocol each
 *                         assignment applies to (named sets, maps, verdict
 *                         maps and jumps resolved); masquerade and snat
 *                         rules with the output interfaces they apply to
 *   ip -j route / rule    whether routing is asymmetric for a device
 *                         (policy rules, multipath, a prefix routed both
 *                         through it and elsewhere)
 *
 * Pure functions of the text (no process, no syscall), so they can be fed
 * byte-exact fixtures and a fuzzer.  Anything not understood is skipped,
 * never guessed: a port restriction that cannot be resolved counts as "any
 * port", so a helper is rather reported too often than missed.  Rules made
 * by iptables-nft (xt targets) are left to the iptables-save reader.
 */
#ifndef BPFALG_DOCTOR_JSON_H
#define BPFALG_DOCTOR_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "doctor_parse.h"

struct nft_helper_obj {
	char family[8];
	char table[DP_NAME];
	char name[DP_NAME];
	char type[32]; /* kernel helper: "ftp", "sip", ... */
	__u8 l4; /* protocol tcp/udp: 6/17, 0 unknown */
	unsigned long long handle;
	bool used; /* some rule assigns it */
};

/* One helper assignment: a rule, or one helper of a rule's map. */
struct nft_helper_rule {
	char family[8];
	char table[DP_NAME];
	char chain[DP_NAME];
	char helper[DP_NAME]; /* the ct helper object's name */
	char type[32]; /* its kernel helper, "" when no such object */
	char hook[16]; /* the chain's hook, "" for a regular chain */
	__u8 l4; /* 6/17 (the object's protocol, else the rule's), 0 any */
	struct dp_ports ports;
	bool via_jump; /* port restriction inherited from jumping rules */
	bool unreached; /* a regular chain no rule jumps to: never runs */
	unsigned long long handle;
	char text[DP_TEXT]; /* the rule in nft's syntax */
};

/* A masquerade or snat rule, and where it applies. */
#define NFT_NAT_IFS 8
struct nft_nat_rule {
	char family[8];
	char table[DP_NAME];
	char chain[DP_NAME];
	char hook[16];
	char kind[12]; /* "masquerade", "snat" */
	/* oifname/oif it matches: none listed, every interface; a name
	 * ending in '*' is a wildcard; oif_neg: every interface but those;
	 * oif_any: a match that could not be read (counts as every one)
	 */
	char oif[NFT_NAT_IFS][20];
	int n_oif;
	bool oif_neg, oif_any;
	unsigned long long handle;
	char text[DP_TEXT];
};

struct nft_ruleset {
	struct nft_helper_obj *objs;
	int n_objs;
	struct nft_helper_rule *rules;
	int n_rules;
	struct nft_nat_rule *nats;
	int n_nats;
	int rules_read; /* every rule of the listing */
};

/*
 * `nft -j list ruleset` into @rs: 0; -EINVAL when it is no such document
 * (@err says why: jansson's message with line and column); -ENOMEM.  @rs
 * is to be freed either way.
 */
int nft_json_parse(struct nft_ruleset *rs, const char *text, size_t len,
		   char *err, size_t errlen);
void nft_ruleset_free(struct nft_ruleset *rs);
/* Does nat rule @r translate what leaves by @ifname? */
bool nft_nat_applies(const struct nft_nat_rule *r, const char *ifname);

/*
 * Is routing asymmetric for device @dev?  @routes: `ip -j route show table
 * all` (IPv4), @rules: `ip -j rule show` (either may be NULL).  1 with
 * the reason in @why (policy routing rules beyond the three default ones,
 * a multipath route through @dev and another device, a prefix routed both
 * through @dev and through another device); 0 not; -EINVAL unreadable.
 */
int ip_json_asymmetric(const char *routes, size_t routes_len, const char *rules,
		       size_t rules_len, const char *dev, char *why,
		       size_t whylen);

#endif
