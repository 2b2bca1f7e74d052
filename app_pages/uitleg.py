"""Uitleg: glossary and how colours and trends are decided, read from rules.toml.

(docs/architecture.md, "Pages"; the method: docs/statistics.md)

Twice, for two readers: in plain Dutch for a director (no formulas), then with the numbers
and the variance components estimated at the last import for whoever wants to check.
"""

import pandas as pd
import streamlit as st

from data_model.reading import comparisons
from data_model.rules import load_rules
from data_model.statistics.funnel import level_label
from data_model.texts.explain import (
    cell_label,
    colour_meaning,
    comparison_label,
    much_size,
)
from data_model.texts.formatting import format_number
from data_model.texts.legend import near_size, trend_meanings
from data_model.vocabulary import AS_EXPECTED, UNCERTAIN
from ui.components import render_legend
from ui.data import query

rules = load_rules()
conf = level_label(rules.confidence)  # '97,5 %'
dom_conf = level_label(rules.domain_confidence)
close_label = rules.statuses[AS_EXPECTED].label.lower()
unsure_label = rules.statuses[UNCERTAIN].label.lower()
group = comparison_label(rules)
years = rules.status_years

st.title("Uitleg")
st.markdown(
    f"Schoolfoto zet de resultaten van uw school naast die van **{group}**, zodat een team "
    "samen kan zien wat opvalt en daarover in gesprek kan gaan. Data zijn een middel, geen doel: "
    "een kleur is een vraag, geen oordeel."
)

st.header("In het kort")
st.markdown(
    f"""
1. Het getal in een cel is het verschil met {group} in punten, over de laatste {years}
   schooljaren samen (want één klas kan toevallig sterker of zwakker zijn dan de vorige). De
   kleur beoordeelt precies dat getal; de score van één jaar staat in de uitleg bij de cel.
2. Grijs zegt welk grijs: *{close_label}* (aantoonbaar dicht bij {group}) of *{unsure_label}*
   (de gegevens kunnen het nog niet zeggen).
3. Een cel krijgt pas een kleur als het verschil met {group} zo duidelijk is dat toeval (welke
   leerlingen, welke klas) het nauwelijks kan verklaren; anders blijft ze grijs.
4. *Veel hoger* of *veel lager* betekent dat het verschil zeker groot is, niet alleen
   waarschijnlijk.
5. Een trend *stijgend* of *dalend* verschijnt alleen als de lijn over de jaren duidelijk
   omhoog of omlaag gaat; met vijf jaren kan dat zelden, dus *geen duidelijke trend* betekent
   niet dat alles hetzelfde blijft.
"""
)
st.info(colour_meaning(rules))
render_legend(rules, with_meaning=False)  # the sentence once, in the box above
st.caption(
    "De kleuren zijn blauw en oranje (ook leesbaar bij kleurenblindheid), altijd samen met een "
    "symbool en een woord. Rood en groen gebruiken we bewust niet."
)

st.header("Hoe een cel haar kleur krijgt")
st.markdown(
    f"""
1. **Privacy.** Hebben minder dan **{rules.min_group_size} leerlingen** de toets gemaakt, dan
   tonen we niets: geen score, geen kleur, ook niet in een export.
2. **Te weinig voor een oordeel.** Bij minder dan **{rules.min_colour_size} leerlingen** in dat
   schooljaar tonen we de score, maar geven we geen kleur. Een school zonder contextgegevens
   heeft geen SES-groep en dus geen vergelijkbare scholen: ook dan geen kleur (zulke scholen
   vergelijken we nooit met elkaar).
3. **Verschil.** Elk jaar vergelijken we het schoolgemiddelde met wat scholen met een
   vergelijkbare leerlingenpopulatie halen: een lijn door alle andere scholen van dat jaar en
   die toets, volgens hun SES-index (thuistaal, opleiding van de moeder, schooltoelage,
   buurt), *zonder uw eigen school*. Zo springt de vergelijking niet wanneer een school van
   SES-groep wisselt. Omdat elk jaar de toets anders is, drukken we dat verschil ook uit in
   standaardafwijkingen van alle leerlingen in Vlaanderen dat jaar.
4. **Toeval.** Hoe onzeker zo'n verschil is, hangt af van het aantal leerlingen, van hoe
   sterk leerlingen binnen uw school verschillen (uw eigen spreiding, naar het gewone getrokken
   als er weinig leerlingen zijn), en van het gewone verschil tussen klassen
   van jaar tot jaar. Die twee meten we bij elke import opnieuw over alle scholen (tabel
   hieronder).
5. **{years} jaren samen.** We nemen de verschillen van de laatste {years} schooljaren met
   minstens {rules.min_colour_size} leerlingen samen (gezocht in de laatste
   {rules.status_span} schooljaren, zodat een overgeslagen jaar geen kleur op één jaar laat
   rusten); een jaar met meer leerlingen weegt
   zwaarder. Een uitzonderlijk resultaat trekken we wat naar het gemiddelde toe, des te meer
   naarmate er minder leerlingen en jaren zijn: zo krijgt een toevallige uitschieter geen kleur.
6. **Kleur.** Rond die schatting ligt een **{conf}-interval** voor het totaal en de
   leergebieden, en een strenger **{dom_conf}-interval** voor de domeinen: een schoolfoto
   heeft veel meer domeinen dan leergebieden, en hoe meer cellen, hoe meer kans dat er één door
   toeval kleurt. Ligt het hele interval boven 0, dan is de cel *hoger*; onder 0 *lager*.
7. **Veel.** *Veel hoger* of *veel lager* alleen als het **hele interval** voorbij
   **{much_size(rules)}** van Vlaanderen ligt (ongeveer 2 tot 3 punten): dan is het verschil
   zeker minstens zo groot.
8. **Welk grijs.** Bevat het interval 0, dan krijgt de cel geen kleur, maar grijs zegt nog
   iets: *{close_label}* als het hele interval binnen
   **± {near_size(rules)}** van Vlaanderen ligt (uw school ligt aantoonbaar dicht bij
   {group}); *{unsure_label}* als het verder reikt: dan laten de
   gegevens nog niet zien of uw school hoger, lager of even hoog ligt. Meer schooljaren of meer
   leerlingen maken zo'n cel duidelijker.

Het getal in een cel is de schatting in het midden van dat interval: het verschil in punten
dat de kleur beoordeelt. Onder "Waarom deze kleur?" op de Schoolfoto ziet u per cel welke
jaren en hoeveel leerlingen meetelden, het interval, de grens, en de score en het verschil
van dat ene jaar (zonder oordeel).
"""
)

