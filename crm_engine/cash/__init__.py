"""Orders to cash (B1): contracts, shipments, returns, payments, expenses."""
