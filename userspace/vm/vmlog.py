#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge the console log of a flatvm VM run (userspace/vm/run-vm.sh).

Fails on: a step missing, with a non-zero status or without its own
`N passed, N failed` line, no FVVM-END (crash or timeout), any kernel
report (KASAN, lockdep, DEBUG_VM, WARN, BUG, Oops, kmemleak, stall), and
for the kunit step any `not ok`, a crash mid-suite, a plan not met, or
fewer suites than expected.  Objects kmemleak reports that the boot CPU
allocated in start_kernel (with ACPI, the debug kernel's early ACPI caches,
left behind when the interpreter fails to start without PCI) are counted
on one line, not judged: nothing of ours runs there.  Prints the per-suite KUnit totals, each step's
summed counts, and last a summed `N passed, N failed` line for the run.
"""
import argparse
import re
import sys

TIMESTAMP = re.compile(r'^\[\s*\d+\.\d+\]\s?')
USERLINE = re.compile(r'^\[\s*\d+\.\d+\] fvvm: (.*)$')
PLAN = re.compile(r'^(\s*)1\.\.(\d+)\s*$')
RESULT = re.compile(r'^(\s*)(ok|not ok) (\d+)(?: -)? ?([^#]*?)\s*'
                    r'(?:#\s*(SKIP|TODO)\b.*)?$')
SUBTEST = re.compile(r'^(\s*)# Subtest: (\S+)')
VERSION = re.compile(r'^(\s*)KTAP version \d+')
COUNTS = re.compile(r'\b(\d+) passed, (\d+) failed\b')

# Kernel reports that fail the run wherever they appear.
REPORTS = [
    r'BUG:', r'WARNING:', r'Oops', r'Kernel panic', r'general protection',
    r'UBSAN:', r'^INFO: ', r'Call Trace:', r'unreferenced object',
    r'kmemleak: .*suspected memory leak', r'Bad page', r'page dumped because',
    r'list_(add|del) corruption', r'self-detected stall', r'rcu_.*stall',
    r'possible (circular|recursive) locking', r'inconsistent lock state',
    r'kernel BUG at', r'invalid opcode',
    # Fault injection must not silence the detectors themselves.
    r'kmemleak: Kernel memory leak detector disabled',
    r'kmemleak: Cannot allocate',
]
REPORT = re.compile('|'.join('(?:%s)' % r for r in REPORTS))


def boot_leaks(leak):
    """The kmemleak dump without the objects start_kernel allocated (pid 0),
    and how many there were."""
    kept, boot, entry = [], 0, []
    for ln in (leak or []) + ['unreferenced object (end)']:
        if ln.startswith('unreferenced object'):
            text = '\n'.join(entry)
            if entry and 'comm "swapper/0", pid 0,' in text and \
                    ' start_kernel+' in text:
                boot += 1
            else:
                kept += entry
            entry = []
        entry.append(ln)
    return kept, boot


def section(lines, begin, end):
    """The lines between two marker lines (None when begin is missing)."""
    try:
        i = lines.index(begin)
    except ValueError:
        return None
    try:
        j = lines.index(end, i + 1)
    except ValueError:
        j = len(lines)
    return lines[i + 1:j]


class Group:
    """A KTAP (sub)test list: its plan and its results."""

    def __init__(self, name):
        self.name = name
        self.plan = None
        self.results = []   # (ok, number, name, directive, child group)


def parse_ktap(lines, errors):
    """Parse KTAP lines (any indentation); return the outermost results."""
    groups = {}
    top = None
    for raw in lines:
        line = raw.replace('\t', '    ')
        m = VERSION.match(line)
        if m:
            # A new document: a finished one one level up (the boot-time
            # "1..0" of built-in suites) is over.
            lvl = len(m.group(1)) // 4
            up = groups.get(lvl - 1)
            if up is not None and up.plan is not None and \
                    len(up.results) == up.plan:
                del groups[lvl - 1]
            groups[lvl] = Group(None)
            continue
        m = SUBTEST.match(line)
        if m:
            groups.setdefault(len(m.group(1)) // 4, Group(None)).name = \
                m.group(2)
            continue
        m = PLAN.match(line)
        if m:
            lvl = len(m.group(1)) // 4
            groups.setdefault(lvl, Group(None)).plan = int(m.group(2))
            continue
        m = RESULT.match(line)
        if not m:
            continue
        lvl = len(m.group(1)) // 4
        child = groups.pop(lvl + 1, None)
        if child is not None:
            check_plan(child, errors)
        group = groups.setdefault(lvl, Group(None))
        group.results.append((m.group(2) == 'ok', int(m.group(3)),
                              m.group(4).strip(), m.group(5), child))
        if top is None or lvl <= top:
            top = lvl
    for lvl in sorted(groups, reverse=True):
        if lvl != top:
            errors.append('KTAP: subtest %s never finished (crash?)' %
                          groups[lvl].name)
    if top is None:
        return Group(None)
    check_plan(groups[top], errors)
    return groups[top]


def check_plan(group, errors):
    if group.plan is not None and len(group.results) != group.plan:
        errors.append('KTAP: %s: %d results for a plan of %d' %
                      (group.name or 'top level', len(group.results),
                       group.plan))


def leaves(result):
    """(passed, failed, skipped) of the leaf cases under one result."""
    ok, _, name, directive, child = result
    if child is not None and child.results:
        totals = [0, 0, 0]
        for r in child.results:
            for i, v in enumerate(leaves(r)):
                totals[i] += v
        # A parent that failed without a failing leaf (e.g. its exit
        # crashed) still counts as one failure.
        if not ok and totals[1] == 0:
            totals[1] += 1
        return tuple(totals)
    if directive == 'SKIP':
        return (0, 0, 1)
    return (1, 0, 0) if ok else (0, 1, 0)


def judge_kunit(lines, expect_suites, errors):
    top = parse_ktap(lines, errors)
    passed = failed = skipped = 0
    for r in top.results:
        p, f, s = leaves(r)
        print('kunit: suite %-14s pass:%d fail:%d skip:%d total:%d' %
              (r[2], p, f, s, p + f + s))
        passed, failed, skipped = passed + p, failed + f, skipped + s
        if not r[0]:
            errors.append('KUnit suite %s: not ok' % r[2])
    if expect_suites and len(top.results) < expect_suites:
        errors.append('KUnit: %d suites reported, %d expected' %
                      (len(top.results), expect_suites))
        failed += expect_suites - len(top.results)
    print('kunit: %d suites, %d cases: %d passed, %d failed, %d skipped' %
          (len(top.results), passed + failed + skipped, passed, failed,
           skipped))
    return passed, failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--steps', required=True)
    ap.add_argument('--qemu-rc', type=int, default=0)
    ap.add_argument('--kunit-suites', type=int, default=0)
    ap.add_argument('log')
    args = ap.parse_args()

    with open(args.log, errors='replace') as f:
        console = [ln.rstrip('\r\n').replace('\r', '') for ln in f]
    # The VM's userspace output comes through the kernel log (vm-init.sh).
    lines, kernel = [], []
    for ln in console:
        m = USERLINE.match(ln)
        if m:
            lines.append(m.group(1))
        else:
            kernel.append(TIMESTAMP.sub('', ln))
    errors = []
    passed = failed = 0

    if args.qemu_rc == 124 or args.qemu_rc == 137:
        errors.append('QEMU timed out')
    if 'FVVM-END' not in lines:
        errors.append('the VM did not finish its steps (crash or timeout)')

    # Each step's programs print their own "N passed, N failed" lines.
    current = None
    step_counts = {}
    for ln in lines:
        if ln.startswith('FVVM-BEGIN '):
            current = ln.split()[1]
            step_counts[current] = [0, 0]
        elif ln.startswith('FVVM-STEP '):
            current = None
        elif current:
            m = COUNTS.search(ln)
            if m:
                step_counts[current][0] += int(m.group(1))
                step_counts[current][1] += int(m.group(2))

    status = {}
    for ln in lines:
        m = re.match(r'^FVVM-STEP (\S+) rc=(\d+)', ln)
        if m:
            status[m.group(1)] = int(m.group(2))
    for step in args.steps.split(','):
        if step not in status:
            errors.append('step %s did not report' % step)
        elif status[step]:
            errors.append('step %s exited %d' % (step, status[step]))
        if step == 'kunit':
            continue
        p, f = step_counts.get(step, [0, 0])
        if step in status and p + f == 0:
            errors.append('step %s printed no results' % step)
        print('%s: %d passed, %d failed' % (step, p, f))
        passed, failed = passed + p, failed + f

    if 'kunit' in args.steps.split(','):
        p, f = judge_kunit(kernel, args.kunit_suites, errors)
        passed, failed = passed + p, failed + f

    leak = section(lines, 'FVVM-KMEMLEAK-BEGIN', 'FVVM-KMEMLEAK-END')
    if leak is None and 'FVVM-KMEMLEAK-NONE' not in lines:
        errors.append('no kmemleak scan')
    kept, boot = boot_leaks(leak)
    if boot:
        print('kmemleak: %d objects allocated in start_kernel, not judged'
              % boot)
        if leak:
            dropped = set(leak) - set(kept)
            lines = [ln for ln in lines if ln not in dropped]
        if not any(ln.startswith('unreferenced object') for ln in kept):
            kernel = [ln for ln in kernel
                      if not re.search(r'kmemleak: \d+ new suspected', ln)]
    reports = [ln for ln in kernel + lines if REPORT.search(ln)]
    if reports:
        errors.append('%d kernel report lines, first: %s' %
                      (len(reports), reports[0]))
        for ln in reports[:20]:
            print('  report: ' + ln)

    for e in errors:
        print('vm: FAIL: ' + e)
    if errors and failed == 0:
        failed = 1
    print('%d passed, %d failed' % (passed, failed))
    return 1 if errors or failed else 0


if __name__ == '__main__':
    sys.exit(main())
