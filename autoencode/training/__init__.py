"""Trainers: the shooting method of Algorithm 1 and an autograd baseline.

One interface (as in msalib): a :class:`Trainer` owns a model, the Tikhonov weight lambda, a
mini-batch sampler and a history, and runs the loop; each trainer only writes its step.

* :class:`ShootingTrainer` (:mod:`~autoencode.training.shooting`): forward states, backward
  co-states (:mod:`autoencode.pmp`), then an update of every layer's control from its
  Hamiltonian H_k by one of the rules of :data:`RULES` (:mod:`~autoencode.training.rules`:
  ``"gradient"``, ``"adam"``, ``"fixed_point"``, ``"proximal"``).
* :class:`AdamTrainer` (:mod:`~autoencode.training.autograd`): Adam (or SGD) on J through
  autograd, the baseline.

Training state (weights, optimizer moments, sampler position, history) is checkpointed
atomically and a run resumes to the same result as an uninterrupted one
(:mod:`~autoencode.training.state`). A checkpoint records the settings it belongs to
(:meth:`Trainer.config`: masks, T, off_mode, activation, bias, dtype, update rule and its
hyper-parameters, lambda, batch size, sampler seed, N and a fingerprint of the data) and a
resume under any other setting is refused with a
:class:`~autoencode.checkpoint.CheckpointMismatch` naming the field.

A NaN/inf cost stops training with :class:`TrainingDiverged`: the trainer goes back to the last
state whose cost was finite (weights, optimizer state, sampler, iteration count and history)
and the checkpoint holds that state (:mod:`~autoencode.training.loop`). A checkpoint written by
:meth:`Trainer.fit` only ever holds a state whose cost was evaluated and finite (its
``"cost"`` field).
"""

from .autograd import AdamTrainer
from .loop import Callback, Trainer, TrainingDiverged
from .rules import RULES, UPDATES, Rule
from .shooting import ShootingTrainer
from .state import FORMAT, check_state

__all__ = [
    "FORMAT",
    "RULES",
    "UPDATES",
    "AdamTrainer",
    "Callback",
    "Rule",
    "ShootingTrainer",
    "Trainer",
    "TrainingDiverged",
    "check_state",
]
