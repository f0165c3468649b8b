"""Marketing management (O1–O10): leads, opportunities and their products, plans, campaigns, targets."""
