"""Signals other apps listen to (progress, certification). Sent after the transaction commits."""

from django.dispatch import Signal

# Sent with `attempt` once an attempt has a final grade (passed is True or False).
attempt_graded = Signal()
