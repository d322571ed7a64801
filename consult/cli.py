"""The `consult` command: serve, migrate, demo, user add, places import, recount, backup, restore."""

from __future__ import annotations

import argparse
import asyncio
import sys

from consult.roles import Role

USAGE_EXIT = 2


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # clear message, non-zero exit
        self.print_usage(sys.stderr)
        print(f"consult: error: {message}", file=sys.stderr)
        sys.exit(USAGE_EXIT)


PLACES_IMPORT_HELP = """\
Create the places of FILE (UTF-8 CSV; docs/PLACES.md), one row per place: its path from
the top of the tree, parts separated by "/", and its household count:

    path,households
    和平区/朝阳街道/幸福里社区/第一网格,420
    和平区/朝阳街道/幸福里社区/第一网格/3号楼,64
    和平区/朝阳街道/和顺社区

The kind of each part follows from its depth: district, street, community, grid,
building (at most 5 parts). The header line is optional; the count may be left out (0).
Places already on a path are reused (a row's count replaces the stored one); the rest
are created. If any row is bad (an empty part, too deep, a count that is not a whole
number, control characters, not UTF-8), every problem is printed with its line number
and NOTHING is imported. The import is one transaction, recorded in the audit log."""


def build_parser() -> Parser:
    parser = Parser(prog="consult", description="Consult: resident consultation platform.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    serve = sub.add_parser("serve", help="apply migrations and serve the web site")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="worker processes (use PostgreSQL for more than 1)")
    serve.add_argument("--demo", action="store_true", help="load the demo community first (idempotent)")

    sub.add_parser("migrate", help="apply database migrations")

    demo = sub.add_parser("demo", help="load the demo places, people, topics and votes (idempotent)")
    demo.add_argument("--scale", type=int, default=0, metavar="N",
                      help="then generate N load-test topics with their people and votes (bench/scale.py)")
    demo.add_argument("--communities", type=int, default=1, metavar="M",
                      help="spread the generated topics across M communities (with --scale)")

    user = sub.add_parser("user", help="manage users")
    user_sub = user.add_subparsers(dest="user_command", required=True, parser_class=Parser)
    add = user_sub.add_parser("add", help="create a user; the password is read from standard input")
    add.add_argument("name")
    add.add_argument("--role", action="append", default=[], dest="roles",
                     choices=[role.value for role in Role])
    add.add_argument("--display-name", default=None)
    add.add_argument("--grid", type=int, default=None, help="grid id")

    places = sub.add_parser("places", help="manage the tree of places")
    places_sub = places.add_subparsers(dest="places_command", required=True, parser_class=Parser)
    places_import = places_sub.add_parser(
        "import", help="create places from a CSV file, one row per place",
        description=PLACES_IMPORT_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    places_import.add_argument("file", help="the CSV file (UTF-8), or - for standard input")
    holidays = places_sub.add_parser(
        "holidays", help="add the days of a CSV file (date,kind,name) to a place's holiday calendar",
        description="Each row: date (YYYY-MM-DD), kind (holiday, or workday for a make-up working day: 调休), "
                    "name. A bad row is reported by its line number and nothing is imported (docs/PLACES.md).")
    holidays.add_argument("place", help="the place: its id, or its name when no other place has that name")
    holidays.add_argument("file", help="the CSV file (UTF-8), or - for standard input")

    recount = sub.add_parser("recount", help="recount a published vote from its open-data JSON (FILE or -)")
    recount.add_argument("file")
    recount.add_argument("--sha256", metavar="HEX", default=None,
                         help="first check that FILE is the published record: its SHA-256 must be HEX "
                              "(the value on the results page and in /results)")

    backup = sub.add_parser("backup", help="write a consistent copy of the whole database to FILE")
    backup.add_argument("file")
    backup.add_argument("--yes", action="store_true", help="replace FILE if it exists without asking")
    restore = sub.add_parser("restore", help="replace the whole database by the backup FILE (stop the app first)")
    restore.add_argument("file")
    restore.add_argument("--yes", action="store_true", help="do not ask before overwriting the database")
    return parser


def _settings():
    from consult.settings import SettingsError, load_settings

    try:
        return load_settings()
    except SettingsError as exc:
        print(f"consult: {exc}", file=sys.stderr)
        sys.exit(USAGE_EXIT)


async def _prepare(settings) -> None:
    from consult import db
    import consult.intake.secrecy as intake_secrecy
    import consult.voting.sealing as sealing

    sealing.configure(settings.secret_key)  # the demo casts and closes votes
    intake_secrecy.configure(settings.secret_key)  # and enters topics for residents (sealed contacts)
    db.use_database(settings.database_url)
    await db.prepare_engine()
    await db.migrate()


async def _bootstrap(settings, demo: bool) -> None:
    from consult.accounts.services import ensure_first_admin

    await _prepare(settings)
    if demo:
        from consult.demo import load_demo

        print(await load_demo())
    from consult.accounts.domain import AccountInputError

    try:
        line = await ensure_first_admin(settings.admin_password)
    except AccountInputError as exc:  # CONSULT_ADMIN_PASSWORD is one nobody may choose
        from consult import db

        await db.close_engine()
        for error in exc.errors.values():
            print(f"consult: CONSULT_ADMIN_PASSWORD: {error.message.format(**error.params)}", file=sys.stderr)
        sys.exit(USAGE_EXIT)
    if line:
        print("=" * 72)
        print(line)
        print("(or create one yourself: consult user add NAME --role admin)")
        print("=" * 72)
    from consult import db

    await db.close_engine()


def cmd_serve(args) -> int:
    import uvicorn

    settings = _settings()
    if args.demo and settings.production:
        print("consult: refusing to load demo data with CONSULT_ENV=production", file=sys.stderr)
        return USAGE_EXIT
    if args.workers > 1 and settings.is_sqlite:
        print("consult: note: SQLite serialises writes; use PostgreSQL for several workers.", file=sys.stderr)
    asyncio.run(_bootstrap(settings, args.demo))
    print(f"Consult is running at http://{args.host}:{args.port}/", flush=True)
    uvicorn.run(
        "consult.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=False,
        log_level="info",
    )
    return 0


def cmd_migrate(args) -> int:
    settings = _settings()
    asyncio.run(_bootstrap(settings, demo=False))
    print("Migrations applied.")
    return 0


def cmd_demo(args) -> int:
    settings = _settings()
    if settings.production:
        print("consult: refusing to load demo data with CONSULT_ENV=production", file=sys.stderr)
        return USAGE_EXIT

    async def run():
        await _prepare(settings)
        from consult.demo import load_demo

        print(await load_demo())
        if args.scale > 0:
            print(await _scale_data(settings, args.scale, args.communities))
        from consult import db

        await db.close_engine()

    if args.scale > 0 and _bench_dir() is None:
        print("consult: --scale needs the bench/ folder of a source checkout (bench/scale.py)", file=sys.stderr)
        return USAGE_EXIT
    if args.communities < 1:
        print("consult: --communities must be at least 1", file=sys.stderr)
        return USAGE_EXIT
    asyncio.run(run())
    return 0


def _bench_dir():
    """The source checkout's bench/ folder (the load-test data generator), or None."""
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "bench"
    return folder if (folder / "scale.py").is_file() else None


async def _scale_data(settings, topics: int, communities: int) -> str:
    """bench/scale.py's generator, run in this process (after the demo)."""
    sys.path.insert(0, str(_bench_dir()))
    import scale  # bench/scale.py (the open scale vote's ballots are sealed: _prepare configured sealing)

    return await scale.generate(topics, communities=communities)


def cmd_user_add(args) -> int:
    from consult.accounts.domain import AccountInputError
    from consult.messages import Refusal

    settings = _settings()
    password = sys.stdin.readline().rstrip("\n")
    if not password:
        print("consult: give the password on standard input, e.g. echo 'secret-pass' | consult user add NAME",
              file=sys.stderr)
        return USAGE_EXIT

    async def run():
        await _prepare(settings)
        from consult.accounts.services import create_user

        try:
            user_id = await create_user(args.name, password, sorted(set(args.roles)), args.display_name, args.grid)
        finally:
            from consult import db

            await db.close_engine()
        return user_id

    try:
        user_id = asyncio.run(run())
    except AccountInputError as exc:
        for name, error in exc.errors.items():
            print(f"consult: {name}: {error.message.format(**error.params)}", file=sys.stderr)
        return USAGE_EXIT
    except Refusal as exc:
        print(f"consult: {exc}", file=sys.stderr)
        return USAGE_EXIT
    print(f"User {args.name} created (id {user_id}) with roles: {', '.join(sorted(set(args.roles))) or 'none'}.")
    return 0


def _read_input(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    with open(name, "rb") as f:
        return f.read()


def cmd_places_holidays(args) -> int:
    settings = _settings()
    try:
        data = _read_input(args.file)
    except OSError as exc:
        print(f"consult: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return USAGE_EXIT
    from consult.places.calendar_changes import find_place, import_days
    from consult.places.calendar_days import CalendarFileRefused

    async def run():
        await _prepare(settings)
        from consult import db

        try:
            place_id = await find_place(args.place)
            return None if place_id is None else await import_days(None, place_id, data)
        finally:
            await db.close_engine()

    try:
        result = asyncio.run(run())
    except CalendarFileRefused as exc:
        print(f"consult: {exc}", file=sys.stderr)
        print("consult: nothing was imported.", file=sys.stderr)
        return 1
    if result is None:
        print(f"consult: no single place is named {args.place!r} (give its id).", file=sys.stderr)
        return USAGE_EXIT
    print(f"Imported {args.file} into the calendar of {args.place}: {result[0]} days, {result[1]} changed.")
    return 0


def cmd_places_import(args) -> int:
    settings = _settings()
    try:
        if args.file == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(args.file, "rb") as f:
                data = f.read()
    except OSError as exc:
        print(f"consult: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return USAGE_EXIT
    from consult.places.importer import ImportRefused, import_places

    async def run():
        await _prepare(settings)
        from consult import db

        try:
            return await import_places(None, data)
        finally:
            await db.close_engine()

    try:
        result = asyncio.run(run())
    except ImportRefused as exc:
        for problem in exc.problems:
            print(f"consult: {problem.text()}", file=sys.stderr)
        print("consult: nothing was imported.", file=sys.stderr)
        return 1
    print(f"Imported {args.file}: {result.created} places created, {result.updated} household counts changed.")
    return 0


RECORD_MISMATCH = 1


def cmd_recount(args) -> int:
    """Print the result of FILE in the format of /results, with the SHA-256 of the bytes read
    (so the output of the downloaded /ballots file equals /results); with --sha256, refuse a
    file that is not the sealed record."""
    import hashlib
    import json

    try:
        from consult.voting.counting import CountingInputError, recount_record
    except ModuleNotFoundError:
        print("consult: counting is not available in this build", file=sys.stderr)
        return USAGE_EXIT
    try:
        if args.file == "-":
            raw = sys.stdin.buffer.read()
        else:
            with open(args.file, "rb") as f:
                raw = f.read()
    except OSError as exc:
        print(f"consult: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return USAGE_EXIT
    digest = hashlib.sha256(raw).hexdigest()
    if args.sha256 is not None:
        expected = args.sha256.strip().lower()
        if digest != expected:
            print(f"consult: {args.file} is NOT the published record: its SHA-256 is {digest}, "
                  f"the published one is {expected}. Not recounted.", file=sys.stderr)
            return RECORD_MISMATCH
        print(f"consult: {args.file} is the published record (SHA-256 {digest} matches).", file=sys.stderr)
    try:
        result = recount_record(raw)
    except CountingInputError as exc:
        print(f"consult: invalid election: {exc}", file=sys.stderr)
        return USAGE_EXIT
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


def _confirmed(args, question: str) -> bool:
    """--yes, or "y" typed on a terminal; never a guess when nobody can answer."""
    if args.yes:
        return True
    if not sys.stdin.isatty():
        print(f"consult: {question} Refusing without --yes (standard input is not a terminal).", file=sys.stderr)
        return False
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def cmd_backup(args) -> int:
    from pathlib import Path

    from consult.backup import BackupError, backup, shown_url

    settings = _settings()
    target = Path(args.file)
    if target.exists() and not _confirmed(args, f"{target} exists: replace it?"):
        return USAGE_EXIT
    try:
        backup(settings.database_url, target)
    except (BackupError, OSError) as exc:
        print(f"consult: backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"Backup of {shown_url(settings.database_url)} written to {target} ({target.stat().st_size} bytes).")
    return 0


def cmd_restore(args) -> int:
    from pathlib import Path

    from consult.backup import BackupError, restore, shown_url

    settings = _settings()
    shown = shown_url(settings.database_url)
    if not _confirmed(args, f"Replace everything in {shown} by the backup {args.file}?"):
        return USAGE_EXIT
    try:
        revision = restore(settings.database_url, Path(args.file))
    except (BackupError, OSError) as exc:
        print(f"consult: restore failed: {exc}", file=sys.stderr)
        return 1
    print(f"Restored {args.file} into {shown}; content revision is now {revision}.")
    print("Run `consult migrate` (or start `consult serve`, which migrates) if the backup is from an older release.")
    return 0


COMMANDS = {"serve": cmd_serve, "migrate": cmd_migrate, "demo": cmd_demo, "recount": cmd_recount,
            "backup": cmd_backup, "restore": cmd_restore}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "user":
        code = cmd_user_add(args)
    elif args.command == "places":
        code = cmd_places_holidays(args) if args.places_command == "holidays" else cmd_places_import(args)
    else:
        code = COMMANDS[args.command](args)
    if code:
        sys.exit(code)
    return code


if __name__ == "__main__":
    main()
