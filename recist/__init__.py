"""mRECIST / RECIST 1.1 criteria engine and the read format (standard library only).

Usage::

    from recist import parse_read, assess, ReadError
    read = parse_read(document)          # dict decoded from mrecist-read/1 JSON
    assessment = assess(read)            # pure; carries reasons for every category
    assessment.to_json()                 # the mrecist-assessment/1 document

See ../shared/contracts/read-format.md for the format and the policy on every ambiguity.
"""

from recist.assess import Assessment, TimePointAssessment, assess, assess_json
from recist.model import Criteria, Read, Response
from recist.parse import ReadError, loads_read, parse_read

__all__ = [
    "Assessment",
    "Criteria",
    "Read",
    "ReadError",
    "Response",
    "TimePointAssessment",
    "assess",
    "assess_json",
    "loads_read",
    "parse_read",
]
