"""``python -m sim`` is the ``sim`` command."""

if __name__ == "__main__":
    from sim.cli import main

    main()
