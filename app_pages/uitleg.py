"""Uitleg: glossary and how colours and trends are decided, read from rules.toml.

(docs/architecture.md, "Pages")
"""

import streamlit as st

from data_model.rules import load_rules
from data_model.texts.formatting import format_number
from data_model.texts.legend import trend_meanings
from ui.components import render_legend

rules = load_rules()
conf = format_number(rules.confidence * 100, 0)

st.title("Uitleg")
st.markdown(
    "Schoolfoto zet de resultaten van uw school naast die van **vergelijkbare scholen** en "
    "van **Vlaanderen**, zodat een team samen kan zien wat opvalt en daarover in gesprek kan "
    "gaan. Data zijn een middel, geen doel: een kleur is een vraag, geen oordeel."
)

st.header("Hoe een cel haar kleur krijgt")
st.markdown(
    f"""
1. **Privacy.** Hebben minder dan **{rules.min_group_size} leerlingen** de toets gemaakt, dan
   tonen we niets: geen score, geen kleur, ook niet in een export.
2. **Te weinig voor een oordeel.** Bij minder dan **{rules.min_colour_size} leerlingen** tonen
   we de score, maar geven we geen kleur: het toeval is dan te groot.
3. **Verschil.** We trekken het gemiddelde van **vergelijkbare scholen** (scholen in dezelfde
   SES-groep, hetzelfde schooljaar, dezelfde toets) af van het schoolgemiddelde.
4. **Onzekerheid.** Rond dat verschil berekenen we een **{conf} %-betrouwbaarheidsinterval**
   (standaardfout = standaardafwijking van de school / √aantal leerlingen, met een
   t-verdeling). Ligt het hele interval boven 0, dan is de school *hoger*; ligt het onder
   0, dan *lager*; bevat het 0, dan is het verschil *zoals verwacht*: het kan toeval zijn.
5. **Grootte.** Is het verschil bovendien minstens **{format_number(rules.large_effect_size, 1)}
   standaardafwijking** van alle leerlingen in Vlaanderen (effectgrootte), dan is het
   *veel hoger* of *veel lager*.
"""
)
render_legend(rules)
st.caption(
    "De kleuren zijn blauw en oranje (ook leesbaar bij kleurenblindheid), altijd samen met een "
    "symbool en een woord. Rood en groen gebruiken we bewust niet."
)

st.header("Trend")
st.markdown(
    f"""
De trend kijkt naar het **verschil met vergelijkbare scholen** over de laatste
**{rules.trend_max_years} schooljaren** (minstens {rules.trend_min_years} jaren met een kleur).
We trekken een rechte lijn door die verschillen, waarbij grotere groepen zwaarder wegen. Is de
helling duidelijk verschillend van nul (p < {format_number(rules.trend_alpha, 2)}), dan is de
trend **stijgend** of **dalend**; anders **stabiel**. Met minder jaren: **te korte reeks**.

Waarom het verschil en niet de ruwe score? Elk jaar is de toets anders: een score van 70 in
het ene jaar is niet hetzelfde als 70 in het andere. De plaats van de school tegenover
vergelijkbare scholen is wél vergelijkbaar over de jaren heen.
"""
)
meanings = trend_meanings(rules)
st.table(
    {
        "Trend": [f"{rules.trend_symbols[t]} {rules.trend_labels[t]}" for t in meanings],
        "Betekenis": list(meanings.values()),
    }
)

st.header("Verwachte score en toegevoegde waarde")
st.markdown(
    f"""
Naast *vergelijkbare scholen* kunt u op de pagina Trends vergelijken met een **verwachte
score**. Die houdt rekening met de achtergrond van **elke leerling** afzonderlijk, niet alleen
met de SES-groep van de school.

1. Per toets, schooljaar en leergebied, domein of totaal zoeken we met een **regressie** over
   alle leerlingen van Vlaanderen hoeveel punten leerlingen gemiddeld verschillen volgens vier
   kenmerken: thuistaal niet Nederlands, moeder laagopgeleid, schooltoelage en
   buurtindicator.
2. De **verwachte score** van uw school is het gemiddelde van wat leerlingen met precies de
   achtergrond van uw leerlingen gemiddeld halen.
3. De **toegevoegde waarde** is uw schoolgemiddelde min die verwachte score, met een
   {conf} %-betrouwbaarheidsinterval. Boven 0: uw leerlingen doen het beter dan leerlingen met
   dezelfde achtergrond gemiddeld; onder 0: minder goed. De kleur en de trend volgen dezelfde
   regels als hierboven.

Goed om te weten: de verwachte score bestaat alleen voor toetsen met **resultaten per
leerling** (niet voor resultaten die enkel als schoolgemiddelde binnenkomen, zoals de Vlaamse
toetsen). Leerlingen van wie een kenmerk onbekend is, tellen hier niet mee. De vier kenmerken
verklaren maar een deel van de verschillen tussen leerlingen: een toegevoegde waarde is een
vraag om over te praten, geen oordeel over het team.
"""
)

st.header("Woordenlijst")
st.markdown(
    f"""
- **Vergelijkbare scholen**: scholen met een gelijkaardige leerlingenpopulatie. We delen alle
  scholen elk jaar op in {rules.ses_groups} **SES-groepen** volgens vier indicatoren: thuistaal
  niet Nederlands, moeder laagopgeleid, schooltoelage en buurtindicator. Groep 1 heeft de
  meeste leerlingen met zo'n indicator, groep {rules.ses_groups} de minste.
- **Vlaanderen**: alle deelnemende scholen samen, elke leerling telt even zwaar.
- **Leergebied en domein**: een toets meet leergebieden (bv. Wiskunde), elk opgedeeld in
  domeinen (bv. Meetkunde). Een leergebiedscore is per leerling het gemiddelde van de domeinen.
- **Betrouwbaarheidsinterval**: de marge waarbinnen het echte verschil met grote
  waarschijnlijkheid ligt; hoe minder leerlingen, hoe breder.
- **Effectgrootte**: het verschil uitgedrukt in standaardafwijkingen van Vlaanderen, zodat
  'groot' voor elke toets hetzelfde betekent.
- **Resultaten zonder eigen spreiding**: komt een resultaat alleen als schoolgemiddelde binnen
  (zonder standaardafwijking), dan gebruiken we de spreiding van Vlaanderen.
"""
)

st.header("De regels in cijfers")
st.table(
    {
        "Regel": [
            "Privacyminimum: minder leerlingen, dan tonen we niets",
            "Kleurminimum: minder leerlingen, dan geen kleur",
            "Betrouwbaarheid van het interval",
            "Effectgrootte voor 'veel hoger' of 'veel lager'",
            "Trend: aantal schooljaren dat meetelt (maximum)",
            "Trend: minimum aantal jaren met een kleur",
            "Trend: significantieniveau",
            "Aantal SES-groepen",
        ],
        "Waarde": [
            str(rules.min_group_size),
            str(rules.min_colour_size),
            f"{conf} %",
            format_number(rules.large_effect_size, 1),
            str(rules.trend_max_years),
            str(rules.trend_min_years),
            format_number(rules.trend_alpha, 2),
            str(rules.ses_groups),
        ],
    }
)
st.caption("Deze regels staan in `data_model/rules.toml`; deze pagina leest ze daaruit.")
