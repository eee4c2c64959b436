# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# bpfalg build.  Everything generated goes to $(OUTPUT) (default ./build);
# the source tree holds sources only (vmlinux.h is the one generated file
# kept at the top level, regenerate it with `make vmlinux`).
#
#   make            build BPF objects, skeletons, algctl
#   make check      install deps, build, run unit + BPF + netns tests
#   make demo       install deps, build, run the netns demo
#   make bench      benchmarks (ratios against nftables in the same run)
#   make fuzz       build libFuzzer targets
#   make k8s-rootfs the container image's content as a rootfs tarball
#   make install    algctl, unit, man page, completion, config (PREFIX, DESTDIR)
#   make deb        $(OUTPUT)/bpfalg_VERSION_ARCH.deb
#   V=1             show full commands

OUTPUT ?= build
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= cc

ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/;s/ppc64le/powerpc/')

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(patsubst $(OUTPUT)/%,%,$(2))";
endif

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	-I. -Iinclude -Ibpf
USER_CFLAGS := -g -O2 -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wno-missing-field-initializers -D_GNU_SOURCE -std=gnu11 \
	-Iinclude -Iuser -I$(OUTPUT) $(shell pkg-config --cflags libnl-3.0 libnl-route-3.0 libmicrohttpd libpcap 2>/dev/null)
USER_LDLIBS := -lbpf -lelf -lz $(shell pkg-config --libs libnl-3.0 libnl-route-3.0 libmicrohttpd libpcap 2>/dev/null)

