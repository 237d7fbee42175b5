#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The flatvm command on recorded debugfs text (fixtures/) and on the fake
device: exit codes, error messages, table layout, and the JSON parsed back
and compared with what the fixture says.

Usage: cli_test.py FLATVM FLATVM_FAKE FIXTURES
Prints "PASS name" / "FAIL name: why" per case, then "N passed, N failed".
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

TOOL, FAKE, FIX = sys.argv[1:4]
RESULTS = []


def run(args, tool=TOOL, env=None):
    p = subprocess.run([tool] + args, capture_output=True, text=True,
                       env=dict(os.environ, **(env or {})), timeout=60)
    return p.returncode, p.stdout, p.stderr


def case(fn):
    try:
        fn()
        RESULTS.append(True)
        print("PASS cli." + fn.__name__)
    except AssertionError as e:
        RESULTS.append(False)
        print("FAIL cli.%s: %s" % (fn.__name__, e))
    return fn


def expect(cond, why):
    if not cond:
        raise AssertionError(why)


def columns_aligned(out, ncols):
    """The header has @ncols columns and every row as many cells (cells may
    hold single blanks, columns are two blanks apart); no trailing blank."""
    lines = out.rstrip("\n").split("\n")
    for line in lines:
        cells = [c for c in line.strip().split("  ") if c.strip()]
        expect(len(cells) == ncols, "cells %r" % line)
        expect(line == line.rstrip(), "trailing blanks %r" % line)
    return lines


def dbg(name, *args, fixture="busy"):
    return run(["--debugfs", os.path.join(FIX, fixture)] + list(args) + [name])


@case
def ranges_table():
    rc, out, err = dbg("ranges")
    expect(rc == 0, "rc %d %s" % (rc, err))
    lines = columns_aligned(out, 5)
    expect(len(lines) == 6, "rows %d" % len(lines))
    expect(lines[0].split() == ["START", "END", "SIZE", "RANGE", "HOLDERS"], lines[0])
    expect(lines[2].split()[:5] == ["0x100080001000", "0x100080003000", "8.0", "KiB", "1"],
           lines[2])
    expect(lines[2].endswith("pid 96 rw-, pid 99 r--, pid 4242 r--"), lines[2])
    expect("pid 4242 rwx, pid 96 r-x" in lines[4], lines[4])
    # Right-aligned SIZE and RANGE: the columns end at the same place.
    ends = {l.index("iB") + 2 for l in lines[1:]}
    expect(len(ends) == 1, "SIZE not aligned: %s" % ends)
    starts = {l.index("pid") for l in lines[1:]}
    expect(len(starts) == 1, "HOLDERS not aligned")


@case
def ranges_json():
    rc, out, _ = dbg("ranges", "--json")
    expect(rc == 0, "rc %d" % rc)
    doc = json.loads(out)
    ex = doc["extents"]
    expect(len(ex) == 5, "extents %d" % len(ex))
    expect(ex[1] == {"start": "0x100080001000", "end": "0x100080003000", "bytes": 8192,
                     "range": 1, "holders": [
                         {"domain": 1, "pid": 96, "rights": "rw-"},
                         {"domain": 2, "pid": 99, "rights": "r--"},
                         {"domain": 3, "pid": 4242, "rights": "r--"}]}, ex[1])
    expect(ex[3]["bytes"] == 4 << 20 and ex[3]["range"] == 7, ex[3])
    expect(sum(e["bytes"] for e in ex) == 1281 * 4096, "total")


@case
def holders_table_json():
    rc, out, _ = dbg("holders")
    expect(rc == 0, "rc")
    lines = columns_aligned(out, 6)
    expect(lines[1].split() == ["3", "4242", "1026", "4.0", "MiB", "2", "mapped"], lines[1])
    expect(lines[4].split() == ["5", "1000", "0", "0", "B", "0", "-"], lines[4])
    rc, out, _ = dbg("holders", "--json")
    procs = json.loads(out)["processes"]
    expect(len(procs) == 4, "n")
    expect(procs[1] == {"domain": 1, "pid": 96, "pages": 1280, "bytes": 1280 * 4096,
                        "holds": 4, "window": True}, procs[1])
    expect(procs[3]["window"] is False, "window")


