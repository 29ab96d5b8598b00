"""Spanish job words of US ads, with the English words O*NET titles use for them.

Many Craigslist ads are written in Spanish ("Se busca cocinero", "Limpieza de casas"). The
model learns from English O*NET text only, so a Spanish job word matched nothing, or worse, the
speller took it for a typo of an English word: "Cajera" became "camera" (Camera and
Photographic Equipment Repairers, 0.62), "Costurera" "costumer" (Costume Attendants, 0.60).
Translating the job words is enough for the n-grams to do the rest; Spanish function words
("de", "con") are in no training text and weigh little.

Keys are lower case without accents (the normalizer folds accents first). A word that is also
English, or an English word in some O*NET text ("chef", "conductor"), is left out, and so are
words whose job depends on the region: "bodega" is a warehouse in much of the Southwest and a
corner store in New York.
"""

from __future__ import annotations

SPANISH_JOB_WORDS: dict[str, str] = {
    # kitchen, restaurant, shop
    "cocinero": "cook",
    "cocinera": "cook",
    "cocina": "kitchen",
    "mesero": "waiter",
    "mesera": "waitress",
    "lavaplatos": "dishwasher",
    "lavaloza": "dishwasher",
    "cantinero": "bartender",
    "cantinera": "bartender",
    "panadero": "baker",
    "panadera": "baker",
    "carnicero": "butcher",
    "carnicera": "butcher",
    "cajero": "cashier",
    "cajera": "cashier",
    "repartidor": "delivery driver",
    "repartidora": "delivery driver",
    "vendedor": "salesman",
    "vendedora": "salesman",
    "recepcionista": "receptionist",
    # cleaning and care
    "limpieza": "cleaning",
    "limpiador": "cleaner",
    "limpiadora": "cleaner",
    "conserje": "janitor",
    "mucama": "housekeeper",
    "recamarera": "housekeeper",
    "camarista": "housekeeper",
    "lavanderia": "laundry",
    "ninera": "nanny",
    "cuidador": "caregiver",
    "cuidadora": "caregiver",
    "enfermera": "nurse",
    "enfermero": "nurse",
    "anciano": "elderly",
    "casa": "house",
    "hogar": "home",
    "oficina": "office",
    # trades and construction
    "construccion": "construction",
    "albanil": "mason",
    "carpintero": "carpenter",
    "plomero": "plumber",
    "fontanero": "plumber",
    "electricista": "electrician",
    "pintor": "painter",
    "soldador": "welder",
    "techador": "roofer",
    "techero": "roofer",
    "mecanico": "mechanic",
    "jardinero": "gardener",
    "jardineria": "landscaping",
    "yesero": "drywall installer",
    "tablaroca": "drywall",
    "obrero": "laborer",
    "ayudante": "helper",
    "trabajador": "worker",
    "trabajadora": "worker",
    "trabajo": "work",
    "costurera": "seamstress",
    "costurero": "tailor",
    # warehouse, driving, factory, security
    "chofer": "driver",
    "camion": "truck",
    "camionero": "truck driver",
    "almacen": "warehouse",
    "bodeguero": "warehouse worker",
    "empacador": "packer",
    "empacadora": "packer",
    "montacargas": "forklift",
    "operador": "operator",
    "operadora": "operator",
    "fabrica": "factory",
    "produccion": "production",
    "maquina": "machine",
    "licencia": "license",
    "guardia": "guard",
    "seguridad": "security",
}


def spanish_job_word(word: str) -> str | None:
    """Return the English of a lower-case, accent-free Spanish job word or of its plural
    ("cocineros", "soldadores"), or None for any other word."""
    found = SPANISH_JOB_WORDS.get(word)
    if found is None and word.endswith("s"):
        found = SPANISH_JOB_WORDS.get(word[:-1])
        if found is None and word.endswith("es"):
            found = SPANISH_JOB_WORDS.get(word[:-2])
    return found
