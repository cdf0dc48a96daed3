"""``python -m briefgen``: the same command line as the ``briefgen`` script."""

from briefgen.cli import main

if __name__ == "__main__":
    main()
