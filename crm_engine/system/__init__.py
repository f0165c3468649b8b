"""System settings and security (A1, A2, A5): the org, users, the sharing policy, settings, backups."""
