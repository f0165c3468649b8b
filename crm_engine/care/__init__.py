"""Service management (S1–S6): tickets and the call centre."""