st.header("Trend")
st.markdown(
    f"""
De trend kijkt naar het **verschil met {group}** over de laatste **{rules.trend_max_years}
schooljaren** (minstens {rules.trend_min_years} jaren met minstens {rules.min_colour_size}
leerlingen). We trekken een rechte lijn door die verschillen; jaren met meer leerlingen wegen
zwaarder, en we rekenen met dezelfde onzekerheid als bij de kleur (leerlingen en klassen). Gaat
de lijn duidelijk omhoog of omlaag (strenger voor domeinen), dan is de trend **stijgend** of
**dalend**; anders **geen duidelijke trend**. Met minder jaren: **te korte reeks**.

Waarom het verschil en niet de ruwe score? Elk jaar is de toets anders: een score van 70 in
het ene jaar is niet hetzelfde als 70 in het andere. De plaats van de school tegenover
{group} is wél vergelijkbaar over de jaren heen.
"""
)
meanings = trend_meanings(rules)
st.table(
    {
        "Trend": [f"{rules.trend_symbols[t]} {rules.trend_labels[t]}" for t in meanings],
        "Betekenis": list(meanings.values()),
    }
)

st.header("Hoeveel verschillen klassen en scholen?")
st.markdown(
    "Deze cijfers rekent Schoolfoto bij elke import opnieuw uit over alle scholen. Het "
    "**klasverschil** is hoeveel het resultaat van een school gewoonlijk van jaar tot jaar "
    "schommelt, los van welke leerlingen getoetst werden. Het **verschil tussen scholen** is hoe "
    "sterk scholen blijvend van elkaar verschillen (na vergelijking met hun groep). Beide in "
    "punten van het laatste schooljaar."
)
viewer = st.session_state.get("viewer")
components = (
    query(comparisons.variance_components, viewer) if viewer is not None else pd.DataFrame()
)
if components.empty:
    st.caption("Nog geen resultaten ingelezen.")
else:
    st.dataframe(
        pd.DataFrame(
            {
                "Toets": components["assessment"],
                "Leergebied of domein": [
                    cell_label(None if pd.isna(a) else a, None if pd.isna(d) else d)
                    for a, d in zip(components["learning_area"], components["domain"], strict=True)
                ],
                "Scholen": components["n_schools"],
                "Spreiding leerlingen (Vlaanderen)": components["sd_pupils"].map(format_number),
                "Klasverschil (jaar tot jaar)": components["sd_class"].map(format_number),
                "Verschil tussen scholen": components["sd_between"].map(format_number),
                "Klasverschil gemeten": [
                    "ja" if e else "nog niet (te weinig jaren): standaardwaarde"
                    for e in components["class_estimated"]
                ],
            }
        ),
        hide_index=True,
    )

