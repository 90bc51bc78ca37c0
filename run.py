"""`python run.py [--config F]` is the same as `modembridge run`."""

import sys

from modembridge.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", *sys.argv[1:]]))
