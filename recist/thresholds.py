"""Every clinical threshold of the engine, as a named constant with its source.

Sizes are in tenths of a millimetre (0.1 mm units, ``_TENTH_MM``): the read format takes
measurements to 0.1 mm, and every threshold decision is made on these integers
(../shared/reference/criteria.md section 0.2; contract policy 3). Percent thresholds are
written as exact integer ratios (numerator, denominator), never as floats.
"""

from __future__ import annotations

from typing import Final

TENTHS_PER_MM: Final = 10

# -- Target response ---------------------------------------------------------------------
# PR: sum decreased by >= 30 % versus the baseline sum: 10*(B - N) >= 3*B.
# RECIST 1.1 (Eisenhauer 2009, EJC 45:228, section 4.3.1); mRECIST (Lencioni & Llovet 2010,
# Semin Liver Dis 30:52) on viable diameters.
PR_DECREASE_RATIO: Final = (3, 10)

# PD: sum increased by >= 20 % versus the nadir: 5*(N - nadir) >= nadir, with N > nadir.
# RECIST 1.1 section 4.3.1; mRECIST 2010 ("increase of at least 20 % ... since treatment
# started"). Nadir includes baseline (RECIST 1.1; ambiguity A2, applied to both).
PD_INCREASE_RATIO: Final = (1, 5)

# PD also needs an absolute increase over the nadir of >= 5 mm under RECIST 1.1
# (Eisenhauer 2009; EORTC RECIST FAQ). mRECIST 2010 has no floor (ambiguity A1); a protocol
# may set one through the read option ``pd_min_increase_mm``.
RECIST11_PD_MIN_INCREASE_TENTH_MM: Final = 50
MRECIST_PD_MIN_INCREASE_TENTH_MM: Final = 0

# "Too small to measure": counts 5 mm (RECIST 1.1 FAQ / EORTC clarification; contract).
TOO_SMALL_VALUE_TENTH_MM: Final = 50

# A nodal target counts as normal (for CR, and for reappearance after CR) below 10 mm short
# axis. RECIST 1.1 section 4.3.1 (Schwartz 2009, EJC 45:261); applied to mRECIST by project
# policy 4 (ambiguity A10).
NODE_NORMAL_BELOW_TENTH_MM: Final = 100

# -- Baseline measurability (RECIST 1.1 section 3.1; mRECIST takes it over) ----------------
MIN_MEASURABLE_NON_NODAL_TENTH_MM: Final = 100
MIN_MEASURABLE_NODE_SHORT_AXIS_TENTH_MM: Final = 150
MAX_TARGETS_TOTAL: Final = 5
MAX_TARGETS_PER_ORGAN: Final = 2
NODAL_ORGAN_GROUP: Final = "lymph nodes"  # all nodes are one organ (EORTC RECIST FAQ; A5)

# -- New lesions ---------------------------------------------------------------------------
# mRECIST: a new intrahepatic lesion is HCC (PD) when >= 10 mm with the typical vascular
# pattern (arterial hyperenhancement and washout), or when an equivocal one grows by >= 10 mm
# (Llovet 2008 JNCI 100:698; Lencioni & Llovet 2010; contract policy 10).
MRECIST_NEW_LESION_MIN_TENTH_MM: Final = 100
MRECIST_NEW_LESION_GROWTH_TENTH_MM: Final = 100
INTRAHEPATIC_ORGAN: Final = "liver"

# -- Best overall response (RECIST 1.1 section 4.4; read options with these defaults) -------
DEFAULT_CONFIRMATION_MIN_DAYS: Final = 28  # ">= 4 weeks" (RECIST 1.1 section 4.6)
DEFAULT_SD_MIN_DAYS: Final = 42  # protocol-defined; 6 weeks is common (RECIST 1.1 4.4.1)
