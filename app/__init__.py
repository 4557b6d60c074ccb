"""The workstation: composition root of ``recist`` and ``viewer``."""
