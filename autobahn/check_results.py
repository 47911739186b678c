#!/usr/bin/env python3
"""Checks the Autobahn TestSuite results of one agent (reports/clients/index.json).

A case passes when both its `behavior` and its `behaviorClose` are OK or INFORMATIONAL;
UNIMPLEMENTED is allowed only for cases 12.* and 13.* (permessage-deflate, not implemented
yet). Any other value (FAILED, NON-STRICT, WRONG CODE, UNCLEAN, ...) fails, and the failing
cases are listed.

The results are also written as a normalized summary, one `case<TAB>behavior<TAB>behaviorClose`
line per case, sorted numerically by case id, and compared with the committed
autobahn/expected-results.tsv: any difference is printed as a unified diff and fails, so that a
regression (or an improvement not yet recorded) shows. `--update` rewrites the expected file
from this run.

Also prints the number of cases per behavior and the summed duration of the 9.* cases
(limits and performance), from the per-case "duration" in milliseconds.

Exit status: 0 all good, 1 a case failed or the summary differs, 2 bad input.
Standard library only.
"""

import argparse
import collections
import difflib
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_INDEX = os.path.join(ROOT, "reports", "clients", "index.json")
DEFAULT_EXPECTED = os.path.join(ROOT, "autobahn", "expected-results.tsv")
PASSING = {"OK", "INFORMATIONAL"}
# permessage-deflate: not implemented yet, so the server reports UNIMPLEMENTED.
UNIMPLEMENTED_ALLOWED = {12, 13}
EXPECTED_HEADER = """\
# Expected Autobahn TestSuite client results for wsync: case<TAB>behavior<TAB>behaviorClose.
# Checked by autobahn/check_results.py (run by scripts/autobahn.sh); regenerate from a run
# with `python3 autobahn/check_results.py --update` once a change in results is intended.
"""


class SystemExit2(Exception):
    """Bad input: reported and exits with status 2."""


def case_key(case):
    """Sort key of a case id such as "9.1.10": its numbers, so that 9.1.10 follows 9.1.9."""
    key = []
    for part in case.split("."):
        key.append((0, int(part), "") if part.isdigit() else (1, 0, part))
    return key


def major(case):
    """The first number of a case id, or None."""
    head = case.split(".", 1)[0]
    return int(head) if head.isdigit() else None


def passes(case, behavior, behavior_close):
    """Whether a case's results are acceptable (see the module doc)."""
    allowed = PASSING | ({"UNIMPLEMENTED"} if major(case) in UNIMPLEMENTED_ALLOWED else set())
    return behavior in allowed and behavior_close in allowed


def load_results(index_path, agent):
    """The agent's results: {case: (behavior, behaviorClose, duration_ms)}."""
    try:
        with open(index_path) as f:
            index = json.load(f)
    except (OSError, ValueError) as e:
        raise SystemExit2("cannot read %s: %s" % (index_path, e))
    if agent not in index:
        raise SystemExit2(
            "agent %r not in %s (agents: %s)"
            % (agent, index_path, ", ".join(sorted(index)) or "none")
        )
    results = {}
    for case, entry in index[agent].items():
        results[case] = (
            str(entry.get("behavior", "MISSING")),
            str(entry.get("behaviorClose", "MISSING")),
            entry.get("duration") or 0,
        )
    return results


def read_expected(path):
    """The expected summary: {case: (behavior, behaviorClose)}, or None if the file is absent."""
    if not os.path.exists(path):
        return None
    expected = {}
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) != 3:
                raise SystemExit2("%s:%d: expected 3 tab-separated fields" % (path, number))
            expected[fields[0]] = (fields[1], fields[2])
    return expected


def summary_lines(rows):
    """The normalized summary of {case: (behavior, behaviorClose)}, sorted by case id."""
    return ["%s\t%s\t%s\n" % (case, rows[case][0], rows[case][1]) for case in sorted(rows, key=case_key)]


