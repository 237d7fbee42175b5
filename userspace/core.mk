# The allocator core as built for the host: the very files of flatvm.ko.
# Included by userspace/Makefile; paths are relative to userspace/.
TOP		:= ..
CORE_SRCS	:= $(TOP)/module/fv_tree.c $(TOP)/module/fv_holds.c \
		   $(TOP)/module/fv_arena.c $(TOP)/module/fv_check.c \
		   harness/fv_host.c harness/fv_slab.c
CORE_HDRS	:= $(wildcard $(TOP)/include/flatvm/*.h $(TOP)/module/fv_*.h) \
		   harness/fv_host.h harness/fv_slab.h \
		   harness/fv_host_compat.h harness/fv_host_common.h
CORE_CFLAGS	:= -std=gnu11 -I$(TOP)/include/flatvm -Iharness \
		   -Wall -Wextra -Werror -Wno-unused-parameter
SAN_CFLAGS	:= -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
		   -fno-sanitize-recover=all
OPT_CFLAGS	:= -O2 -g -DNDEBUG