@case
def free_table_json():
    rc, out, _ = dbg("free")
    expect(rc == 0, "rc")
    lines = out.rstrip("\n").split("\n")
    expect(lines[0].split() == ["START", "END", "SIZE", "PAGES"], lines[0])
    expect(lines[1].split() == ["0x100080500000", "0x100180000000", "4.0", "GiB", "1047296"],
           lines[1])
    expect(lines[-1] == "2 free extents, 16.0 TiB free, largest 16.0 TiB", lines[-1])
    rc, out, _ = dbg("free", "--json")
    doc = json.loads(out)
    expect(doc["free_bytes"] == 17592180797440, doc["free_bytes"])
    expect(doc["largest_bytes"] == 4293918719 * 4096, "largest")
    expect([e["pages"] for e in doc["extents"]] == [1047296, 4293918719], "pages")


@case
def check_verdicts():
    rc, out, _ = dbg("check", fixture="shared")
    expect(rc == 0 and out == "ok\n", "ok: %d %r" % (rc, out))
    rc, out, _ = dbg("check", "--json", fixture="shared")
    expect(rc == 0 and json.loads(out) == {"ok": True, "error": 0}, out)
    rc, out, _ = dbg("check")
    expect(rc == 1 and "FAILED" in out and "-22" in out, "failed: %d %r" % (rc, out))
    rc, out, _ = dbg("check", "--json")
    expect(rc == 1 and json.loads(out) == {"ok": False, "error": -22}, out)


@case
def empty_module():
    for name in ("ranges", "holders"):
        rc, out, _ = dbg(name, fixture="empty")
        expect(rc == 0 and len(out.strip().split("\n")) == 1, "%s: %r" % (name, out))
        rc, out, _ = dbg(name, "--json", fixture="empty")
        expect(list(json.loads(out).values()) == [[]], out)
    rc, out, _ = dbg("ranges", fixture="shared")
    expect("pid 96 rw-, pid 99 r--" in out, out)


@case
def strict_parsing():
    """Each file with one line the parser does not know: exit 6, the file
    and line named."""
    cases = {
        "ranges": "0x100080000000-0x100080001000 range 1 holders 1:rw-\nnew stuff\n",
        "holders": "domain 1 pid 96 pages 2 holds 1 window extra\n",
        "free": "0x100080500000-0x100180000000 7 pages\n",
        "counters": "window_base 0x100080000000\nsurprise 1\n",
        "check": "maybe\n",
    }
    cmd = {"ranges": "ranges", "holders": "holders", "free": "free",
           "counters": "stats", "check": "check"}
    for name, text in cases.items():
        with tempfile.TemporaryDirectory() as d:
            for f in os.listdir(os.path.join(FIX, "busy")):
                shutil.copy(os.path.join(FIX, "busy", f), d)
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
            if name == "counters":
                rc, out, err = run(["--device", d + "/dev", "--debugfs", d, "stats"],
                                   tool=FAKE, env={"FLATVM_FAKE_LINK": d + "/dev"})
            else:
                rc, out, err = run(["--debugfs", d, cmd[name]])
            expect(rc == 6, "%s: rc %d %r" % (name, rc, err))
            expect(("%s/%s:" % (d, name)) in err, "%s: %r" % (name, err))
            expect(out == "", "%s: output %r" % (name, out))


@case
def missing_module_and_debugfs():
    rc, _, err = run(["--device", "/nonexistent/flatvm", "stats"])
    expect(rc == 3 and "not loaded" in err, "device: %d %r" % (rc, err))
    rc, _, err = run(["--device", "/nonexistent/flatvm", "query", "0x1000"])
    expect(rc == 3, "query device: %d" % rc)
    rc, _, err = run(["--debugfs", "/nonexistent/flatvm", "ranges"])
    expect(rc == 3 and "not loaded" in err, "debugfs dir: %d %r" % (rc, err))
    with tempfile.TemporaryDirectory() as d:
        rc, _, err = run(["--debugfs", d, "free"])
        expect(rc == 6 and "free: missing" in err, "file missing: %d %r" % (rc, err))
    rc, _, err = run(["--device", "/dev/null", "stats"])
    expect(rc == 7 and "not a flatvm device" in err, "not flatvm: %d %r" % (rc, err))
    # The default place: on this host either debugfs is not mounted (4), the
    # module is not loaded (3), or we are not allowed to look (5).
    rc, _, err = run(["holders"])
    expect(rc in (3, 4, 5) and err.startswith("flatvm: "), "default: %d %r" % (rc, err))
    if os.path.ismount("/sys/kernel/debug") and not os.path.exists("/sys/kernel/debug/flatvm"):
        expect(rc == 3, "mounted, no module: %d" % rc)
    if not os.path.ismount("/sys/kernel/debug"):
        expect(rc == 4 and "mount -t debugfs" in err, "not mounted: %d %r" % (rc, err))


