"""The HIL tests themselves: see conftest.py for how they are generated."""
import pytest

import brigade_hil


def test_case(brigade_runs, brigade_case):
    """One TEST() of an image, judged by its console lines."""
    image, name = brigade_case
    result = brigade_runs.get(image)
    if name not in result.tests:
        if result.running == name:
            pytest.fail("%s never finished (the run ended by %s):\n%s"
                        % (name, result.ended_by, result.tail()), pytrace=False)
        pytest.fail("%s never reported a result (the run ended by %s before it)"
                    % (name, result.ended_by), pytrace=False)
    status, detail = result.tests[name]
    if status == "skipped":
        pytest.skip(detail)
    if status == "failed":
        pytest.fail("%s failed:\n%s" % (name, detail), pytrace=False)


def test_run(brigade_runs, brigade_image):
    """The whole run: summary line present and consistent, exit status 0."""
    result = brigade_runs.get(brigade_image)
    problems = brigade_hil.verdict(result, brigade_image,
                                   brigade_hil.elf_test_names(brigade_image))
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
