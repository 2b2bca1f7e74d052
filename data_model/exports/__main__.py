import sys

from data_model.exports.school_xlsx import main

sys.exit(main())
