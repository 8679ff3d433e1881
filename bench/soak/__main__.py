"""``python bench/soak --minutes 10 --users 50``: the soak test (see ``run.py`` and docs/reliability.md)."""

from run import main  # python puts this folder first on sys.path when it runs the folder

main()
