"""The web chat's Dokumenter tab: the document list for everyone, changes for editors.

`library_tab(...)` lays the tab out inside the chat's gr.Blocks and wires it
to a Library (casechat/library) and a Builder that updates the index in the
background. Every changing handler checks the editor's session cookie and CSRF token on
the server (casechat/library/sessions.py) and is private to the browser (no Gradio API
endpoint); the reading ones show the list. A timer refreshes the list, the
progress bar and the chat's filters when the index or the library changed.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from base.errors import AccessError, CasechatError
from base.settings import Settings
from casechat.answer import Responder
from casechat.document_page import document_page
from casechat.editor_routes import LOGIN_JS, LOGOUT_JS
from casechat.library import Library, form_meta
from casechat.library.builder import Builder
from casechat.library.catalog import COLUMNS, matching, rows
from casechat.library.guard import Filters, handler
from casechat.library.sessions import sessions_for, token_of
from casechat.library.views import CSS, LOGIN_NEEDED, NO_EDITORS, checked, message, progress
from casechat.library.web_tab import web_section
from ingest.municipalities import municipalities

PRIVATE = {"api_visibility": "private"}
QUIET = {**PRIVATE, "show_progress": "hidden"}
__all__ = ["CSS", "library_tab"]


def library_tab(
    settings: Settings,
    responder: Responder,
    munis: gr.Dropdown,
    docs: gr.Dropdown,
    tabs: gr.Tabs | None = None,
) -> Builder:
    """The Dokumenter tab (call inside `with gr.Tab("Dokumenter")`); its Builder."""
    library = Library(settings).open()
    filters = Filters(responder)

    def after_build(_report) -> None:
        filters.refresh()  # loads the new index in the builder's thread, not a question's

    builder = Builder(settings, lambda: responder.source.current().embedder, after_build)
    builder.request()  # the list's statuses: which files are skipped, and why
    all_munis = sorted(m.name for m in municipalities())

    has_editors = bool(library.editors.names())
    gr.Markdown("## Dokumenterne i biblioteket")
    status = gr.HTML(progress(builder.state()), elem_id="bibliotek-status")
    query = gr.Textbox(
        label="Søg i listen", placeholder="Titel, fil, kommune …", elem_id="dok-soeg"
    )
    table = gr.Dataframe(
        headers=COLUMNS,
        interactive=False,
        wrap=True,
        elem_id="dok-liste",
        max_height=420,
        column_widths=["24%", "18%", "11%", "8%", "6%", "5%", "6%", "9%", "13%"],
    )
    if tabs is not None:  # a click on a row opens the document's page
        document_page(responder, table, docs, tabs)
    login = gr.Textbox(visible=False, elem_id="csrf")  # the CSRF token of the editor session
    sessions = sessions_for(settings.library)

    def editor_of(csrf, request) -> str:
        return sessions.check(token_of(request), csrf)

    staged = gr.State({})
    pending_removal = gr.State(None)
    seen = gr.State(None)
    with gr.Accordion("Redaktør", open=True, elem_id="redaktoer"):
        gr.Markdown(LOGIN_NEEDED if has_editors else NO_EDITORS, elem_id="login-hjaelp")
        with gr.Row(visible=has_editors):
            name = gr.Textbox(label="Navn", elem_id="login-navn", scale=2)
            password = gr.Textbox(
                label="Adgangskode", type="password", elem_id="login-kode", scale=2
            )
            log_in_button = gr.Button("Log ind", elem_id="log-ind", scale=1)
            log_out_button = gr.Button("Log ud", elem_id="log-ud", scale=1, size="sm")
    notice = gr.HTML("", elem_id="bibliotek-besked")
    with gr.Column(visible=False) as editor_area:
        with gr.Accordion("Tilføj eller erstat dokumenter", open=True):
            upload = gr.File(
                label="Træk filer hertil (.txt, .md, .pdf, .docx, .pptx, .odt, .html)",
                file_count="multiple",
                type="filepath",
                elem_id="upload",
            )
            upload_result = gr.HTML("", elem_id="upload-resultat")
            with gr.Row():
                pick = gr.Dropdown(label="Metadata for filen", choices=[], elem_id="meta-fil")
                title = gr.Textbox(label="Titel", elem_id="meta-titel")
            with gr.Row():
                meta_munis = gr.Dropdown(
                    all_munis, multiselect=True, label="Kommuner", elem_id="meta-kommuner"
                )
                date = gr.Textbox(label="Dato (år-måned-dag)", elem_id="meta-dato")
                kind = gr.Textbox(label="Dokumenttype", elem_id="meta-type")
            with gr.Row():
                save_meta = gr.Button("Gem metadata for filen", elem_id="gem-meta")
                replace = gr.Checkbox(
                    label="Erstat dokumenter med samme navn eller indhold", elem_id="erstat"
                )
                add = gr.Button("Tilføj til biblioteket", variant="primary", elem_id="tilfoej")
        with gr.Accordion("Fjern og gendan", open=True):
            with gr.Row():
                remove_pick = gr.Dropdown(label="Dokument", choices=[], elem_id="fjern-valg")
                remove = gr.Button("Fjern …", variant="stop", elem_id="fjern")
            with gr.Row(visible=False) as confirm_row:
                confirm = gr.Button(
                    "Ja, flyt det til papirkurven", variant="stop", elem_id="fjern-ja"
                )
                cancel = gr.Button("Fortryd", elem_id="fjern-nej")
            with gr.Row():
                restore_pick = gr.Dropdown(label="Papirkurven", choices=[], elem_id="gendan-valg")
                restore = gr.Button("Gendan", elem_id="gendan")
            rebuild = gr.Button("Opdatér indekset", size="sm", elem_id="opdater")
        web_section(library, builder, login, status, notice, editor_of)  # library/web_tab.py
    timer = gr.Timer(1.5)

    def listing(text: str) -> dict:
        searcher = responder.source.current()
        found = matching(rows(settings, searcher.snapshot, builder.state()), text)
        return {"headers": COLUMNS, "data": [r.cells() for r in found] or [[""] * len(COLUMNS)]}

    def choices() -> tuple[list, list]:
        files = [
            (f"{r.title} ({r.source})", r.source) for r in rows(settings, None, builder.state())
        ]
        recycled = [(e.label(), e.id) for e in library.recycled()]
        return files, recycled

    @handler(7, quiet=True)
    def refresh(last, text, chosen_munis, chosen_docs, force=False):
        """Update what changed since this session last looked (every tick of the timer)."""
        index_name = filters.refresh()
        key = (builder.state().version, index_name, library.version, text)
        if key == last and not force:
            return tuple([gr.skip()] * 7)
        files, recycled = choices()
        muni_choices = responder.municipalities
        doc_choices = [(t, s) for s, t in responder.documents.items()]
        keep_m = [m for m in chosen_munis or [] if m in muni_choices]
        keep_d = [d for d in chosen_docs or [] if d in responder.documents]
        return (
            progress(builder.state()),
            listing(text),
            gr.Dropdown(choices=files, value=None),
            gr.Dropdown(choices=recycled, value=None),
            gr.Dropdown(choices=muni_choices, value=keep_m),
            gr.Dropdown(choices=doc_choices, value=keep_d),
            key,
        )

    @handler(4)
    def on_log_in(user, failure, request: gr.Request):
        if failure:  # LOGIN_JS posted the password to /editor/login, which refused it
            raise AccessError(str(failure)[:300])
        editor = sessions.check(token_of(request), change=False)
        text = message(f"Logget ind som {editor}.")
        return sessions.csrf_of(token_of(request)), "", gr.Column(visible=True), text

    @handler(3)
    def on_log_out(request: gr.Request):
        sessions.revoke(token_of(request))
        return "", gr.Column(visible=False), message("Du er logget ud.")

    @handler(8)
    def on_upload(files, session, request: gr.Request):
        editor_of(session, request)
        uploads = [(Path(f), Path(f).name) for f in files or []]
        taken, refused = library.check(uploads)
        kept = {str(c.staged): (c, c.found) for c in taken}
        first = taken[0] if taken else None
        labels = [(f"{c.original} → {c.name}", str(c.staged)) for c in taken]
        found = first.found if first else None
        return (
            kept,
            checked(taken, refused),
            gr.Dropdown(choices=labels, value=str(first.staged) if first else None),
            found.title if found else "",
            list(found.municipalities) if found else [],
            (found.date or "") if found else "",
            (found.kind or "") if found else "",
            message(
                f"{len(taken)} fil(er) klar, {len(refused)} afvist.", "warn" if refused else "ok"
            ),
        )

    @handler(5)
    def on_pick(key, kept):
        if not key or key not in (kept or {}):
            return "", [], "", "", ""
        meta = kept[key][1]
        return meta.title, list(meta.municipalities), meta.date or "", meta.kind or "", ""

    def store_meta(kept, key, t, m, d, k):
        if key and key in (kept or {}):
            kept = dict(kept)
            kept[key] = (kept[key][0], form_meta(t, m, d, k))
        return kept

    @handler(2)
    def on_save_meta(key, t, m, d, k, kept, session, request: gr.Request):
        editor_of(session, request)
        return store_meta(kept, key, t, m, d, k), message("Metadata er gemt for filen.")

    @handler(10)
    def on_add(key, t, m, d, k, replace_ok, kept, session, request: gr.Request):
        editor = editor_of(session, request)
        if not kept:
            raise CasechatError("Vælg først filer at tilføje (træk dem til feltet ovenfor).")
        kept = store_meta(kept, key, t, m, d, k)
        done, problems, left = [], [], {}
        for staged_key, (candidate, meta) in kept.items():
            try:
                done.append(library.add(candidate, meta, editor, replace=bool(replace_ok)))
            except CasechatError as exc:
                problems.append(str(exc))
                left[staged_key] = (candidate, meta)
        if done:
            builder.request(c.name for c in done)
        lines = [f"{'Erstattet' if c.replaced else 'Tilføjet'}: {c.name}" for c in done]
        if done:
            lines.append("Indekset opdateres i baggrunden; chatten svarer imens fra det nuværende.")
        box = message("\n".join(lines + problems), "warn" if problems else "ok")
        clear = gr.skip() if left else None
        cleared = [gr.skip()] * 5 if left else [gr.Dropdown(choices=[], value=None), "", [], "", ""]
        return left, clear, clear or "", progress(builder.state()), *cleared, box

    @handler(3)
    def on_remove_ask(source, session, request: gr.Request):
        editor_of(session, request)
        if not source:
            raise CasechatError("Vælg det dokument, der skal fjernes.")
        text = f"Fjern {source}? Det flyttes til papirkurven og kan gendannes."
        return source, gr.Row(visible=True), message(text, "warn")

    @handler(4)
    def on_remove_yes(source, asked, session, request: gr.Request):
        editor = editor_of(session, request)
        if not source or source != asked:
            raise CasechatError("Vælg dokumentet, og tryk »Fjern …« igen for at bekræfte.")
        change = library.remove(source, editor)
        builder.request([change.name])
        text = f"Fjernet: {change.name} ligger i papirkurven. Indekset opdateres i baggrunden."
        return None, gr.Row(visible=False), progress(builder.state()), message(text)

    @handler(2)
    def on_restore(entry_id, session, request: gr.Request):
        editor = editor_of(session, request)
        if not entry_id:
            raise CasechatError("Vælg det dokument i papirkurven, der skal gendannes.")
        change = library.restore(entry_id, editor)
        builder.request([change.name])
        text = f"Gendannet: {change.name}. Indekset opdateres i baggrunden."
        return progress(builder.state()), message(text)

    @handler(2)
    def on_rebuild(session, request: gr.Request):
        editor_of(session, request)
        builder.request()
        return progress(builder.state()), message("Indekset opdateres i baggrunden.")

    view = [status, table, remove_pick, restore_pick, munis, docs, seen]
    watch = [seen, query, munis, docs]
    timer.tick(refresh, watch, view, **QUIET)
    query.change(lambda *a: refresh(*a, force=True), watch, view, **QUIET)
    entered = [login, password, editor_area, notice]
    log_in_button.click(on_log_in, [name, password], entered, js=LOGIN_JS, **PRIVATE)
    password.submit(on_log_in, [name, password], entered, js=LOGIN_JS, **PRIVATE)
    out = [login, editor_area, notice]
    log_out_button.click(on_log_out, None, out, js=LOGOUT_JS, **PRIVATE)
    form = [pick, title, meta_munis, date, kind]
    upload.upload(on_upload, [upload, login], [staged, upload_result, *form, notice], **PRIVATE)
    pick.input(on_pick, [pick, staged], [title, meta_munis, date, kind, notice], **PRIVATE)
    save_meta.click(on_save_meta, [*form, staged, login], [staged, notice], **PRIVATE)
    added = [staged, upload, upload_result, status, *form, notice]
    add.click(on_add, [*form, replace, staged, login], added, **PRIVATE)
    asking = [pending_removal, confirm_row, notice]
    remove.click(on_remove_ask, [remove_pick, login], asking, **PRIVATE)
    removed = [pending_removal, confirm_row, status, notice]
    confirm.click(on_remove_yes, [remove_pick, pending_removal, login], removed, **PRIVATE)
    cancel.click(lambda: (None, gr.Row(visible=False), ""), None, asking, **PRIVATE)
    restore.click(on_restore, [restore_pick, login], [status, notice], **PRIVATE)
    rebuild.click(on_rebuild, login, [status, notice], **PRIVATE)
    return builder
