"""Named checks of one test script, and the summary line the harness reads.

Each check prints PASS or FAIL (with the reason) as it ends; summary()
prints "N passed, M failed" and gives the script's exit status: 0 only when
something passed and nothing failed."""


class Checks:
    def __init__(self, tag=None):
        self.prefix = "[%s] " % tag if tag else ""
        self.passed = self.failed = 0

    def check(self, name, fn):
        """Run fn; an AssertionError fails the check. True if it passed."""
        try:
            fn()
        except AssertionError as e:
            print("\n%sFAIL %s: %s" % (self.prefix, name, e), flush=True)
            self.failed += 1
            return False
        print("\n%sPASS %s" % (self.prefix, name), flush=True)
        self.passed += 1
        return True

    def summary(self):
        print("%d passed, %d failed" % (self.passed, self.failed), flush=True)
        return 0 if self.failed == 0 and self.passed > 0 else 1
