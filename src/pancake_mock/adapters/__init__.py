"""The outside world as the domain sees it: store, clock, ids, keys, tokens, PSP, seed data."""
