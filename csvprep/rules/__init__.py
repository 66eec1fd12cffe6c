"""Per-type cell rules: vectorised checks over a column of strings, and one table of them per data type.

Sources: the input format table of Kaizen #13 (https://help.zoho.com/portal/en/community/topic/kaizen-13-bulk-write-api,
"Input format for each data type") and the "Sample Attributes" of insert-records
(https://www.zoho.com/crm/developer/docs/api/v7/insert-records.html). The field's metadata overrides each
documented default (``schema.FieldSpec.max_length`` / ``max_decimals``).

:func:`column_rules` gives a column its rules, in order, and its accept pass (:mod:`csvprep.rules.table`).
Expensive exact judges (email-validator, calendar checks, dateutil hints) run only on the cells a cheap
pattern cannot settle; email-validator's is an :class:`EmailJudge` the caller owns and closes.
"""

from csvprep.rules.base import Accept, Ok, Rule, TypeRules, byte_lengths
from csvprep.rules.control import has_control
from csvprep.rules.emailworker import EmailJudge
from csvprep.rules.table import TABLE, ColumnRules, Holds, column_rules, known_type

__all__ = [
    "TABLE",
    "Accept",
    "ColumnRules",
    "EmailJudge",
    "Holds",
    "Ok",
    "Rule",
    "TypeRules",
    "byte_lengths",
    "column_rules",
    "has_control",
    "known_type",
]
