"""Gradio's own interface text in Danish, for `gr.I18n` (passed to `launch`).

Gradio ships no Danish and picks English for a Danish browser, so these keys
replace both. The keys are Gradio 6's (its bundled `en` translation); only the
groups whose text can appear in this app are translated: upload boxes, file
lists, tables, the chat, errors, loading and queue texts.
"""

from __future__ import annotations

_GROUPS: dict[str, dict[str, str]] = {
    "upload_text": {
        "click_to_upload": "Klik for at vælge filer",
        "drop_audio": "Træk lyd hertil",
        "drop_csv": "Træk CSV hertil",
        "drop_file": "Træk filer hertil",
        "drop_image": "Træk et billede hertil",
        "drop_video": "Træk video hertil",
        "drop_gallery": "Træk medier hertil",
        "paste_clipboard": "Indsæt fra udklipsholderen",
    },
    "file": {"uploading": "Overfører …"},
    "common": {
        "built_with": "bygget med",
        "built_with_gradio": "Bygget med Gradio",
        "clear": "Ryd",
        "download": "Hent",
        "download_all": "Hent alle",
        "edit": "Redigér",
        "empty": "Tom",
        "error": "Fejl",
        "hosted_on": "Kører på",
        "loading": "Indlæser",
        "logo": "logo",
        "or": "eller",
        "remove": "Fjern",
        "settings": "Indstillinger",
        "share": "Del",
        "submit": "Send",
        "undo": "Fortryd",
        "language": "Sprog",
        "display_theme": "Tema",
        "progress": "Fremskridt",
        "complete": "Færdig",
        "stop_recording": "Stop optagelse",
        "record": "Optag",
        "run": "Kør",
    },
    "chatbot": {
        "edit": "Redigér",
        "retry": "Prøv igen",
        "undo": "Fortryd",
        "submit": "Send",
        "cancel": "Annullér",
        "like": "Synes godt om",
        "dislike": "Synes ikke om",
        "clear": "Ryd samtalen",
        "complete": "Færdig",
        "copy_message": "Kopiér besked",
        "copied_message": "Beskeden er kopieret",
    },
    "dataframe": {
        "new_column": "Tilføj kolonne",
        "new_row": "Ny række",
        "sort_column": "Sortér kolonnen",
        "sort_ascending": "Sortér stigende",
        "sort_descending": "Sortér faldende",
        "clear_sort": "Fjern sortering",
        "filter": "Filtrér",
        "clear_filter": "Fjern filtre",
        "drop_to_upload": "Træk CSV- eller TSV-filer hertil",
    },
    "blocks": {
        "connection_can_break": "På en mobil kan forbindelsen gå tabt, hvis fanen ikke er i "
        "forgrunden eller enheden går i dvale.",
        "long_requests_queue": "Der er mange forespørgsler i kø. Vent et øjeblik.",
        "lost_connection": "Forbindelsen blev afbrudt. Genopretter …",
        "waiting_for_inputs": "Venter på, at filerne er overført. Prøv igen om et øjeblik.",
    },
    "errors": {
        "build_error": "der er en fejl i opbygningen",
        "config_error": "der er en fejl i opsætningen",
        "contact_page_author": "Kontakt den, der driver siden.",
        "runtime_error": "der opstod en fejl",
        "use_via_api": "Brug via API",
        "use_via_api_or_mcp": "Brug via API eller MCP",
    },
    "status": {"queue_position": "I kø: {position} af {size}"},
    "dropdown": {"dropdown": "Rulleliste"},
    "slider": {"slider": "Skyder"},
    "checkbox": {"checkbox": "Afkrydsningsfelt", "checkbox_group": "Afkrydsningsfelter"},
}

#: Flat "group.key" -> Danish text, as gr.I18n takes it.
GRADIO_DANISH: dict[str, str] = {
    f"{group}.{key}": text for group, texts in _GROUPS.items() for key, text in texts.items()
}
