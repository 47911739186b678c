#!/usr/bin/env python3
"""Tests of check_results.py: python3 -m unittest discover -s autobahn (standard library only)."""

import contextlib
import io
import json
import os
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_results as cr  # noqa: E402


def entry(behavior, close="OK", duration=1):
    """One case of an index.json."""
    return {"behavior": behavior, "behaviorClose": close, "duration": duration}


class PureTests(unittest.TestCase):
    def test_case_ids_sort_numerically(self):
        ids = ["10.1.1", "9.1.10", "9.1.9", "1.1.1", "12.1.2", "9.10.1", "2.1"]
        self.assertEqual(
            sorted(ids, key=cr.case_key),
            ["1.1.1", "2.1", "9.1.9", "9.1.10", "9.10.1", "10.1.1", "12.1.2"],
        )

    def test_pass_rules(self):
        self.assertTrue(cr.passes("1.1.1", "OK", "OK"))
        self.assertTrue(cr.passes("7.1.6", "INFORMATIONAL", "INFORMATIONAL"))
        self.assertTrue(cr.passes("12.1.1", "UNIMPLEMENTED", "OK"))
        self.assertTrue(cr.passes("13.7.18", "UNIMPLEMENTED", "UNIMPLEMENTED"))
        self.assertFalse(cr.passes("6.4.3", "NON-STRICT", "OK"))
        self.assertFalse(cr.passes("1.1.1", "OK", "FAILED"))
        self.assertFalse(cr.passes("7.9.1", "OK", "WRONG CODE"))
        self.assertFalse(cr.passes("11.1.1", "UNIMPLEMENTED", "OK"))
        self.assertFalse(cr.passes("1.1.1", "UNIMPLEMENTED", "UNIMPLEMENTED"))


class MainTests(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.index = os.path.join(self.dir.name, "index.json")
        self.expected = os.path.join(self.dir.name, "expected.tsv")

    def tearDown(self):
        self.dir.cleanup()

    def run_main(self, cases, *args):
        with open(self.index, "w") as f:
            json.dump({"wsync": cases}, f)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = cr.main(["--index", self.index, "--expected", self.expected] + list(args))
        return status, out.getvalue()

    def write_expected(self, text):
        with open(self.expected, "w") as f:
            f.write(text)

    def test_matching_results_pass_and_summary_is_sorted(self):
        self.write_expected("# comment\n1.1.2\tOK\tOK\n1.1.10\tOK\tOK\n12.1.1\tUNIMPLEMENTED\tOK\n")
        cases = {"12.1.1": entry("UNIMPLEMENTED"), "1.1.10": entry("OK"), "1.1.2": entry("OK")}
        status, out = self.run_main(cases)
        self.assertEqual(status, 0, out)
        with open(os.path.join(self.dir.name, "summary-wsync.tsv")) as f:
            self.assertEqual(
                f.read(), "1.1.2\tOK\tOK\n1.1.10\tOK\tOK\n12.1.1\tUNIMPLEMENTED\tOK\n"
            )

    def test_failing_case_is_listed_and_fails(self):
        self.write_expected("1.1.1\tOK\tOK\n")
        status, out = self.run_main({"1.1.1": entry("FAILED", "OK")}, "--no-expected")
        self.assertEqual(status, 1)
        self.assertIn("1.1.1", out.split("FAILED cases: 1")[1])

    def test_regression_shows_as_diff(self):
        self.write_expected("1.1.1\tOK\tOK\n1.1.2\tOK\tOK\n")
        status, out = self.run_main({"1.1.1": entry("OK"), "1.1.2": entry("INFORMATIONAL")})
        self.assertEqual(status, 1)
        self.assertIn("-1.1.2\tOK\tOK", out)
        self.assertIn("+1.1.2\tINFORMATIONAL\tOK", out)

    def test_missing_case_fails_unless_partial(self):
        self.write_expected("1.1.1\tOK\tOK\n2.1\tOK\tOK\n")
        status, _ = self.run_main({"1.1.1": entry("OK")})
        self.assertEqual(status, 1)
        status, out = self.run_main({"1.1.1": entry("OK")}, "--partial")
        self.assertEqual(status, 0, out)

    def test_update_rewrites_and_partial_update_merges(self):
        self.write_expected("1.1.1\tOK\tOK\n2.1\tOK\tOK\n")
        status, _ = self.run_main({"2.1": entry("INFORMATIONAL")}, "--partial", "--update")
        self.assertEqual(status, 0)
        self.assertEqual(cr.read_expected(self.expected), {
            "1.1.1": ("OK", "OK"), "2.1": ("INFORMATIONAL", "OK")})
        status, _ = self.run_main({"3.1": entry("OK")}, "--update")
        self.assertEqual(cr.read_expected(self.expected), {"3.1": ("OK", "OK")})

    def test_nine_durations_are_summed(self):
        cases = {"9.1.1": entry("OK", duration=1500), "9.2.1": entry("OK", duration=250),
                 "1.1.1": entry("OK", duration=7000)}
        _, out = self.run_main(cases, "--durations-only")
        self.assertIn("9.* duration: 1750 ms (1.75 s) over 2 cases", out)

    def test_unknown_agent_is_an_input_error(self):
        status, _ = self.run_main({}, "--agent", "other")
        self.assertEqual(status, 2)


if __name__ == "__main__":
    unittest.main()
