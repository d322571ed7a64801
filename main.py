"""Composition root: `app` for ASGI servers; `python main.py` serves (same as `consult serve`)."""

from consult.app import create_app

if __name__ == "__main__":
    from consult.cli import main

    main(["serve"])
else:
    app = create_app()
