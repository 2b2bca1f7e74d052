"""Page-wide CSS, one literal block (no data in it: tests/test_security_static.py).

- Narrower side margins in the wide layout, so the school-photo grid (every school year and
  the trend) fits next to the sidebar at 1280 px.
- Dutch for the parts of Streamlit's file uploader that have no parameter: the drop-zone text
  and the button. The original English text is hidden from sight and from screen readers
  (`visibility: hidden`), the Dutch text is CSS content, which screen readers do read. The
  size limit line is hidden: the limit is set once (`server.maxUploadSize` in
  .streamlit/config.toml, equal to data_model.imports.reader.MAX_FILE_BYTES, tested) and
  each uploader's help text states it from the importer's constant.
- No English table menus: the dataframe toolbar ("Download as CSV", "Search", "Fullscreen")
  and the column menu ("Sort ascending", "Pin column", …) are hidden. The column menu's sort
  would also turn a staff table of schools into a league table (ui.components
  .name_ordered_table switches header-click sorting off; README "Geen rangschikkingen").
- Charts side by side (ui.components.chart_columns, a container keyed `naast-elkaar-…`)
  are stacked below 1100 px: next to the sidebar, two columns at 800 or 1024 px leave a
  chart 200-300 px wide, which cuts off its title, subtitle and legend.
- A status badge (ui.components.status_badge, the only coloured-background Markdown) never
  breaks inside: "● Zoals / verwacht" over two lines reads as two things. In the overview
  of schools (ui.overview, containers keyed `overzicht-…`) a cell ("▲ +6,3") may wrap
  between symbol and number, and the table is set a little smaller, so it fits at 800 px.
- A small literal script (no data in it) for what CSS cannot do: the uploader's buttons get
  Dutch accessible names by their kind, "Bestand kiezen", and once a file is chosen
  "Gekozen bestand verwijderen" (the chip's x) and "Ander bestand kiezen" (the "+"; CSS
  content is not part of an accessible name for axe-core, and the hidden English text no
  longer names them), and Streamlit's "Page not
  found" dialog (a mistyped or outdated link) is shown in Dutch.
"""

from __future__ import annotations

import streamlit as st


def apply_page_style() -> None:
    st.html(
        """
        <style>
        [data-testid="stMainBlockContainer"] { padding-left: 2rem; padding-right: 2rem; }
        [data-testid="stFileUploaderDropzoneInstructions"] span {
          visibility: hidden; font-size: 0;
        }
        [data-testid="stFileUploaderDropzoneInstructions"] span::after {
          content: "Sleep een bestand hierheen"; visibility: visible; font-size: 1rem;
        }
        [data-testid="stFileUploaderDropzoneInstructions"] small { display: none; }
        [data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"]
          [data-testid="stMarkdownContainer"] {
          display: none;
        }
        [data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"]::after {
          content: "Bestand kiezen"; font-size: 0.875rem; white-space: nowrap;
        }
        [data-testid="stDataFrame"] [data-testid="stElementToolbar"] { display: none; }
        [data-testid="stDataFrameColumnMenu"] { display: none; }
        .stMarkdownColoredBackground { white-space: nowrap; }
        /* The overview of schools (ui.overview): a compact table whose cells may wrap between
           symbol and number, so every column fits beside the menu at 800 px. */
        [class*="st-key-overzicht-"] table { font-size: 0.85rem; }
        [class*="st-key-overzicht-"] th, [class*="st-key-overzicht-"] td {
          padding: 0.3rem 0.4rem;
        }
        [class*="st-key-overzicht-"] td .stMarkdownColoredBackground { white-space: normal; }
        @media (max-width: 1100px) {
          [class*="st-key-naast-elkaar-"] [data-testid="stHorizontalBlock"] {
            flex-wrap: wrap;
          }
          [class*="st-key-naast-elkaar-"] [data-testid="stColumn"] {
            min-width: 100%;
          }
          /* A projector (1024 px): a narrower menu leaves the grid's trend period in view. */
          [data-testid="stSidebar"][data-collapsed="false"] {
            width: 244px !important; min-width: 244px !important;
          }
        }
        </style>
        """
    )
    st.html(
        """
        <script>
        (() => {
          if (window.schoolfotoDutch) return;  // one observer per browser tab
          window.schoolfotoDutch = true;
          // Streamlit's own texts that have no parameter, word for word -> Dutch.
          const dutch = {
            "Page not found": "Pagina niet gevonden",
            "The page that you have requested does not seem to exist. Running the app's main page.":
              "Deze pagina bestaat niet (meer). U ziet de startpagina.",
          };
          const apply = () => {
            // The uploader's three buttons: choose (no file yet), remove the chosen file,
            // choose another one (the "+" next to a chosen file).
            const uploader = {
              "stBaseButton-secondary": "Bestand kiezen",
              "stBaseButton-minimal": "Gekozen bestand verwijderen",
              "stBaseButton-borderlessIcon": "Ander bestand kiezen",
            };
            document
              .querySelectorAll('[data-testid="stFileUploaderDropzone"] button')
              .forEach((b) => {
                const name = uploader[b.dataset.testid];
                if (name && b.getAttribute("aria-label") !== name) {
                  b.setAttribute("aria-label", name);
                }
              });
            document.querySelectorAll('[role="dialog"] h2, [role="dialog"] div').forEach((el) => {
              if (el.children.length === 0 && dutch[el.textContent.trim()]) {
                el.textContent = dutch[el.textContent.trim()];
              }
            });
            document
              .querySelectorAll('[role="dialog"] button[aria-label="Close"]')
              .forEach((b) => b.setAttribute("aria-label", "Sluiten"));
          };
          apply();
          new MutationObserver(apply).observe(document.body, { childList: true, subtree: true });
        })();
        </script>
        """,
        unsafe_allow_javascript=True,
    )
