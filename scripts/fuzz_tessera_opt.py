#!/usr/bin/env python3
"""Mutation fuzzer for tessera-opt over the lit corpus (issue 9).

Takes every test/**/*.mlir (and graph_examples/*.mlir), mutates it (byte flips,
token deletions/duplications/swaps, number changes, line splices from other
corpus files, deep nesting) and runs tessera-opt on the result with each RUN-line pipeline of
the source file. tessera-opt must end with exit 0 (accepted) or 1 (a
diagnostic); anything else -- a signal, an abort, exit 2+ -- is a crash and the
input is saved under --crash-dir with the command that reproduces it. A run
past --timeout seconds is reported as a hang (saved too).

    python scripts/fuzz_tessera_opt.py -n 10000 -j 2 --crash-dir /tmp/crashers

Deterministic for a given --seed and corpus. Prints a JSON summary (inputs,
crashes, hangs, seconds) on the last line; exits 1 when anything crashed.
"""
import argparse
import concurrent.futures as cf
import hashlib
import json
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Values that tend to break size arithmetic: zero, negatives, powers of two at
# the edges of i32/i64, and the off-by-ones next to them.
INTERESTING = ["0", "1", "-1", "2", "3", "7", "64", "65536", "2147483647",
               "2147483648", "-2147483648", "4294967296", "9223372036854775807",
               "-9223372036854775808", "18446744073709551615", "1099511627776"]
TOKEN_RE = re.compile(r'"(?:[^"\\]|\\.)*"|[%^#!@]?[\w.$-]+|->|::|\S')
NUMBER_RE = re.compile(r"(?<![\w.%#^])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?")


def corpus_files():
    files = []
    for base in ("test", "graph_examples"):
        for d, _, names in os.walk(os.path.join(ROOT, base)):
            files += [os.path.join(d, n) for n in names if n.endswith(".mlir")]
    return sorted(files)


def run_commands(path, text):
    """tessera-opt argument lists of the file's RUN lines that read %s."""
    cmds = []
    lines = [l.split("RUN:", 1)[1].strip() for l in text.splitlines() if "RUN:" in l]
    # Join continuation lines (a trailing backslash).
    joined, cur = [], ""
    for l in lines:
        if l.endswith("\\"):
            cur += l[:-1] + " "
        else:
            joined.append(cur + l)
            cur = ""
    for line in joined:
        first = line.split("|")[0].strip()
        if first.startswith("not "):
            first = first[4:].strip()
        if not first.startswith("tessera-opt") or "%s" not in first:
            continue
        try:
            args = shlex.split(first)[1:]
        except ValueError:
            continue
        out, skip = [], False
        for a in args:
            if skip:
                skip = False
                continue
            if a == "-o":
                skip = True
                continue
            if a in ("-verify-diagnostics", "--verify-diagnostics") or a.startswith("%t") \
                    or a.startswith("2>"):
                continue
            out.append(a)
        if out not in cmds:
            cmds.append(out)
    return cmds or [["%s"]]


MUTATIONS = ["flip", "del", "dup", "swap", "num", "num", "num", "num", "splice", "line", "nest"]


def mutate(rng, text, corpus_texts, kinds=MUTATIONS):
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        kind = rng.choice(kinds)
        if kind == "flip" and text:
            b = bytearray(text.encode())
            i = rng.randrange(len(b))
            b[i] = rng.choice([b[i] ^ (1 << rng.randrange(8)), ord(rng.choice("{}()<>[]%,:x0-\"")) ])
            text = b.decode("utf-8", "replace")
        elif kind in ("del", "dup", "swap"):
            toks = list(TOKEN_RE.finditer(text))
            if len(toks) < 2:
                continue
            t = rng.choice(toks)
            if kind == "del":
                text = text[:t.start()] + text[t.end():]
            elif kind == "dup":
                text = text[:t.end()] + " " + t.group() + text[t.end():]
            else:
                u = rng.choice(toks)
                if u.start() < t.start():
                    t, u = u, t
                if u.start() >= t.end():
                    text = (text[:t.start()] + u.group() + text[t.end():u.start()] +
                            t.group() + text[u.end():])
        elif kind == "num":
            nums = list(NUMBER_RE.finditer(text))
            if not nums:
                continue
            n = rng.choice(nums)
            v = rng.choice(INTERESTING + [str(int(float(n.group())) + rng.choice([-1, 1]))
                                          if "." not in n.group() and "e" not in n.group() else "0"])
            text = text[:n.start()] + v + text[n.end():]
        elif kind == "splice":
            other = rng.choice(corpus_texts).splitlines(True)
            if not other:
                continue
            i = rng.randrange(len(other))
            chunk = "".join(other[i:i + rng.randint(1, 8)])
            lines = text.splitlines(True)
            j = rng.randrange(len(lines) + 1)
            text = "".join(lines[:j]) + chunk + "".join(lines[j:])
        elif kind == "nest":
            # Deep nesting: wrap the file in modules, or a type in tuples.
            n = rng.choice([10, 100, 1000, 5000])
            types = list(re.finditer(r"\b(?:tensor|memref)<[^<>]*>", text))
            if types and rng.random() < 0.5:
                t = rng.choice(types)
                text = text[:t.start()] + "tuple<" * n + t.group() + ">" * n + text[t.end():]
            else:
                text = "module {\n" * n + text + "}\n" * n
        elif kind == "line":
            lines = text.splitlines(True)
            if not lines:
                continue
            j = rng.randrange(len(lines))
            if rng.random() < 0.5:
                del lines[j]
            else:
                lines.insert(j, lines[j])
            text = "".join(lines)
    return text


