import sys

from data_model.imports.importer import main

sys.exit(main())
