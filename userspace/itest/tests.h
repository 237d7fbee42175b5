/* SPDX-License-Identifier: GPL-2.0 */
/* flatvm integration tests: the list, in the order they run. */
#ifndef FLATVM_ITEST_TESTS_H
#define FLATVM_ITEST_TESTS_H

#define ITEST_LIST(X)				\
	X(alloc_touch_release)			\
	X(lazy_alloc)				\
	X(window_one_vma)			\
	X(window_reserved)			\
	X(reserve_conflict)			\
	X(rights_mmu)				\
	X(rights_per_page)			\
	X(madvise_mlock)			\
	X(mremap_refused)			\
	X(partial_release)			\
	X(munmap_releases)			\
	X(address_reuse)			\
	X(fork_inherits_nothing)		\
	X(compat_rejected)			\
	X(share_readonly)			\
	X(share_pointer)			\
	X(attach_rules)				\
	X(attach_conflict)			\
	X(owner_release_sharer_keeps)		\
	X(lazy_shared)				\
	X(revoke)				\
	X(exit_and_kill_release)		\
	X(trace_events)				\
	X(caps_per_user)			\
	X(caps_total)				\
	X(quota_address_space)		\
	X(quota_grant_and_exit)		\
	X(quota_ranges_records)		\
	X(consent)			\
	X(revoke_authority)		\
	X(stats_constant)		\
	X(device_access)			\
	X(gup_refused)				\
	X(gup_caps)				\
	X(gup_ptrace)				\
	X(bad_inputs)				\
	X(fault_nth)				\
	X(concurrent_threads)			\
	X(concurrent_processes)			\
	X(concurrent_faults)			\
	X(release_races_faults)			\
	X(revoke_races_faults)			\
	X(live_ranges)				\
	X(final_state)

#define X(name) int t_##name(void);
ITEST_LIST(X)
#undef X

#endif /* FLATVM_ITEST_TESTS_H */