def run_one(job):
    idx, tool, text, args, timeout, workdir = job
    path = os.path.join(workdir, f"in{idx}.mlir")
    with open(path, "w") as f:
        f.write(text)
    cmd = [tool] + [path if a == "%s" else a.replace("%s", path) for a in args]
    # No `-o /dev/null`: a failing MLIR tool removes its output file, and as
    # root that would be /dev/null itself.
    try:
        p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           timeout=timeout, cwd=ROOT)
        rc, err = p.returncode, p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        rc, err = "timeout", ""
    os.unlink(path)
    return idx, rc, err, args


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=10000, help="number of mutated inputs")
    ap.add_argument("-j", type=int, default=2, help="parallel tessera-opt processes")
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds per input")
    ap.add_argument("--crash-dir", default=os.path.join(ROOT, "build", "fuzz-crashers"))
    ap.add_argument("--tessera-opt", default=shutil.which("tessera-opt") or "tessera-opt")
    ap.add_argument("--filter", default="", help="only corpus files whose path contains this")
    ap.add_argument("--only", nargs="+", choices=sorted(set(MUTATIONS)),
                    help="use only these mutations (e.g. num: IR that still parses, odd sizes)")
    opts = ap.parse_args()

    files = [f for f in corpus_files() if opts.filter in f]
    if not files:
        ap.error(f"no corpus file matches --filter {opts.filter!r}")
    texts = [open(f, encoding="utf-8").read() for f in files]
    cmds = [run_commands(f, t) for f, t in zip(files, texts)]
    rng = random.Random(opts.seed)
    jobs = []
    workdir = tempfile.mkdtemp(prefix="tessera-fuzz-")
    for i in range(opts.n):
        k = rng.randrange(len(files))
        jobs.append((i, opts.tessera_opt, mutate(rng, texts[k], texts, opts.only or MUTATIONS),
                     rng.choice(cmds[k]), opts.timeout, workdir))
    os.makedirs(opts.crash_dir, exist_ok=True)
    crashes, hangs, codes = [], [], {}
    start = time.time()
    with cf.ThreadPoolExecutor(opts.j) as pool:
        for done, (idx, rc, err, args) in enumerate(pool.map(run_one, jobs), 1):
            codes[str(rc)] = codes.get(str(rc), 0) + 1
            if rc in (0, 1):
                pass
            else:
                text = jobs[idx][2]
                h = hashlib.sha1(text.encode()).hexdigest()[:12]
                base = os.path.join(opts.crash_dir, f"{'hang' if rc == 'timeout' else 'crash'}-{h}")
                with open(base + ".mlir", "w") as f:
                    f.write(text)
                with open(base + ".txt", "w") as f:
                    f.write("tessera-opt " + " ".join(shlex.quote(a) for a in args).replace(
                        "%s", base + ".mlir") + f"\n# exit: {rc}\n" + err[-4000:])
                (hangs if rc == "timeout" else crashes).append(base)
                print(f"[{done}] {'HANG' if rc == 'timeout' else 'CRASH'} rc={rc} {base}.mlir",
                      flush=True)
            if done % 500 == 0:
                print(f"[{done}/{opts.n}] {time.time() - start:.0f}s crashes={len(crashes)} "
                      f"hangs={len(hangs)}", flush=True)
    shutil.rmtree(workdir, ignore_errors=True)
    summary = {"inputs": opts.n, "jobs": opts.j, "seed": opts.seed,
               "seconds": round(time.time() - start, 1), "exit_codes": codes,
               "crashes": len(crashes), "hangs": len(hangs), "corpus_files": len(files)}
    print(json.dumps(summary))
    return 1 if crashes or hangs else 0


if __name__ == "__main__":
    sys.exit(main())
