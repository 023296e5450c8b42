"""Deterministic, single-threaded tests (2-core CI; no oversubscription).

Devices and dtypes:

* ``device``: a fixture parametrised over the device types this machine has
  (:func:`autoencode.available_devices`: the CPU, then ``cuda`` and ``mps`` where present). A
  library test module that builds models declares
  ``pytestmark = pytest.mark.usefixtures("on_device")``: each of its tests then runs once per
  device, with torch's default device set to it (so the models and data the test makes are
  made there; on the CPU nothing changes). The devices this machine lacks are named once, by
  ``tests/test_devices.py::test_the_tests_run_on_every_device_this_machine_has``, not skipped
  test by test.
* ``AUTOENCODE_TEST_DTYPE=float64 pytest ...`` switches torch's default dtype to float64 for the
  whole run (``make test-float64`` runs the library's tests so).

Each test starts from the same torch state: one thread, the run's default dtype and device.
A test whose code changes them (a figure run, a sweep's worker function, ``compute_on``) has
them restored when it ends, so that it cannot slow down or change the tests after it.
"""

import os
import random
import sys

import numpy as np
import pytest
import torch

import autoencode as ae

torch.set_num_threads(1)

#: Every device type the library can compute on.
DEVICES = ("cpu", "cuda", "mps")
#: Those of this machine: the device-parametrised tests run on these.
AVAILABLE = tuple(ae.available_devices())


@pytest.fixture(autouse=True)
def _seed_everything():
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    yield


@pytest.fixture(autouse=True)
def _restore_torch_state():
    """Restore torch's thread count, default dtype and default device after each test.

    ``torch.set_num_threads(2)`` left behind by a sweep's worker function would make every later
    test several times slower (two threads on tiny tensors); a default device set to the CPU by
    ``torch.set_default_device`` leaves a Python-level dispatch mode on every torch call.
    """
    threads, dtype = torch.get_num_threads(), torch.get_default_dtype()
    device = torch.get_default_device()
    yield
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    if torch.get_default_dtype() != dtype:
        torch.set_default_dtype(dtype)
    if device.type == "cpu":
        torch.set_default_device(None)  # the plain default: no dispatch mode
    elif torch.get_default_device() != device:
        torch.set_default_device(device)


@pytest.fixture(autouse=True)
def _close_figures():
    """Close the figures a test leaves open (an experiment run in-process draws several):
    pyplot keeps them, and past 20 it warns, which this suite turns into an error in whichever
    later test draws the next one."""
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


@pytest.fixture(scope="module", params=AVAILABLE)
def device(request) -> str:
    """A device type this machine has."""
    return request.param


@pytest.fixture(scope="module")
def on_device(device):
    """Run the module's tests (and its module-scoped fixtures that ask for this one) with
    torch's default device set to ``device``; on the CPU nothing changes."""
    if device == "cpu":
        yield device
        return
    with ae.compute_on(device):
        yield device


_TEST_DTYPE = os.environ.get("AUTOENCODE_TEST_DTYPE")
if _TEST_DTYPE:  # before any test module is imported: their module-level data follow it
    torch.set_default_dtype(ae.devices.resolve_dtype(_TEST_DTYPE))


def pytest_report_header(config):
    absent = [d for d in DEVICES if d not in AVAILABLE]
    line = f"autoencode devices: {', '.join(AVAILABLE)}"
    if absent:
        line += (
            f" ({', '.join(absent)}: absent here, the device-parametrised tests run without them)"
        )
    return line
