"""Deterministic, single-threaded tests (2-core CI; no oversubscription).

Devices and dtypes (issue 17):

* ``device``: a fixture parametrised over ``cpu``, ``cuda`` and ``mps``; a device this machine
  lacks is skipped with the reason. A library test module that builds models declares
  ``pytestmark = pytest.mark.usefixtures("on_device")``: each of its tests then runs once per
  device, with torch's default device set to it (so the models and data the test makes are
  made there; on the CPU nothing changes).
* ``AUTOENCODE_TEST_DTYPE=float64 pytest ...`` switches torch's default dtype to float64 for the
  whole run (``make test-float64`` runs the library's tests so).
"""

import os
import random

import numpy as np
import pytest
import torch

import autoencode as ae

torch.set_num_threads(1)

DEVICES = ("cpu", "cuda", "mps")


@pytest.fixture(autouse=True)
def _seed_everything():
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    yield


@pytest.fixture(scope="module", params=DEVICES)
def device(request) -> str:
    """A device type this machine has (the others are skipped, saying so)."""
    if request.param not in ae.available_devices():
        pytest.skip(
            f"no {request.param} device on this machine (available: "
            f"{', '.join(ae.available_devices())})"
        )
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
    have = ae.available_devices()
    absent = [d for d in DEVICES if d not in have]
    line = f"autoencode devices: {', '.join(have)}"
    if absent:
        line += f" ({', '.join(absent)}: absent here, their device-parametrised tests are skipped)"
    return line
