"""``python -m smsbridge.cli``: the same as the ``smsbridge`` console script."""

from smsbridge.cli.app import main

if __name__ == "__main__":
    main()
