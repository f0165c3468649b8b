"""The CRM served to a team: one process owns a workspace, each person logs in as their CRM user (T4, docs/team.md)."""
