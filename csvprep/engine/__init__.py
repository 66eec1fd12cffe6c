"""The engine: map a header onto a job (:mod:`.planning`), then judge the table batch by batch
(:mod:`.pipeline`: each batch's cells by :mod:`.validate`, the checks across rows by :mod:`.crossrow`),
inside one :class:`Run` that owns every thread, process and temporary file it starts.

The data's path: source → batches (:mod:`csvprep.reader`) → judged batches (:class:`Judged`) → report or
packed ZIPs.
"""

from csvprep.engine.crossrow import CrossRows
from csvprep.engine.found import CrossRow
from csvprep.engine.pipeline import LARGE_INPUT, Judged, judge, readahead
from csvprep.engine.planning import MAX_COLUMNS, RESERVED_COLUMNS, Column, Plan, Role, plan
from csvprep.engine.run import Run
from csvprep.engine.validate import Prepared, Validator
from csvprep.options import OPERATIONS, Job, Operation

__all__ = [
    "LARGE_INPUT",
    "MAX_COLUMNS",
    "OPERATIONS",
    "RESERVED_COLUMNS",
    "Column",
    "CrossRow",
    "CrossRows",
    "Job",
    "Judged",
    "Operation",
    "Plan",
    "Prepared",
    "Role",
    "Run",
    "Validator",
    "judge",
    "plan",
    "readahead",
]
