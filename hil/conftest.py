"""pytest side of the HIL runner: one pytest test per TEST() of each image.

  /usr/bin/python3 -m pytest hil --lg-env hil/envs/<env>.yaml \
      --brigade-image build/<board>/tests/runtime/test_sync.elf [--brigade-image ...] \
      [--brigade-timeout 120] --junitxml=hil-<board>.xml

Each image is booted once (labgrid's `target` fixture: QEMU or a board);
its TEST()s, read from the image's symbol table at collection time, become
pytest tests judged by the console lines, so the JUnit file has one
testcase per TEST(), plus one "run" test per image for the summary line,
the exit status and anything that stopped the run (timeout, panic, no
console, no probe).
"""
import os

import pytest

import brigade_hil


def pytest_addoption(parser):
    group = parser.getgroup("brigade")
    group.addoption("--brigade-image", action="append", default=[],
                    help="test image (ELF) to run; repeat for several")
    group.addoption("--brigade-timeout", type=float, default=120.0,
                    help="seconds to wait for an image's summary line (default 120)")


def _images(config):
    images = [os.path.abspath(p) for p in config.getoption("--brigade-image")]
    for p in images:
        if not os.path.isfile(p):
            raise pytest.UsageError("--brigade-image %s: no such file (build the image first)" % p)
    return images


def pytest_generate_tests(metafunc):
    images = _images(metafunc.config)
    if not images and metafunc.function.__name__ in ("test_case", "test_run"):
        raise pytest.UsageError("no --brigade-image given: which test image should run?")
    if "brigade_case" in metafunc.fixturenames:
        cases, ids = [], []
        for image in images:
            stem = os.path.splitext(os.path.basename(image))[0]
            for name in brigade_hil.elf_test_names(image):
                cases.append((image, name))
                ids.append("%s.%s" % (stem, name))
        metafunc.parametrize("brigade_case", cases, ids=ids)
    if "brigade_image" in metafunc.fixturenames:
        metafunc.parametrize("brigade_image", images,
                             ids=[os.path.splitext(os.path.basename(p))[0] for p in images])


class Runs:
    """Each image runs once per session; its tests read the cached result."""

    def __init__(self, target, timeout):
        self.target = target
        self.timeout = timeout
        self.results = {}

    def get(self, image):
        if image not in self.results:
            try:
                self.results[image] = brigade_hil.run_image(self.target, image, self.timeout)
            except brigade_hil.HilError as e:
                self.results[image] = e
        result = self.results[image]
        if isinstance(result, brigade_hil.HilError):
            pytest.fail(str(result), pytrace=False)
        return result


@pytest.fixture(scope="session")
def brigade_runs(target, request):
    return Runs(target, request.config.getoption("--brigade-timeout"))
