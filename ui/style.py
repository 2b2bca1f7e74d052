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
- The uploader's button gets the Dutch accessible name "Bestand kiezen" as an aria-label
  (CSS content is not part of an accessible name for every screen reader or for axe-core,
  and the hidden English text no longer names it): a small literal script, no data in it.
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
        [data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] {
          display: none;
        }
        [data-testid="stFileUploaderDropzone"] button::after {
          content: "Bestand kiezen"; font-size: 0.875rem;
        }
        [data-testid="stDataFrame"] [data-testid="stElementToolbar"] { display: none; }
        [data-testid="stDataFrameColumnMenu"] { display: none; }
        </style>
        """
    )
    st.html(
        """
        <script>
        (() => {
          if (window.schoolfotoUploaderNames) return;  // one observer per browser tab
          window.schoolfotoUploaderNames = true;
          const name = () => document
            .querySelectorAll('[data-testid="stFileUploaderDropzone"] button')
            .forEach((b) => b.setAttribute("aria-label", "Bestand kiezen"));
          name();
          new MutationObserver(name).observe(document.body, { childList: true, subtree: true });
        })();
        </script>
        """,
        unsafe_allow_javascript=True,
    )
