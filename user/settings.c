// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* settings.c - see settings.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "pins.h"
#include "settings.h"

_Static_assert(BPFALG_SETTINGS_IFACES == CONFIG_MAX_INSIDE, "inside list");
_Static_assert(BPFALG_SETTINGS_IFNAME == IF_NAMESIZE, "interface names");
_Static_assert(BPFALG_SETTINGS_OUTSIDE == CONFIG_MAX_OUTSIDE, "outside list");
_Static_assert(BPFALG_SETTINGS_LIST == CONFIG_LIST_MAX, "lists");
_Static_assert(BPFALG_SETTINGS_PATH == CONFIG_PATH_MAX, "file name");
_Static_assert(BPFALG_SETTINGS_LISTEN == CONFIG_LISTEN_MAX, "metrics");
_Static_assert(sizeof(struct bpfalg_settings) % 8 == 0, "explicit padding");

static bool layout_ok(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return !bpf_obj_get_info_by_fd(fd, &info, &len) &&
	       info.type == BPF_MAP_TYPE_ARRAY && info.key_size == 4 &&
	       info.value_size == sizeof(struct bpfalg_settings) &&
	       info.max_entries == 1;
}

int settings_read(const char *pin_path, struct bpfalg_settings *s, char *err,
		  size_t errlen)
{
	__u32 zero = 0;
	int fd = pins_map_fd(pin_path, BPFALG_SETTINGS_PIN, err, errlen),
	    ret = 0;

	if (fd < 0) {
		if (fd == -ENOENT)
			snprintf(err, errlen,
				 "no settings under %s (bpfalg is not up, or "
				 "was brought up by an older algctl: run "
				 "algctl up)",
				 pin_path);
		return fd;
	}
	if (!layout_ok(fd)) {
		snprintf(err, errlen,
			 "%s/%s holds another settings layout than this "
			 "algctl (v%d): run algctl up",
			 pin_path, BPFALG_SETTINGS_PIN,
			 BPFALG_SETTINGS_VERSION);
		ret = -EPROTO;
	} else if (bpf_map_lookup_elem(fd, &zero, s)) {
		ret = -errno;
		snprintf(err, errlen, "cannot read %s/%s: %s", pin_path,
			 BPFALG_SETTINGS_PIN, strerror(errno));
	} else if (s->version != BPFALG_SETTINGS_VERSION ||
		   s->size != sizeof(*s)) {
		snprintf(err, errlen,
			 "%s/%s holds settings v%u, this algctl reads v%d: "
			 "run algctl up",
			 pin_path, BPFALG_SETTINGS_PIN, s->version,
			 BPFALG_SETTINGS_VERSION);
		ret = -EPROTO;
	}
	close(fd);
	return ret;
}

/* The pinned map, created (or re-created over another layout) if need be. */
static int settings_fd(const char *pin_path, char *err, size_t errlen)
{
	char path[512];
	int fd;

	if (pins_path(path, sizeof(path), pin_path, BPFALG_SETTINGS_PIN)) {
		snprintf(err, errlen, "pin path too long: %s", pin_path);
		return -ENAMETOOLONG;
	}
	fd = bpf_obj_get(path);
	if (fd >= 0 && layout_ok(fd))
		return fd;
	if (fd >= 0) {
		/* nothing in the kernel uses it: replace it */
		close(fd);
		unlink(path);
	}
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "bpfalg_settings",
			    sizeof(__u32), sizeof(struct bpfalg_settings), 1,
			    NULL);
	if (fd < 0) {
		fd = -errno;
		snprintf(err, errlen, "cannot create the settings map: %s",
			 strerror(-fd));
		return fd;
	}
	if (bpf_obj_pin(fd, path)) {
		int ret = -errno;

		snprintf(err, errlen, "cannot pin %s: %s", path,
			 strerror(errno));
		close(fd);
		return ret;
	}
	return fd;
}

