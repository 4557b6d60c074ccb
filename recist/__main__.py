import sys

from recist.cli import main

sys.exit(main())
