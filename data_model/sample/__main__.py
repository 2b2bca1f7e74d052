import sys

from data_model.sample.generator import main

sys.exit(main())