@case
def usage_errors():
    for args in ([], ["bogus"], ["ranges", "extra"], ["query"], ["query", "zz"],
                 ["query", "0x1000", "0x2000"], ["query", "-5"], ["--nope", "stats"]):
        rc, out, err = run(args)
        expect(rc == 2, "%s: rc %d" % (args, rc))
        expect(out == "", "%s: stdout %r" % (args, out))
    rc, out, _ = run(["--help"])
    expect(rc == 0 and "usage: flatvm" in out, "help")
    rc, out, _ = run(["--version"])
    expect(rc == 0 and out.startswith("flatvm 0.1"), "version")


def fake(args):
    with tempfile.TemporaryDirectory() as d:
        return run(["--device", d + "/dev", "--debugfs", d + "/none"] + args, tool=FAKE,
                   env={"FLATVM_FAKE_LINK": d + "/dev"})


BASE = 0x100080000000


@case
def stats_fake_device():
    rc, out, err = fake(["stats", "--json"])
    expect(rc == 0, "rc %d %r" % (rc, err))
    st = json.loads(out)
    expect(st["window_base"] == hex(BASE), st["window_base"])
    expect(st["ranges"] == 2 and st["pages"] == 2 + 256, st)
    expect(st["free_bytes"] == st["window_bytes"] - (8192 + (1 << 20)), st)
    expect("debugfs" not in st, "no debugfs: no debugfs counters")
    rc, out, _ = fake(["stats"])
    lines = out.rstrip("\n").split("\n")
    expect(lines[0].split() == ["FIELD", "VALUE"], lines[0])
    row = {l[:l.index("  ")]: l[l.index("  "):].strip() for l in lines[1:]}
    expect(row["window"] == "0x100080000000-0x100480000000  16.0 GiB", row["window"])
    expect(row["ranges"] == "2" and row["pages"] == "258  (1.0 MiB)", row)
    # The value column starts at the same place on every line.
    expect(len({l.index(v) for l, v in zip(lines[1:], row.values())}) == 1, "aligned")


@case
def stats_with_debugfs_counters():
    with tempfile.TemporaryDirectory() as d:
        rc, out, err = run(["--device", d + "/dev", "--debugfs",
                            os.path.join(FIX, "busy"), "stats", "--json"],
                           tool=FAKE, env={"FLATVM_FAKE_LINK": d + "/dev"})
    expect(rc == 0, "rc %d %r" % (rc, err))
    dc = json.loads(out)["debugfs"]
    expect(dc == {"free_extents": 2, "metadata_bytes": 1024,
                  "max_user_bytes": 1099511627776, "max_user_ranges": 65536,
                  "max_user_records": 131072,
                  "users": [{"uid": 0, "pages": 1280, "bytes": 5242880, "ranges": 2,
                             "records": 5},
                            {"uid": 1000, "pages": 1, "bytes": 4096, "ranges": 1,
                             "records": 4}]}, dc)


@case
def query_fake_device():
    rc, out, err = fake(["query", hex(BASE + 100), "--json"])
    expect(rc == 0, "rc %d %r" % (rc, err))
    q = json.loads(out)
    expect(q == {"address": hex(BASE + 100), "range": 1, "range_start": hex(BASE),
                 "range_bytes": 8192, "extent_start": hex(BASE), "extent_bytes": 8192,
                 "rights": "rw-", "holders": 1, "mapped": True}, q)
    rc, out, _ = fake(["query", str(BASE + (1 << 20) + 5)])
    expect(rc == 0, "decimal rc %d" % rc)
    expect("0x100080100000-0x100080200000  1.0 MiB" in out, out)
    expect("r--" in out, out)
    rc, out, err = fake(["query", hex(BASE + 0x3000)])
    expect(rc == 1 and "does not hold the page" in err and out == "",
           "free: %d %r" % (rc, err))


n_pass = sum(RESULTS)
print("%d passed, %d failed" % (n_pass, len(RESULTS) - n_pass))
sys.exit(0 if all(RESULTS) else 1)
