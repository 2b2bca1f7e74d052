import sys

from data_model.imports.cli import main

sys.exit(main())
