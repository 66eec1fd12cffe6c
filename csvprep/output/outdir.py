"""An output directory (``pack``'s ``--out``, ``results``' ``--out``): checked before any work, written
aside, swapped in whole, never over a file csvprep did not write.

By concern: :mod:`~csvprep.output.target` resolves the directory and refuses what could not be replaced
safely (:func:`prepare`; :class:`Kind` says which command's earlier output may be replaced);
:mod:`~csvprep.output.staging` claims the working directory beside it, sweeps those of dead runs and
swaps the finished one in (:func:`claim`, :class:`Staging`); :mod:`~csvprep.output.locks` holds the
locks that tell a live run from a dead one.
"""

from __future__ import annotations

from csvprep.output.staging import Staging, claim
from csvprep.output.target import PACK, Kind, Target, pack_output_files, prepare

__all__ = ["PACK", "Kind", "Staging", "Target", "claim", "pack_output_files", "prepare"]