BPF_PROGS := xdp_alg tc_alg
BPF_OBJS := $(patsubst %,$(OUTPUT)/%.bpf.o,$(BPF_PROGS))
SKELS := $(patsubst %,$(OUTPUT)/%.skel.h,$(BPF_PROGS))
BPF_HDRS := $(wildcard bpf/lib/*.h) include/bpfalg.h

# algctl: every user/ source except none; util/ shared with tests.
USER_SRCS := $(wildcard user/*.c user/util/*.c user/alg/*.c user/engine/*.c)
USER_LIB_SRCS := $(filter-out user/algctl.c,$(USER_SRCS))
USER_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(USER_SRCS))
USER_LIB_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(USER_LIB_SRCS))
USER_HDRS := $(wildcard user/*.h user/util/*.h user/alg/*.h user/engine/*.h include/*.h)

UNIT_SRCS := $(wildcard tests/unit/*.c)
BPFTEST_SRCS := $(wildcard tests/bpf/*.c)

.PHONY: all clean vmlinux check demo bench bench-smoke fuzz fuzz-smoke deps test-unit test-bpf test-netns
.DELETE_ON_ERROR:
.SECONDARY:

all: $(OUTPUT)/algctl $(OUTPUT)/xdp_pass.bpf.o $(OUTPUT)/tc_pass.bpf.o \
	$(OUTPUT)/tests/tc_count.bpf.o $(OUTPUT)/tests/tcx_tool $(OUTPUT)/tests/gc_fill

deps:
	$(Q)./scripts/deps.sh

vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux.h

$(OUTPUT) $(OUTPUT)/user $(OUTPUT)/user/util $(OUTPUT)/user/alg $(OUTPUT)/user/engine $(OUTPUT)/tests:
	$(Q)mkdir -p $@

$(OUTPUT)/%.bpf.o: bpf/%.c $(BPF_HDRS) vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $* > $@

$(OUTPUT)/user/%.o: user/%.c $(USER_HDRS) $(SKELS) | $(OUTPUT)/user $(OUTPUT)/user/util $(OUTPUT)/user/alg $(OUTPUT)/user/engine
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

$(OUTPUT)/algctl: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(USER_CFLAGS) $^ -o $@ $(USER_LDLIBS)

# Unit tests: each tests/unit/test_*.c links against the userspace objects.
$(OUTPUT)/tests/unit_tests: $(UNIT_SRCS) $(USER_LIB_OBJS) | $(OUTPUT)/tests
	$(call msg,LINK,$@)
	$(Q)$(CC) $(USER_CFLAGS) -Itests $(UNIT_SRCS) $(USER_LIB_OBJS) -o $@ $(USER_LDLIBS)

# BPF tests: bpf_prog_test_run_opts on crafted packets.
$(OUTPUT)/tests/bpf_tests: $(BPFTEST_SRCS) $(SKELS) $(USER_LIB_OBJS) | $(OUTPUT)/tests
	$(call msg,LINK,$@)
	$(Q)$(CC) $(USER_CFLAGS) -Itests $(BPFTEST_SRCS) $(USER_LIB_OBJS) -o $@ $(USER_LDLIBS)

# netns test helpers: a stand-in for a CNI's TC program, and a tcx
# attach/query tool (Debian 12's bpftool cannot attach or list tcx).
$(OUTPUT)/tests/tc_count.bpf.o: tests/netns/tc_count.bpf.c vmlinux.h | $(OUTPUT)/tests
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/tests/tcx_tool: tests/netns/tcx_tool.c | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) $< -o $@ -lbpf

# test_gc_churn's filler: a million flows written into the pinned maps in
# batches (no packets), churned while the daemon's GC runs.
$(OUTPUT)/tests/gc_fill: tests/netns/gc_fill.c include/bpfalg.h | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) $< -o $@ -lbpf

# The container image's runtime content (deploy/k8s/Containerfile) as a
# root filesystem tarball, for hosts without a container builder.
.PHONY: k8s-rootfs
k8s-rootfs: $(OUTPUT)/algctl
	$(Q)deploy/k8s/build-rootfs.sh $(OUTPUT)/algctl $(OUTPUT)/bpfalg-rootfs.tar

test-unit: $(OUTPUT)/tests/unit_tests
	$(Q)$<

test-bpf: $(OUTPUT)/tests/bpf_tests
	$(Q)$<

test-netns: all
	$(Q)ALGCTL=$(OUTPUT)/algctl BUILD=$(OUTPUT) tests/netns/run.sh

# check: the fuzz targets run briefly first (FUZZ_SECONDS each, default 8):
# a crash there fails the build before the suites run.
check: deps
	$(Q)$(MAKE) --no-print-directory all $(OUTPUT)/tests/unit_tests $(OUTPUT)/tests/bpf_tests \
		$(OUTPUT)/xdp_ceiling.bpf.o $(OUTPUT)/bench/tcp_crr
	$(Q)$(MAKE) --no-print-directory -j2 fuzz-smoke
	$(Q)BUILD=$(OUTPUT) ALGCTL=$(OUTPUT)/algctl tests/run_all.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)ALGCTL=$(OUTPUT)/algctl BUILD=$(OUTPUT) scripts/demo.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory all $(OUTPUT)/tests/bpf_tests $(OUTPUT)/xdp_ceiling.bpf.o \
		$(OUTPUT)/bench/tcp_crr
	$(Q)ALGCTL=$(OUTPUT)/algctl BUILD=$(OUTPUT) bench/run.sh

# One tiny benchmark round (format check, "N passed, N failed"; part of check).
bench-smoke: deps
	$(Q)$(MAKE) --no-print-directory all $(OUTPUT)/xdp_ceiling.bpf.o $(OUTPUT)/bench/tcp_crr
	$(Q)ALGCTL=$(OUTPUT)/algctl BUILD=$(OUTPUT) bench/smoke.sh

# Workload 3's load tool (TCP connect/request/response/close), no libraries.
$(OUTPUT)/bench/tcp_crr: bench/tcp_crr.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) $< -o $@

clean:
	$(Q)rm -rf $(OUTPUT)

# make install [PREFIX=/usr/local] [DESTDIR=]: algctl, the systemd unit,
# the man page, bash completion, and /etc/bpfalg/bpfalg.conf from the
# example unless one exists (algctl reads /etc/bpfalg/bpfalg.conf, whatever
# the PREFIX).  The BPF programs are compiled into algctl (the skeletons
# embed the objects): there are no .bpf.o files to install.
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
CONFDIR := /etc/bpfalg

.PHONY: install uninstall deb
install: $(OUTPUT)/algctl
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(CONFDIR)
	$(Q)install -m 0755 $(OUTPUT)/algctl $(DESTDIR)$(SBINDIR)/algctl
	$(Q)install -m 0644 docs/algctl.8 $(DESTDIR)$(MANDIR)/man8/algctl.8
	$(Q)sed 's|/usr/sbin/algctl|$(SBINDIR)/algctl|g' deploy/bpfalg.service \
		>$(DESTDIR)$(SYSTEMDUNITDIR)/bpfalg.service
	$(Q)chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/bpfalg.service
	$(Q)install -m 0644 deploy/algctl.bash-completion $(DESTDIR)$(BASHCOMPDIR)/algctl
	$(Q)install -m 0644 deploy/bpfalg.conf.example $(DESTDIR)$(CONFDIR)/bpfalg.conf.example
	$(Q)[ -e $(DESTDIR)$(CONFDIR)/bpfalg.conf ] || \
		install -m 0644 deploy/bpfalg.conf.example $(DESTDIR)$(CONFDIR)/bpfalg.conf

# The configuration file stays (it is the operator's); the rest goes.
uninstall:
	$(Q)rm -f $(DESTDIR)$(SBINDIR)/algctl $(DESTDIR)$(MANDIR)/man8/algctl.8 \
		$(DESTDIR)$(SYSTEMDUNITDIR)/bpfalg.service $(DESTDIR)$(BASHCOMPDIR)/algctl \
		$(DESTDIR)$(CONFDIR)/bpfalg.conf.example
	$(Q)[ ! -e $(DESTDIR)$(CONFDIR)/bpfalg.conf ] || \
		echo "kept $(DESTDIR)$(CONFDIR)/bpfalg.conf"

# make deb: $(OUTPUT)/bpfalg_VERSION_ARCH.deb, staged by install with
# Debian's paths, packed by scripts/mkdeb.sh with dpkg-deb (no network, no
# debhelper).
deb: $(OUTPUT)/algctl
	$(Q)rm -rf $(OUTPUT)/deb
	$(Q)$(MAKE) --no-print-directory -o $(OUTPUT)/algctl install \
		DESTDIR=$(abspath $(OUTPUT))/deb/debian/bpfalg \
		PREFIX=/usr SYSTEMDUNITDIR=/lib/systemd/system
	$(call msg,DEB,$(OUTPUT)/deb)
	$(Q)scripts/mkdeb.sh $(OUTPUT)/deb $(OUTPUT)

# libFuzzer targets: the datapath parser compiled as C (tests/bpf_shim.h).
# Unaligned header access is fine for the BPF target (and VLAN tags cause it):
# -fno-sanitize=alignment keeps UBSan on everything else.
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize=alignment \
	-Werror=implicit-function-declaration \
	-fno-sanitize-recover=undefined -Iinclude -Ibpf -Itests
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,$(OUTPUT)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

$(OUTPUT)/fuzz:
	$(Q)mkdir -p $@

# Userspace sources a fuzz target links (the parser under test), per target.
FUZZ_SRCS_fuzz_ftp := user/alg/ftp.c user/alg/addr.c
FUZZ_SRCS_fuzz_stream := user/engine/stream.c user/engine/packet.c user/alg/ftp.c \
	user/alg/addr.c
FUZZ_SRCS_fuzz_sip := user/alg/sip.c user/alg/sdp.c user/alg/sip_rewrite.c \
	user/alg/addr.c
FUZZ_SRCS_fuzz_sip_alg := user/alg/sip_alg.c user/alg/sip.c user/alg/sdp.c user/alg/addr.c \
	user/alg/sip_rewrite.c user/alg/policy.c user/util/prefix.c \
	user/util/log.c user/util/json_writer.c user/engine/events.c
FUZZ_SRCS_fuzz_rtsp := user/alg/rtsp.c user/alg/rtsp_alg.c user/alg/policy.c user/alg/addr.c \
	user/util/prefix.c user/util/log.c user/util/json_writer.c user/engine/events.c
FUZZ_SRCS_fuzz_engine := user/engine/engine.c user/engine/stream.c user/engine/packet.c \
	user/engine/events.c user/flowtab.c user/alg/modules.c user/alg/ftp_alg.c user/alg/ftp.c \
	user/alg/sip_alg.c user/alg/sip.c user/alg/sdp.c user/alg/sip_rewrite.c user/alg/rtsp.c \
	user/alg/rtsp_alg.c user/alg/policy.c user/alg/addr.c user/util/prefix.c user/util/log.c \
	user/util/json_writer.c
FUZZ_SRCS_fuzz_doctor := user/doctor_parse.c
FUZZ_SRCS_fuzz_conffile := user/conffile.c user/config.c user/forward.c user/format.c user/alg/policy.c \
	user/util/prefix.c user/util/json_writer.c

.SECONDEXPANSION:
$(OUTPUT)/fuzz/%: tests/fuzz/%.c $$(FUZZ_SRCS_$$*) $(BPF_HDRS) $(USER_HDRS) tests/bpf_shim.h | $(OUTPUT)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -D_GNU_SOURCE -Iuser $< $(FUZZ_SRCS_$*) -o $@

fuzz: $(FUZZ_TARGETS)

# A short fuzzing run per target over the checked-in corpus (part of check;
# `make -j2 fuzz-smoke` runs two targets at a time).
FUZZ_SMOKES := $(addsuffix .smoke,$(FUZZ_TARGETS))
.PHONY: fuzz-smoke $(FUZZ_SMOKES)
fuzz-smoke: $(FUZZ_SMOKES)
$(FUZZ_SMOKES): %.smoke: %
	$(Q)n=$$(basename $< | sed 's/^fuzz_//'); \
	mkdir -p $(OUTPUT)/fuzz/corpus-$$n; \
	$< -max_total_time=$${FUZZ_SECONDS:-8} -print_final_stats=0 -artifact_prefix=$(OUTPUT)/fuzz/ \
	    $(OUTPUT)/fuzz/corpus-$$n tests/fuzz/corpus/$$n >/dev/null 2>$(OUTPUT)/fuzz/$$n.log \
	    || { tail -30 $(OUTPUT)/fuzz/$$n.log; exit 1; }; \
	echo "fuzz $$n: ok ($$(grep -o 'cov: [0-9]*' $(OUTPUT)/fuzz/$$n.log | tail -1))"
