"""System settings and security (A1, A2, A5, T4): the org, users, the sharing policy, settings, backups, logins."""
from .admin import Admin
from .logins import Logins

__all__ = ["Admin", "Logins"]
