// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcx_tool.c - what bpftool 7.1 (Debian 12) cannot do with tcx, for the
 * netns tests: attach a "foreign" TC program through a tcx link, as a
 * CNI would, and list the programs of an interface's tcx chain in the
 * order the kernel runs them.
 *
 *   tcx_tool attach OBJ PROG IFNAME ingress|egress LINKPIN
 *       load OBJ, attach program PROG at the end of IFNAME's tcx chain,
 *       pin the link at LINKPIN (rm LINKPIN detaches it); prints the
 *       program id
 *   tcx_tool query IFNAME ingress|egress
 *       one line per attached program: "ID NAME", first to run first
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

/* Not in Debian 12's UAPI headers; the kernel has them since 6.6. */
#define ATTACH_TCX_INGRESS ((enum bpf_attach_type)46)
#define ATTACH_TCX_EGRESS ((enum bpf_attach_type)47)

static int usage(void)
{
	fprintf(stderr, "usage: tcx_tool attach OBJ PROG IFNAME ingress|egress "
			"LINKPIN\n"
			"       tcx_tool query IFNAME ingress|egress\n");
	return 2;
}

static int parse_dir(const char *s, enum bpf_attach_type *t)
{
	if (!strcmp(s, "ingress"))
		*t = ATTACH_TCX_INGRESS;
	else if (!strcmp(s, "egress"))
		*t = ATTACH_TCX_EGRESS;
	else
		return -1;
	return 0;
}

static int do_attach(char **argv)
{
	const char *obj_path = argv[0], *prog_name = argv[1], *pin = argv[4];
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	enum bpf_attach_type type;
	int ifindex, fd;

	ifindex = if_nametoindex(argv[2]);
	if (!ifindex) {
		fprintf(stderr, "tcx_tool: no such interface: %s\n", argv[2]);
		return 1;
	}
	if (parse_dir(argv[3], &type))
		return usage();
	obj = bpf_object__open_file(obj_path, NULL);
	if (!obj) {
		fprintf(stderr, "tcx_tool: cannot open %s: %s\n", obj_path,
			strerror(errno));
		return 1;
	}
	prog = bpf_object__find_program_by_name(obj, prog_name);
	if (!prog) {
		fprintf(stderr, "tcx_tool: no program %s in %s\n", prog_name,
			obj_path);
		return 1;
	}
	/* tcx links need the program's expected attach type to match */
	bpf_program__set_expected_attach_type(prog, type);
	if (bpf_object__load(obj)) {
		fprintf(stderr, "tcx_tool: cannot load %s: %s\n", obj_path,
			strerror(errno));
		return 1;
	}
	fd = bpf_link_create(bpf_program__fd(prog), ifindex, type, NULL);
	if (fd < 0) {
		fprintf(stderr, "tcx_tool: tcx attach on %s: %s\n", argv[2],
			strerror(errno));
		return 1;
	}
	if (bpf_obj_pin(fd, pin)) {
		fprintf(stderr, "tcx_tool: cannot pin %s: %s\n", pin,
			strerror(errno));
		bpf_link_detach(fd);
		return 1;
	}
	bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len);
	printf("%u\n", info.id);
	/* the pin holds the link: it outlives this process */
	close(fd);
	bpf_object__close(obj);
	return 0;
}

static int do_query(char **argv)
{
	__u32 ids[64], cnt = 64, flags = 0;
	enum bpf_attach_type type;
	int ifindex;

	ifindex = if_nametoindex(argv[0]);
	if (!ifindex) {
		fprintf(stderr, "tcx_tool: no such interface: %s\n", argv[0]);
		return 1;
	}
	if (parse_dir(argv[1], &type))
		return usage();
	/* for tcx the query target is the ifindex, in target_fd's place */
	if (bpf_prog_query(ifindex, type, 0, &flags, ids, &cnt)) {
		fprintf(stderr, "tcx_tool: query %s %s: %s\n", argv[0], argv[1],
			strerror(errno));
		return 1;
	}
	for (__u32 i = 0; i < cnt; i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(ids[i]);

		if (fd >= 0) {
			bpf_obj_get_info_by_fd(fd, &info, &len);
			close(fd);
		}
		printf("%u %s\n", ids[i], info.name[0] ? info.name : "?");
	}
	return 0;
}

int main(int argc, char **argv)
{
	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
	if (argc == 7 && !strcmp(argv[1], "attach"))
		return do_attach(argv + 2);
	if (argc == 4 && !strcmp(argv[1], "query"))
		return do_query(argv + 2);
	return usage();
}
