#!/usr/bin/env python3
"""Workload generator of the flatvm benchmark (traces in the format of
FORMAT.md, see README-section.md).

  gen_trace.py seed [--ops N] [--procs N] [--live N] [--seed N]
      The seed thread's workload: many processes; page-sized IPC messages
      (1-4 pages) allocated by a sender, shared read-only with one peer and
      dropped soon by both; long-lived heap chunks of 1-64 MiB released whole
      or cut back; now and then a look-up as a page-fault handler would do.
      Draws its random numbers in the same order as the reference script
      ../shared/traces/gen-seed-mix.py, so equal options give an equal trace.

  gen_trace.py adversarial [--pairs N] [--ops N] [--seed N]
      Fragmentation stress: large ranges interleaved with long-lived
      one-page pins, then the large ones freed so every hole is pinned;
      then a churn of requests sized 2^k + 1 pages (worst case of buddies),
      requests a little larger than any hole, aligned requests (64 KiB,
      2 MiB, 1 GiB) and cuts out of the middle of ranges, with sharing.

  gen_trace.py holders [--ops N] [--procs N] [--live N] [--seed N]
      Holder churn, for the smoke run's checks of the full engines: ranges
      shared read-only or read-write with several processes, cut by their
      owner while shared (the pages others hold stay allocated), released
      whole by the owner before or after the sharers drop them, shared again
      in pieces after a cut, and looked up by any process at any page.

Aligned requests use the benchmark's one extension of FORMAT.md: an optional
fifth field of `a`, the alignment in bytes (`a ID BYTES PROC ALIGN`).
"""
import argparse
import random
import sys

PAGE = 4096
IPC_SIZES = (1, 1, 1, 2, 2, 3, 4)


def alloc_line(w, rid, pages, owner, align=0):
    """Writes `a`: range rid of pages pages for owner, aligned to align
    pages (0: no alignment field)."""
    tail = f' {align * PAGE}' if align else ''
    w.line(f'a {rid} {pages * PAGE} {owner}{tail}')


class Writer:
    """Buffers output lines; writes them in large blocks."""

    def __init__(self, out):
        self.out = out
        self.buf = []

    def line(self, text):
        self.buf.append(text)
        if len(self.buf) >= 65536:
            self.flush()

    def flush(self):
        if self.buf:
            self.out.write('\n'.join(self.buf))
            self.out.write('\n')
            self.buf = []


def seed_mix(args, w):
    rnd = random.Random(args.seed)
    procs = args.procs
    # id -> [owner, pages, is_heap, peers]
    ranges = {}
    picks = []          # ids in allocation order; dead ones pruned lazily
    next_id = 0
    w.line(f'# seed-mix ops={args.ops} procs={procs} live={args.live} '
           f'seed={args.seed}')
    for _ in range(args.ops):
        r = rnd.random()
        if not ranges or (len(ranges) < args.live and r < 0.55):
            next_id += 1
            owner = rnd.randrange(procs)
            if rnd.random() < 0.9:
                pages = rnd.choice(IPC_SIZES)
                alloc_line(w, next_id, pages, owner)
                peer = (owner + 1 + rnd.randrange(procs - 1)) % procs
                w.line(f's {next_id} {peer} r')
                ranges[next_id] = [owner, pages, False, {peer}]
            else:
                pages = rnd.randint(256, 16384)
                alloc_line(w, next_id, pages, owner)
                ranges[next_id] = [owner, pages, True, set()]
            picks.append(next_id)
            continue
        # Pick a live range uniformly; swap-remove dead ids met on the way.
        while True:
            i = rnd.randrange(len(picks))
            rid = picks[i]
            if rid in ranges:
                break
            picks[i] = picks[-1]
            picks.pop()
        rec = ranges[rid]
        owner, pages, heap, peers = rec
        if r < 0.75 and peers:
            w.line(f'd {rid} {peers.pop()}')
        elif r < 0.80:
            w.line(f'q {rid} {rnd.randrange(pages) * PAGE} {owner}')
        elif heap and pages > 2 and rnd.random() < 0.3:
            keep = rnd.randint(1, pages - 1)
            w.line(f'p {rid} {keep * PAGE} {(pages - keep) * PAGE}')
            rec[1] = keep
        else:
            w.line(f'f {rid}')
            for peer in peers:
                w.line(f'd {rid} {peer}')
            del ranges[rid]


class Adversary:
    """State of the adversarial trace: live ranges and how to name them."""

    def __init__(self, rnd, w, procs):
        self.rnd = rnd
        self.w = w
        self.procs = procs
        self.next_id = 0
        # id -> [owner, pages, cut, peer]; cut: a middle part was released
        self.live = {}
        self.churn = []     # ids the churn may free (pins are not here)

    def alloc(self, pages, align=0, churn=True):
        self.next_id += 1
        rid = self.next_id
        owner = self.rnd.randrange(self.procs)
        alloc_line(self.w, rid, pages, owner, align)
        self.live[rid] = [owner, pages, False, None]
        if churn:
            self.churn.append(rid)
        return rid

    def free(self, rid):
        owner, pages, cut, peer = self.live.pop(rid)
        self.w.line(f'f {rid}')
        if peer is not None:
            self.w.line(f'd {rid} {peer}')

    def pick_churn(self):
        i = self.rnd.randrange(len(self.churn))
        self.churn[i], self.churn[-1] = self.churn[-1], self.churn[i]
        return self.churn[-1]


