"""The team server: one process serves the CRM screens to every member of a team (issue #23)."""