st.header("Verwachte score en SES-gecorrigeerde score")
st.markdown(
    f"""
Naast *{group}* kunt u op de pagina Trends vergelijken met een **verwachte score**. Die houdt
rekening met de achtergrond van **elke leerling** afzonderlijk, niet alleen met de SES-groep
van de school.

1. Per toets, schooljaar en leergebied, domein of totaal zoeken we met een **regressie** over
   alle leerlingen van Vlaanderen hoeveel punten leerlingen gemiddeld verschillen volgens vier
   kenmerken: thuistaal niet Nederlands, moeder laagopgeleid, schooltoelage en
   buurtindicator.
2. De **verwachte score** van uw school is het gemiddelde van wat leerlingen met precies de
   achtergrond van uw leerlingen gemiddeld halen.
3. Het **SES-gecorrigeerde verschil** is uw schoolgemiddelde min die verwachte score. De kleur
   en de trend ervan volgen precies dezelfde regels als hierboven ({years} jaren samen,
   {conf}- of {dom_conf}-interval).

Dit is **geen toegevoegde waarde**: we kennen niet wat de leerlingen vroeger kenden, alleen hun
achtergrond. De verwachte score bestaat alleen voor toetsen met **resultaten per leerling**
(niet voor resultaten die enkel als schoolgemiddelde binnenkomen, zoals de Vlaamse toetsen).
Leerlingen van wie een kenmerk onbekend is, tellen hier niet mee. De vier kenmerken verklaren
maar een deel van de verschillen tussen leerlingen: het is een vraag om over te praten, geen
oordeel over het team.
"""
)

st.header("Woordenlijst")
st.markdown(
    f"""
- **Vergelijkbare scholen**: scholen met een gelijkaardige leerlingenpopulatie. We delen alle
  scholen elk jaar op in {rules.ses_groups} **SES-groepen** volgens vier indicatoren: thuistaal
  niet Nederlands, moeder laagopgeleid, schooltoelage en buurtindicator. Groep 1 heeft de
  meeste leerlingen met zo'n indicator, groep {rules.ses_groups} de minste. Het gemiddelde dat we
  tonen is dat van de hele groep (uw school inbegrepen, zoals de toetsorganisator het
  publiceert); de kleur vergelijkt met de groep zonder uw school.
- **Vlaanderen**: alle deelnemende scholen samen, elke leerling telt even zwaar.
- **Leergebied en domein**: een toets meet leergebieden (bv. Wiskunde), elk opgedeeld in
  domeinen (bv. Meetkunde). Een leergebiedscore is per leerling het gemiddelde van de domeinen.
- **Interval**: de marge waarbinnen het echte verschil met grote waarschijnlijkheid ligt; hoe
  minder leerlingen en jaren, hoe breder.
- **Standaardafwijking van Vlaanderen**: hoe sterk leerlingen in Vlaanderen dat jaar van
  elkaar verschillen; zo betekent 'groot' voor elke toets en elk jaar hetzelfde.
- **Resultaten zonder eigen spreiding**: komt een resultaat alleen als schoolgemiddelde binnen
  (zonder standaardafwijking), dan gebruiken we de gewone spreiding binnen scholen van die
  toets dat jaar, anders die van andere jaren of van hetzelfde niveau (totaal, leergebied of
  domein). Zo krijgt zo'n resultaat gewoon een kleur.
- **Kleuren door toeval**: ook een school die precies doet wat vergelijkbare scholen doen,
  krijgt over een hele schoolfoto af en toe een kleur of een pijl. Onder het raster op de
  Schoolfoto staat hoeveel daarvan bij uw school door toeval te verwachten zijn.
"""
)

st.header("De regels in cijfers")
st.table(
    {
        "Regel": [
            "Privacyminimum: minder leerlingen, dan tonen we niets",
            "Kleurminimum: minder leerlingen in het schooljaar, dan geen kleur",
            "Aantal schooljaren dat een kleur samenneemt",
            "Interval voor totaal en leergebieden",
            "Interval voor domeinen",
            "'Veel': het hele interval voorbij",
            "'Zoals verwacht': het hele interval binnen",
            "Trend: aantal schooljaren dat meetelt (maximum)",
            "Trend: minimum aantal jaren met genoeg leerlingen",
            "Trend: interval van de helling voor totaal en leergebieden",
            "Trend: interval van de helling voor domeinen",
            "Klasverschil als het nog niet gemeten kan worden",
            "Aantal SES-groepen",
            "Schooljaren waarin een kleur haar jaren zoekt",
            "Kleinste aantal scholen voor de vergelijking op de SES-index",
        ],
        "Waarde": [
            str(rules.min_group_size),
            str(rules.min_colour_size),
            str(rules.status_years),
            conf,
            dom_conf,
            f"{much_size(rules)} van Vlaanderen",
            f"± {near_size(rules)} van Vlaanderen",
            str(rules.trend_max_years),
            str(rules.trend_min_years),
            level_label(1 - rules.trend_alpha),
            level_label(1 - rules.trend_domain_alpha),
            f"{format_number(rules.class_sd_fallback, 2)} standaardafwijking",
            str(rules.ses_groups),
            str(rules.status_span),
            str(rules.ses_model_min_schools),
        ],
    }
)
st.caption(
    "Deze regels staan in het regelbestand van Schoolfoto, dat de beheerder beheert; deze "
    "pagina leest ze daaruit, dus wat hier staat is wat de kleuren werkelijk doen. De formules "
    "staan in de technische documentatie bij Schoolfoto."
)