def duration_report(results):
    """Prints the summed durations of the 9.* cases and of all cases."""
    nine = [r[2] for case, r in results.items() if major(case) == 9]
    total = sum(r[2] for r in results.values())
    if nine:
        print("9.* duration: %d ms (%.2f s) over %d cases" % (sum(nine), sum(nine) / 1000.0, len(nine)))
    else:
        print("9.* duration: no 9.* cases in this run")
    print("all cases duration: %d ms (%.2f s) over %d cases" % (total, total / 1000.0, len(results)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", default=DEFAULT_INDEX, help="index.json (default: %(default)s)")
    parser.add_argument("--agent", default="wsync", help="agent name (default: %(default)s)")
    parser.add_argument("--expected", default=DEFAULT_EXPECTED, help="expected summary (default: %(default)s)")
    parser.add_argument("--summary", help="where to write this run's summary (default: summary-AGENT.tsv beside index.json)")
    parser.add_argument("--no-expected", action="store_true", help="do not compare with the expected summary")
    parser.add_argument("--partial", action="store_true", help="the run covered only some cases: compare only those")
    parser.add_argument("--update", action="store_true", help="rewrite the expected summary from this run (merged into it with --partial)")
    parser.add_argument("--durations-only", action="store_true", help="only print the durations and the counts")
    args = parser.parse_args(argv)

    try:
        results = load_results(args.index, args.agent)
        rows = {case: (r[0], r[1]) for case, r in results.items()}
        expected = None if args.no_expected or args.durations_only else read_expected(args.expected)
    except SystemExit2 as e:
        print("check_results: error: %s" % e, file=sys.stderr)
        return 2

    print("agent %s: %d cases" % (args.agent, len(results)))
    behaviors = collections.Counter(r[0] for r in rows.values())
    closes = collections.Counter(r[1] for r in rows.values())
    print("behavior:      " + ", ".join("%s %d" % kv for kv in sorted(behaviors.items())))
    print("behaviorClose: " + ", ".join("%s %d" % kv for kv in sorted(closes.items())))
    duration_report(results)
    if args.durations_only:
        return 0

    ordered = sorted(rows, key=case_key)
    # Everything but OK/OK and the expected permessage-deflate UNIMPLEMENTED.
    not_ok = [
        c for c in ordered
        if rows[c] != ("OK", "OK")
        and not (major(c) in UNIMPLEMENTED_ALLOWED and rows[c][0] == "UNIMPLEMENTED" and passes(c, *rows[c]))
    ]
    if not_ok:
        print("cases not OK/OK (besides 12.*/13.* UNIMPLEMENTED): %d" % len(not_ok))
        for c in not_ok:
            print("  %-10s behavior=%s behaviorClose=%s" % (c, rows[c][0], rows[c][1]))

    failed = [c for c in ordered if not passes(c, *rows[c])]
    status = 0
    if failed:
        status = 1
        print("FAILED cases: %d" % len(failed))
        for c in failed:
            print("  %-10s behavior=%s behaviorClose=%s" % (c, rows[c][0], rows[c][1]))

    lines = summary_lines(rows)
    summary_path = args.summary or os.path.join(
        os.path.dirname(os.path.abspath(args.index)), "summary-%s.tsv" % args.agent
    )
    with open(summary_path, "w") as f:
        f.writelines(lines)
    print("summary written to %s" % summary_path)

    if not args.no_expected:
        rel_expected = os.path.relpath(args.expected)
        if expected is None and not args.update:
            print("no expected summary %s (create it with --update)" % rel_expected)
            status = 1
        elif expected is not None:
            compared = {c: v for c, v in expected.items() if c in rows} if args.partial else expected
            diff = list(
                difflib.unified_diff(
                    summary_lines(compared), lines, fromfile=rel_expected, tofile=os.path.relpath(summary_path)
                )
            )
            if diff:
                status = 1
                print("results differ from %s (%s):" % (rel_expected, "cases run only" if args.partial else "all cases"))
                sys.stdout.writelines(diff)
            else:
                print("results match %s (%d cases)" % (rel_expected, len(compared)))
        if args.update:
            merged = dict(expected or {}) if args.partial else {}
            merged.update(rows)
            with open(args.expected, "w") as f:
                f.write(EXPECTED_HEADER)
                f.writelines(summary_lines(merged))
            print("updated %s (%d cases)" % (rel_expected, len(merged)))
            if not failed:
                status = 0

    print("check: %s" % ("PASS" if status == 0 else "FAIL"))
    return status


if __name__ == "__main__":
    sys.exit(main())
