"""`python -m crm_engine.cli` (tests run the command line this way)."""
from . import main

main()
