"""``python -m sim`` is the ``sim`` command."""

if __name__ == "__main__":
    from sim.app.cli import main

    main()
