"""``python -m csvprep.cli``: the ``csvprep`` command."""

from csvprep.cli import run

if __name__ == "__main__":
    run()
