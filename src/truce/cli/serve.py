"""`truce serve`: the shared service over ledger directories (FastAPI on uvicorn)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from truce.cli.common import app, err
from truce.errors import BadInput
from truce.ledger.directory import passphrase


@app.command()
def serve(
    directories: Annotated[
        list[Path], typer.Argument(help="Ledger directories to serve (each under its ledger id).")
    ],
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (loopback by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    ssl_certfile: Annotated[
        Path | None, typer.Option("--ssl-certfile", help="TLS certificate (PEM) for HTTPS.")
    ] = None,
    ssl_keyfile: Annotated[
        Path | None, typer.Option("--ssl-keyfile", help="TLS private key (PEM) for HTTPS.")
    ] = None,
    scenario: Annotated[
        list[str] | None,
        typer.Option("--scenario", help="NAME=FILE: a scenario offered for simulation jobs."),
    ] = None,
    route: Annotated[
        list[str] | None,
        typer.Option("--route", help="NAME=FILE: an aid route offered by name."),
    ] = None,
    job_workers: Annotated[
        int, typer.Option("--job-workers", min=1, max=64, help="Threads running jobs.")
    ] = 1,
    witness: Annotated[
        Path | None,
        typer.Option(
            "--witness",
            help="Witness other logs (C2SP tlog-witness) as configured in this TOML file: "
            "name, key, state, and a [[log]] per log (origin, public_key).",
        ),
    ] = None,
    ray: Annotated[
        str | None,
        typer.Option(
            "--ray",
            help='Run simulation jobs on Ray: "local" (start or join one here) or an address.',
        ),
    ] = None,
) -> None:
    """Serve ledgers over HTTP: parties, mediators and readers with tokens (`truce token new`)."""
    from truce.service.deps import require_fastapi

    require_fastapi()
    import uvicorn

    from truce.service.app import create_app
    from truce.service.settings import Settings
    from truce.service.witness import WitnessConfig

    settings = Settings(
        scenarios=_named(scenario or [], "--scenario"),
        routes=_named(route or [], "--route"),
        job_workers=job_workers,
        witness=None if witness is None else WitnessConfig.load(witness, passphrase()),
        job_backend="local" if ray is None else "ray",
        ray_address=None if ray in (None, "local") else ray,
    )
    api = create_app(directories, settings=settings)
    for lid in api.state.hub.ledgers:
        err.print(f"serving {lid} at http://{host}:{port}/v1/agreements/{lid}")
    uvicorn.run(
        api,
        host=host,
        port=port,
        log_level="warning",
        ssl_certfile=str(ssl_certfile) if ssl_certfile else None,
        ssl_keyfile=str(ssl_keyfile) if ssl_keyfile else None,
        timeout_graceful_shutdown=5,
    )


def _named(items: list[str], option: str) -> dict[str, Path]:
    """NAME=FILE options as a mapping; each file must exist now, not at the first request."""
    out: dict[str, Path] = {}
    for item in items:
        name, sep, file = item.partition("=")
        if not sep or not name or not file:
            raise BadInput(f"expected NAME=FILE, got {item!r}", where=option)
        if not Path(file).is_file():
            raise BadInput(f"no such file {file!r}", where=option)
        out[name] = Path(file)
    return out
