"""Deciding: what Kit holds, the difference to send, the brakes, the run memory."""
