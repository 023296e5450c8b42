"""pytest plugin loaded into the nbval subprocess: wait longer for a cell's outputs.

After a cell's reply, nbval 0.11 waits a hard-coded 5 s for each further output message
(nbval issues #136 and #231). On a busy 2-core CI machine a kernel that has just trained
for minutes can take longer than that to flush its output, and the cell then fails with
"Timeout of 5 seconds exceeded waiting for output" although it ran correctly.
"""

import nbval.plugin

#: Seconds to wait for each output message once a cell has replied.
OUTPUT_TIMEOUT = 120

_init = nbval.plugin.IPyNbCell.__init__


def _patient_init(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    self.output_timeout = OUTPUT_TIMEOUT


nbval.plugin.IPyNbCell.__init__ = _patient_init