def adversarial(args, w):
    rnd = random.Random(args.seed)
    adv = Adversary(rnd, w, 16)
    w.line(f'# adversarial pairs={args.pairs} ops={args.ops} seed={args.seed}')
    # Phase 1: large ranges separated by one-page pins that live to the end.
    big = []
    for _ in range(args.pairs):
        big.append(adv.alloc(rnd.randint(16, 1024), churn=False))
        adv.alloc(1, churn=False)
    # Phase 2: free the large ones; every hole is pinned on both sides.
    rnd.shuffle(big)
    for rid in big:
        adv.free(rid)
    # Phase 3: churn.
    for _ in range(args.ops):
        r = rnd.random()
        if adv.churn and (r < 0.45 or len(adv.churn) > args.pairs):
            rid = adv.pick_churn()
            owner, pages, cut, peer = adv.live[rid]
            if not cut and pages >= 8 and rnd.random() < 0.25:
                # Release a middle part: the range becomes two pieces.
                lo = rnd.randint(1, pages // 2)
                hi = rnd.randint(lo + 1, pages - 1)
                w.line(f'p {rid} {lo * PAGE} {(hi - lo) * PAGE}')
                adv.live[rid][2] = True
            elif rnd.random() < 0.1:
                w.line(f'q {rid} 0 {owner}')
            else:
                adv.churn.pop()
                adv.free(rid)
            continue
        if r < 0.65:
            rid = adv.alloc(rnd.randint(1, 3))
            if rnd.random() < 0.3:
                owner = adv.live[rid][0]
                peer = (owner + 1 + rnd.randrange(adv.procs - 1)) % adv.procs
                w.line(f's {rid} {peer} r')
                adv.live[rid][3] = peer
        elif r < 0.80:
            adv.alloc((1 << rnd.randint(4, 12)) + 1)
        elif r < 0.90:
            adv.alloc(rnd.randint(1100, 4096))
        elif r < 0.995:
            align = rnd.choice((16, 512))
            adv.alloc(rnd.randint(1, 2 * align), align)
        else:
            adv.alloc(rnd.randint(1, 8), 1 << 18)


def holders(args, w):
    rnd = random.Random(args.seed)
    procs = args.procs
    # id -> [owner, pages, owner_holds_something, peers]
    live = {}
    next_id = 0
    w.line(f'# holders ops={args.ops} procs={procs} live={args.live} '
           f'seed={args.seed}')
    for _ in range(args.ops):
        r = rnd.random()
        if not live or (len(live) < args.live and r < 0.25):
            next_id += 1
            owner = rnd.randrange(procs)
            pages = rnd.randint(1, 48)
            align = rnd.choice((0, 0, 0, 4, 16)) if pages > 2 else 0
            alloc_line(w, next_id, pages, owner, align)
            live[next_id] = [owner, pages, True, set()]
            continue
        rid = rnd.choice(list(live))
        owner, pages, held, peers = live[rid]
        if r < 0.45 and held and len(peers) < procs - 1:
            peer = rnd.choice([p for p in range(procs)
                               if p != owner and p not in peers])
            w.line(f's {rid} {peer} {rnd.choice(("r", "rw"))}')
            peers.add(peer)
        elif r < 0.58 and held and pages > 1:
            off = rnd.randrange(pages)
            n = rnd.randint(1, pages - off)
            w.line(f'p {rid} {off * PAGE} {n * PAGE}')
        elif r < 0.70 and peers:
            peer = rnd.choice(sorted(peers))
            w.line(f'd {rid} {peer}')
            peers.discard(peer)
        elif r < 0.90:
            who = rnd.choice([owner] + sorted(peers) + [rnd.randrange(procs)])
            w.line(f'q {rid} {rnd.randrange(pages) * PAGE} {who}')
        elif held:
            w.line(f'f {rid}')
            live[rid][2] = False
        if not live[rid][2] and not peers:
            del live[rid]
        elif not live[rid][2] and rnd.random() < 0.3:
            # Sharers outlive the owner for a while, then leave.
            for peer in sorted(peers):
                w.line(f'd {rid} {peer}')
            del live[rid]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest='kind', required=True)
    s = sub.add_parser('seed', help='the seed thread workload')
    s.add_argument('--ops', type=int, default=200000)
    s.add_argument('--procs', type=int, default=64)
    s.add_argument('--live', type=int, default=20000)
    s.add_argument('--seed', type=int, default=1)
    a = sub.add_parser('adversarial', help='fragmentation stress')
    a.add_argument('--pairs', type=int, default=20000)
    a.add_argument('--ops', type=int, default=200000)
    a.add_argument('--seed', type=int, default=1)
    h = sub.add_parser('holders', help='holder churn (smoke checks)')
    h.add_argument('--ops', type=int, default=20000)
    h.add_argument('--procs', type=int, default=5)
    h.add_argument('--live', type=int, default=200)
    h.add_argument('--seed', type=int, default=1)
    args = ap.parse_args()
    if args.kind == 'seed' and (args.procs < 2 or args.ops < 0 or
                                args.live < 1):
        ap.error('seed: need --procs >= 2, --ops >= 0, --live >= 1')
    if args.kind == 'adversarial' and (args.pairs < 1 or args.ops < 0):
        ap.error('adversarial: need --pairs >= 1, --ops >= 0')
    if args.kind == 'holders' and (args.procs < 2 or args.ops < 0 or
                                   args.live < 1):
        ap.error('holders: need --procs >= 2, --ops >= 0, --live >= 1')
    w = Writer(sys.stdout)
    if args.kind == 'seed':
        seed_mix(args, w)
    elif args.kind == 'holders':
        holders(args, w)
    else:
        adversarial(args, w)
    w.flush()


if __name__ == '__main__':
    main()
