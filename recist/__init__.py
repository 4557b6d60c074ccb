"""mRECIST / RECIST 1.1 criteria engine and the read format (standard library only)."""
