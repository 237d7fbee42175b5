#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The coverage figure of a vmfuzz run, on the host.

A block of flatvm.ko is a call of __sanitizer_cov_trace_pc() in the module
built with KCOV instrumentation (kunit/build-modules.sh); KCOV reports the
call's return address.  This script lists the blocks from the .ko itself
(objdump -dr: the relocations naming __sanitizer_cov_trace_pc, per text
section), reads the PCs the VM printed ("vmfuzz-cov SECTION OFFSET..."
lines of the console log: the fuzz run, and `vmfuzz -R` around insmod and
rmmod), and places each block in the source with addr2line on the .ko's
debug info: the file of the outermost function (the compilation unit) for
the per-file table, the innermost source line for the list of blocks never
reached.

Prints `vm-fuzz coverage: N% of M blocks`, the driver's (module/flatvm_*.c)
and the core's (module/fv_*.c) figures, a per-file table and the driver's
blocks never reached; writes all of that, with every block never reached,
to --out.
"""
import argparse
import collections
import os
import re
import subprocess
import sys

COV_LINE = re.compile(r'(?:fvvm: )?vmfuzz-cov (\S+)((?: [0-9a-f]+)+)\s*$')
SECTION = re.compile(r'^Disassembly of section (\S+):$')
INSN = re.compile(r'^\s*([0-9a-f]+):\t((?:[0-9a-f]{2} )+)\s*\t?(.*)$')
RELOC = re.compile(r'^\s*([0-9a-f]+): R_X86_64_\w+\s+__sanitizer_cov_trace_pc')


def blocks_of(ko):
    """{section: {return offset: call offset}} from objdump -dr."""
    out = subprocess.run(['objdump', '-dr', '--insn-width=16', ko],
                         check=True, capture_output=True, text=True).stdout
    blocks = collections.defaultdict(dict)
    section = None
    last = None      # (offset, length) of the last instruction
    for line in out.splitlines():
        m = SECTION.match(line)
        if m:
            section, last = m.group(1), None
            continue
        m = RELOC.match(line)
        if m and section and last:
            off, length = last
            blocks[section][off + length] = off
            continue
        m = INSN.match(line)
        if m and section:
            last = (int(m.group(1), 16), len(m.group(2).split()))
    return blocks


def reached_of(logs):
    """{section: set of offsets} printed by the VM."""
    reached = collections.defaultdict(set)
    for log in logs:
        with open(log, errors='replace') as f:
            for line in f:
                m = COV_LINE.search(line.rstrip('\r\n'))
                if m:
                    reached[m.group(1)].update(
                        int(x, 16) for x in m.group(2).split())
    return reached


def norm(path, root):
    """A source path as the reader knows it."""
    path = os.path.normpath(path)
    if not os.path.isabs(path) and os.path.exists(
            os.path.join(root, 'module', path)):
        return 'module/' + path
    for anchor in ('/module/', '/include/flatvm/', '/include/uapi/'):
        i = path.rfind(anchor)
        if i >= 0 and 'linux-' not in path[:i].rsplit('/', 1)[-1]:
            rel = path[i + 1:]
            if os.path.exists(os.path.join(root, rel)):
                return rel
    m = re.search(r'/(include/.*|arch/.*|mm/.*)$', path)
    return 'kernel:' + m.group(1) if m else path


def locate(ko, section, offsets, root):
    """{offset: (cu file, inner file:line, inner function, outer function)}."""
    res = {}
    offsets = sorted(offsets)
    for i in range(0, len(offsets), 2000):
        chunk = offsets[i:i + 2000]
        out = subprocess.run(
            ['addr2line', '-a', '-f', '-i', '-e', ko, '-j', section] +
            ['0x%x' % o for o in chunk],
            check=True, capture_output=True, text=True).stdout.splitlines()
        cur, frames = None, []

        def flush():
            if cur is None:
                return
            if not frames:
                res[cur] = ('?', '?', '?', '?')
                return
            inner_fn, inner_loc = frames[0]
            outer_fn, outer_loc = frames[-1]
            cu = norm(outer_loc.rsplit(':', 1)[0], root)
            loc = inner_loc.split(' (')[0]
            f, _, line = loc.rpartition(':')
            res[cur] = (cu, '%s:%s' % (norm(f, root), line), inner_fn,
                        outer_fn)

        j = 0
        while j < len(out):
            if out[j].startswith('0x'):
                flush()
                cur, frames = int(out[j], 16), []
                j += 1
                continue
            frames.append((out[j], out[j + 1] if j + 1 < len(out) else '?'))
            j += 2
        flush()
    return res


def generated(outer):
    """Code the compiler adds to each file: KASAN's constructors, which
    register its globals (run by the module loader), and destructors (never
    run: 6.1's loader has no module destructors).  Not the driver's."""
    return re.match(r'_sub_[ID]_', outer) is not None


def group(cu):
    """driver (module/flatvm_*.c), core (module/fv_*.c) or other."""
    if cu.startswith('module/flatvm_') and cu.endswith('.c'):
        return 'driver'
    if cu.startswith('module/fv_') and cu.endswith('.c'):
        return 'core'
    return 'other'


def line_key(item):
    """Sort blocks by file, then line number."""
    f, _, line = item[0][0].rpartition(':')
    return (f, int(line) if line.isdigit() else 0)


def pct(a, b):
    return 100.0 * a / b if b else 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ko', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--root', default='.')
    ap.add_argument('logs', nargs='+')
    args = ap.parse_args()

    blocks = blocks_of(args.ko)
    reached = reached_of(args.logs)
    lines = []

    def say(text, stdout=True):
        lines.append(text)
        if stdout:
            print(text)

    if not any(reached.values()):
        say('vm-fuzz coverage: no KCOV data in %s' % ' '.join(args.logs))
        with open(args.out, 'w') as f:
            f.write('\n'.join(lines) + '\n')
        return 0

    unknown = sum(len(offs - set(blocks.get(sec, {})))
                  for sec, offs in reached.items())
    info = {}
    for sec, blk in blocks.items():
        where = locate(args.ko, sec, list(blk.values()), args.root)
        for ret, call in blk.items():
            info[(sec, ret)] = where.get(call, ('?', '?', '?', '?'))

    per_file = collections.defaultdict(lambda: [0, 0])
    per_group = collections.defaultdict(lambda: [0, 0])
    per_sec = collections.defaultdict(lambda: [0, 0])
    missed = collections.defaultdict(list)
    skipped = [0, 0]
    for (sec, ret), (cu, loc, fn, outer) in sorted(info.items()):
        if generated(outer):
            skipped[0] += 1
            skipped[1] += ret in reached.get(sec, ())
            continue
        hit = ret in reached.get(sec, ())
        # Own lines: the block's innermost line is in our source, not in
        # a kernel header inlined there (refcount saturation, RCU and
        # lockdep debug checks, mmap_lock tracepoints: mostly unreachable).
        own = (group(cu), not loc.startswith('kernel:'))
        for table, key in ((per_file, cu), (per_group, group(cu)),
                           (per_group, own),
                           (per_sec, sec)):
            table[key][0] += 1
            table[key][1] += hit
        if not hit:
            missed[cu].append((loc, fn, outer, sec))

    total = sum(v[0] for v in per_file.values())
    hits = sum(v[1] for v in per_file.values())
    say('vm-fuzz coverage: %.1f%% of %d blocks (flatvm.ko: %d reached)' %
        (pct(hits, total), total, hits))
    for g, name in (('driver', 'driver (module/flatvm_*.c)'),
                    ('core', 'core (module/fv_*.c)'),
                    ('other', 'other (headers inlined)')):
        b, h = per_group[g]
        ob, oh = per_group[(g, True)]
        if g != 'other':
            say('vm-fuzz coverage: %s %.1f%% of %d blocks; of its own lines '
                '%.1f%% of %d blocks (the others: kernel headers inlined)'
                % (name, pct(h, b), b, pct(oh, ob), ob))
            continue
        say('vm-fuzz coverage: %s %.1f%% of %d blocks' % (name, pct(h, b), b))
    say('vm-fuzz coverage: not counted: %d blocks of compiler-made KASAN '
        'constructors and destructors (%d reached)' % tuple(skipped))
    say('vm-fuzz coverage: by section: ' + ', '.join(
        '%s %d/%d' % (s, v[1], v[0]) for s, v in sorted(per_sec.items())))
    if unknown:
        say('vm-fuzz coverage: %d PCs reported are not blocks of %s '
            '(another build?)' % (unknown, args.ko))
    say('vm-fuzz coverage: %-34s %7s %7s %7s' % ('file', 'blocks', 'reached',
                                                   '%'))
    order = sorted(per_file, key=lambda f: ({'driver': 0, 'core': 1}.get(
        group(f), 2), f))
    for f in order:
        b, h = per_file[f]
        say('vm-fuzz coverage: %-34s %7d %7d %6.1f%%' % (f, b, h, pct(h, b)))

    # The driver's blocks never reached go to the log; all of them to --out.
    for f in order:
        if not missed[f]:
            continue
        show = group(f) == 'driver'
        say('vm-fuzz never reached in %s (%d blocks):' % (f, len(missed[f])))
        for (loc, fn, outer, sec), n in sorted(
                collections.Counter(missed[f]).items(), key=line_key):
            where = fn if fn == outer else '%s in %s' % (fn, outer)
            say('vm-fuzz   %s %s%s%s' % (
                loc, where, '' if sec == '.text' else ' [%s]' % sec,
                ' (x%d)' % n if n > 1 else ''), show)
        if not show:
            print('vm-fuzz   (listed in %s)' % args.out)
    with open(args.out, 'w') as out:
        out.write('\n'.join(lines) + '\n')
    print('vm-fuzz coverage: full list in %s' % args.out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