int settings_write(const char *pin_path, struct bpfalg_settings *s, char *err,
		   size_t errlen)
{
	struct bpfalg_settings old;
	__u32 zero = 0;
	int fd = settings_fd(pin_path, err, errlen), ret = 0;

	if (fd < 0)
		return fd;
	s->version = BPFALG_SETTINGS_VERSION;
	s->size = sizeof(*s);
	s->writer_pid = (__u32)getpid();
	s->generation = 1;
	if (!bpf_map_lookup_elem(fd, &zero, &old) &&
	    old.version == BPFALG_SETTINGS_VERSION)
		s->generation = old.generation + 1;
	if (bpf_map_update_elem(fd, &zero, s, BPF_ANY)) {
		ret = -errno;
		snprintf(err, errlen, "cannot write the settings map: %s",
			 strerror(errno));
	}
	close(fd);
	return ret;
}

int settings_store(const char *pin_path, const struct up_config *uc,
		   bool controller, char *err, size_t errlen)
{
	struct bpfalg_settings s = {}, old;
	char ignored[256];
	bool have = !settings_read(pin_path, &old, ignored, sizeof(ignored));

	if (controller || !have) {
		s.pinhole_timeout = uc->pinhole_timeout;
		s.pinholes_per_flow = uc->pinholes_per_flow;
		s.ftp_pinholes = uc->ftp_pinholes;
		s.max_sessions = uc->max_sessions;
		s.sessions_per_source = uc->sessions_per_source;
		s.session_idle = uc->session_idle;
		s.min_data_port = uc->min_data_port;
		memcpy(s.metrics, uc->metrics, sizeof(s.metrics));
		s.log_level = uc->log_level;
	} else {
		s.pinhole_timeout = old.pinhole_timeout;
		s.pinholes_per_flow = old.pinholes_per_flow;
		s.ftp_pinholes = old.ftp_pinholes;
		s.max_sessions = old.max_sessions;
		s.sessions_per_source = old.sessions_per_source;
		s.session_idle = old.session_idle;
		s.min_data_port = old.min_data_port;
		memcpy(s.metrics, old.metrics, sizeof(s.metrics));
		s.log_level = old.log_level;
	}
	s.xdp_mode = uc->xdp_mode;
	s.xdp_fast = uc->xdp_fast;
	s.tc_fast = uc->tc_fast;
	s.tc_mode = uc->tc_mode;
	s.flows = uc->flows;
	s.n_inside = uc->n_inside;
	for (int i = 0; i < uc->n_inside; i++)
		memcpy(s.inside[i], uc->inside[i], sizeof(s.inside[i]));
	s.n_outside = uc->n_outside;
	memcpy(s.outside, uc->outside, sizeof(s.outside));
	memcpy(s.inside_prefix, uc->inside_prefix, sizeof(s.inside_prefix));
	s.inside_prefix[sizeof(s.inside_prefix) - 1] = '\0';
	for (int a = 1; a < BPFALG_ALG_MAX; a++)
		memcpy(s.deny[a],
		       have && !(uc->alg_set[a] & ALG_SET_DENY) ?
			       old.deny[a] :
			       uc->alg_deny[a],
		       sizeof(s.deny[a]));
	memcpy(s.sip_invite_from,
	       have && !(uc->alg_set[BPFALG_ALG_SIP] & ALG_SET_INVITE) ?
		       old.sip_invite_from :
		       uc->sip_invite_from,
	       sizeof(s.sip_invite_from));
	memcpy(s.config_file, uc->config_file, sizeof(s.config_file));
	/* the strings are NUL-terminated whatever the old pin held */
	for (int a = 0; a < BPFALG_ALG_MAX; a++)
		s.deny[a][sizeof(s.deny[a]) - 1] = '\0';
	s.sip_invite_from[sizeof(s.sip_invite_from) - 1] = '\0';
	s.metrics[sizeof(s.metrics) - 1] = '\0';
	return settings_write(pin_path, &s, err, errlen);
}

int settings_policy(const struct bpfalg_settings *s, unsigned int alg,
		    struct alg_policy *p, char *err, size_t errlen)
{
	char list[BPFALG_SETTINGS_LIST];

	if (alg >= BPFALG_ALG_MAX) {
		snprintf(err, errlen, "no ALG %u", alg);
		return -1;
	}
	/* a copy: the map's bytes need not be NUL-terminated */
	memcpy(list, s->deny[alg], sizeof(list));
	list[sizeof(list) - 1] = '\0';
	return alg_policy_parse(p, list, err, errlen);
}
