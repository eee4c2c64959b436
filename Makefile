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
#   make deb        $(OUTPUT)/bpfalg_VERSION_ARCH.deb (debhelper, debian/)
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

# Hardening as Debian builds its packages (dpkg-buildflags with
# hardening=+all, the same as debian/rules): -fstack-protector-strong,
# _FORTIFY_SOURCE=2, -Werror=format-security, full RELRO (-z relro -z now);
# PIE is gcc's default on Debian.  CFLAGS, CPPFLAGS and LDFLAGS given on the
# command line or in the environment (dpkg-buildpackage sets them) win.  No
# -ffile-prefix-map (reproducible=-fixfilepath,-fixdebugpath): the flags do
# not depend on the directory, so `make deb`, which builds from another one,
# reuses what `make` built.  Not for the BPF objects (BPF_CFLAGS).
HARDENING_BUILDFLAGS := DEB_BUILD_MAINT_OPTIONS='hardening=+all reproducible=-fixfilepath,-fixdebugpath' \
	dpkg-buildflags --get
CFLAGS ?= $(shell $(HARDENING_BUILDFLAGS) CFLAGS 2>/dev/null)
CPPFLAGS ?= $(shell $(HARDENING_BUILDFLAGS) CPPFLAGS 2>/dev/null)
LDFLAGS ?= $(shell $(HARDENING_BUILDFLAGS) LDFLAGS 2>/dev/null)

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	-I. -Iinclude -Ibpf
USER_CFLAGS := -g -O2 -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wno-missing-field-initializers -D_GNU_SOURCE -std=gnu11 \
	-Iinclude -Iuser -I$(OUTPUT) $(shell pkg-config --cflags libnl-3.0 libnl-route-3.0 libmicrohttpd libpcap 2>/dev/null) \
	$(CPPFLAGS) $(CFLAGS)
USER_LDLIBS := -lbpf -lelf -lz $(shell pkg-config --libs libnl-3.0 libnl-route-3.0 libmicrohttpd libpcap 2>/dev/null) -ljansson

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

# Objects are rebuilt when the flags change (after git's GIT-CFLAGS): the
# file is rewritten only when its content differs.
BUILD_FLAGS := $(CC) $(USER_CFLAGS) $(LDFLAGS) $(USER_LDLIBS)
$(OUTPUT)/.build-flags: FORCE | $(OUTPUT)
	$(Q)echo '$(BUILD_FLAGS)' | cmp -s - $@ || echo '$(BUILD_FLAGS)' >$@
.PHONY: FORCE
FORCE:

$(OUTPUT)/%.bpf.o: bpf/%.c $(BPF_HDRS) vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $* > $@

$(OUTPUT)/user/%.o: user/%.c $(USER_HDRS) $(SKELS) $(OUTPUT)/.build-flags | $(OUTPUT)/user $(OUTPUT)/user/util $(OUTPUT)/user/alg $(OUTPUT)/user/engine
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

$(OUTPUT)/algctl: $(USER_OBJS) $(OUTPUT)/.build-flags
	$(call msg,LINK,$@)
	$(Q)$(CC) $(USER_CFLAGS) $(LDFLAGS) $(USER_OBJS) -o $@ $(USER_LDLIBS)

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

# make deb: $(OUTPUT)/bpfalg_VERSION_ARCH.deb and its -dbgsym, built by
# debhelper (debian/rules binary) in $(OUTPUT)/pkg: a copy of debian/ and
# of the top-level files (times kept), links to the source directories, so
# the tree stays clean; the objects $(OUTPUT) holds are reused (same
# flags).  Prints the package's path last.
DEB_SRC_FILES := Makefile LICENSE README.md vmlinux.h
DEB_SRC_DIRS := bpf include user docs deploy
deb: $(OUTPUT)/algctl
	$(call msg,DEB,$(OUTPUT)/pkg)
	$(Q)rm -rf $(OUTPUT)/pkg && mkdir -p $(OUTPUT)/pkg && \
		cp -pR debian $(DEB_SRC_FILES) $(OUTPUT)/pkg/
	$(Q)for d in $(DEB_SRC_DIRS); do ln -s $(CURDIR)/$$d $(OUTPUT)/pkg/$$d || exit 1; done
	$(Q)rm -f $(OUTPUT)/bpfalg_*.deb $(OUTPUT)/bpfalg-dbgsym_*.deb
	$(Q)cd $(OUTPUT)/pkg && dpkg-checkbuilddeps && \
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL B=$(abspath $(OUTPUT)) \
		DEB_DESTDIR=$(abspath $(OUTPUT)) debian/rules binary >$(abspath $(OUTPUT))/deb.log 2>&1 || \
		{ tail -n 30 $(abspath $(OUTPUT))/deb.log; exit 1; }
	$(Q)ls $(OUTPUT)/bpfalg_*_$$(dpkg --print-architecture).deb

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
FUZZ_SRCS_fuzz_doctor_json := user/doctor_json.c user/doctor_parse.c
# Libraries a fuzz target links, per target.
FUZZ_LIBS_fuzz_doctor_json := -ljansson
FUZZ_SRCS_fuzz_conffile := user/conffile.c user/config.c user/forward.c user/format.c user/alg/policy.c \
	user/util/prefix.c user/util/json_writer.c

.SECONDEXPANSION:
$(OUTPUT)/fuzz/%: tests/fuzz/%.c $$(FUZZ_SRCS_$$*) $(BPF_HDRS) $(USER_HDRS) tests/bpf_shim.h | $(OUTPUT)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -D_GNU_SOURCE -Iuser $< $(FUZZ_SRCS_$*) -o $@ $(FUZZ_LIBS_$*)

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
