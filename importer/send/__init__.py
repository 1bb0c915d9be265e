"""Sending: the scheduler runs stages (upserts, values, actions) at Kit's rate limit."""
