"""Word lists the synthetic catalog draws names from.

Deliberately heavy on non-ASCII (accents, Nordic letters, CJK, Cyrillic, Greek, Arabic): the real
new-releases feed is international, and a pipeline that only ever saw ASCII would hide encoding bugs.
"""

from __future__ import annotations

# Spotify's market list (ISO 3166-1 alpha-2), as returned in available_markets.
MARKETS: tuple[str, ...] = tuple(
    """AD AE AG AL AM AO AR AT AU AZ BA BB BD BE BF BG BH BI BJ BN BO BR BS BT BW BY BZ CA CD CG CH
    CI CL CM CO CR CV CW CY CZ DE DJ DK DM DO DZ EC EE EG ES ET FI FJ FM FR GA GB GD GE GH GM GN GQ
    GR GT GW GY HK HN HR HT HU ID IE IL IN IQ IS IT JM JO JP KE KG KH KI KM KN KR KW KZ LA LB LC LI
    LK LR LS LT LU LV LY MA MC MD ME MG MH MK ML MN MO MR MT MU MV MW MX MY MZ NA NE NG NI NL NO NP
    NR NZ OM PA PE PG PH PK PL PR PS PT PW PY QA RO RS RW SA SB SC SE SG SI SK SL SM SN SR ST SV SZ
    TD TG TH TJ TL TN TO TR TT TV TW TZ UA UG US UY UZ VC VE VN VU WS XK ZA ZM ZW""".split()  # noqa: SIM905 (~250 codes read as a block, not one quoted string each)
)

# Well-known names mixed into the artist pool so encodings get exercised on realistic strings.
FAMOUS_ARTISTS: tuple[str, ...] = (
    "Björk", "Sigur Rós", "Café Tacvba", "東京事変", "宇多田ヒカル", "Mø", "Beyoncé", "Motörhead",
    "Françoise Hardy", "Rosalía", "Mötley Crüe", "Zoé", "Maná", "Ólafur Arnalds", "Sébastien Tellier",
    "방탄소년단", "아이유", "Кино", "Мумий Тролль", "Θάνος Μικρούτσικος", "فيروز", "Jóhann Jóhannsson",
    "Ásgeir", "Måneskin", "Lykke Li", "Stromae", "Amaral", "Natalia Lafourcade", "Bad Bunny", "Dua Lipa",
)

FIRST_NAMES: tuple[str, ...] = (
    "Zoë", "José", "Łukasz", "Søren", "Ana", "Mika", "Chloé", "Nuño", "Aurélie", "Jürgen", "Ödön",
    "Ximena", "Kwame", "Aiko", "Dmitri", "Ingrid", "Renée", "Thiago", "Ayşe", "Bjørn", "Inès", "Kai",
    "Leila", "Malik", "Noémie", "Oskar", "Priya", "Ramón", "Saoirse", "Tomás", "Yuki", "Zsófia",
)

LAST_NAMES: tuple[str, ...] = (
    "Muñoz", "Østergaard", "Dvořák", "Nakamura", "Gonçalves", "Šimić", "Öztürk", "Lindqvist", "Åberg",
    "O'Neill", "Brontë", "Nguyễn", "Kowalczyk", "Smith", "Okafor", "Haddad", "Fernández", "Müller",
    "Rossi", "Petrović", "Kim", "Ivanova", "Dubois", "Sørensen", "Mendoza", "Takahashi", "Ólafsson",
)

BAND_ADJECTIVES: tuple[str, ...] = (
    "Velvet", "Electric", "Midnight", "Golden", "Silver", "Neon", "Crimson", "Wild", "Hollow", "Lunar",
    "Paper", "Frozen", "Secret", "Distant", "Tender", "Sauvage", "Dulce", "Mørk", "Schöne", "Últimos",
)

BAND_NOUNS: tuple[str, ...] = (
    "Echoes", "Foxes", "Rivers", "Machines", "Tigers", "Lanterns", "Satellites", "Ghosts", "Wolves",
    "Pilots", "Señoritas", "Garçons", "Vögel", "Hjärtan", "Orchids", "Comets", "Sailors", "Kittens",
)

TITLE_ADJECTIVES: tuple[str, ...] = (
    "Golden", "Midnight", "Electric", "Silent", "Neon", "Broken", "Velvet", "Crimson", "Endless",
    "Wild", "Hollow", "Lunar", "Tender", "Frozen", "Fading", "Secret", "Distant", "Éternel", "Último",
    "Dulce", "Schön", "Mørk", "Ljus", "Белый", "青い", "Nouvelle", "Sauvage", "Bright", "Quiet", "Lost",
)

TITLE_NOUNS: tuple[str, ...] = (
    "Hearts", "Rivers", "Lights", "Dreams", "Summer", "Tides", "Horizon", "Echoes", "Garden", "Machine",
    "Señales", "Canción", "Mañana", "Sommernacht", "Fjäril", "Rêverie", "Saudade", "夜明け", "Сердце",
    "Île", "Straße", "Corazón", "Ciudad", "Ängel", "Nights", "Fire", "Ocean", "Skyline", "Letters",
    "Roads", "Mirrors", "Waves", "Stars", "Ghosts", "Rain", "Avenue", "Morning", "Satellite",
)

STANDALONE_TITLES: tuple[str, ...] = (
    "Ágætis byrjun", "Vespertine", "Café de la Nuit", "東京の夜", "Canción del Mar", "Été Indien",
    "Sueños", "Nøkken", "Träume", "Ångest", "Дорога", "Ελπίδα", "Zürich Nights", "São Paulo Blues",
    "Łódź", "Ça ira", "Hjem", "Mi Niña Bonita", "Déjà Vu", "Piñata", "Niño Salvaje", "夏の終わり",
    "Въздух", "Über Alles Liebe", "Crème Brûlée", "Fiesta Señorial", "Köln Konzert", "Noël",
)

LABELS: tuple[str, ...] = (
    "Republic Records", "Columbia", "Atlantic Records", "Interscope", "XL Recordings", "Warp Records",
    "Sub Pop", "One Little Independent", "Sony Music Entertainment España", "Universal Music Österreich",
    "Avex Trax", "Big Hit Music", "Rimas Entertainment", "Ninja Tune", "Domino Recording Co.",
    "Smekkleysa", "Discos Fuentes", "Mute", "4AD", "Bureau B", "Because Music", "Mélodie Records",
)

ISRC_COUNTRIES: tuple[str, ...] = ("US", "GB", "SE", "IS", "JP", "KR", "MX", "FR", "DE", "ES", "QZ", "QM")
