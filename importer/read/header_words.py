"""Headers in the languages people export in: what a column means, read from its header (data only).

One table per language, each mapping a meaning to the headers that say it, written as people
write them: they are compared after `normalize` (no case, accents, spaces or punctuation). A
new language is one more table in LANGUAGES. Meanings: the email, a second email, the first
name, the last name, a whole name, and the common fields matched as synonyms of Kit's labels.

Words that mean different things in different languages are placed once, by what is safe:
`Nome` is a whole name (Portuguese) and a first name beside `Cognome` (Italian), so it is a
whole name, which is never split into a last-name column the file has; `Nom` is French for
the last name; `Nombre` is Spanish for the first name.
"""

from __future__ import annotations

from collections.abc import Mapping

from importer.read.names import normalize

# Meanings read as a synonym of a Kit field's label ("Zip" for "Postal code"), in this order.
SYNONYM_MEANINGS = ("postal code", "last name", "company", "phone", "city", "country", "website", "birthday",
                    "address", "job title", "gender")

ENGLISH = {
    "email": ("Email", "Email Address", "E-mail 1 - Value", "Email Address 1", "Email 1", "Primary Email",
              "Subscriber Email", "Mail", "Email addr", "User Email", "Contact Email"),
    "second email": ("E-mail 2 - Value", "E-mail 2 Address", "Email 2", "Email Address 2", "Secondary Email",
                     "Secondary Email Address", "Other Email", "Other Email Address", "Alternate Email",
                     "Alternative Email", "Additional Email", "Additional Email Addresses", "Backup Email"),
    "first name": ("First Name", "Given Name", "FName", "First"),
    "last name": ("Last Name", "Surname", "Family Name", "LName", "Last"),
    "whole name": ("Name", "Full Name", "Subscriber Name", "Contact Name", "Member Name", "Your Name"),
    "postal code": ("Postal Code", "Postcode", "Zip", "Zip Code", "Zip/Postal Code", "Postcode/Zip"),
    "company": ("Company", "Company Name", "Organization", "Organisation", "Org", "Employer"),
    "phone": ("Phone", "Phone Number", "Telephone", "Tel", "Mobile", "Mobile Phone", "Cell", "Cell Phone",
              "Phone 1 - Value"),
    "city": ("City", "Town"),
    "country": ("Country", "Country/Region"),
    "website": ("Website", "URL", "Homepage", "Web", "Site", "Website URL"),
    "birthday": ("Birthday", "Birthdate", "Date of Birth", "DOB"),
    "address": ("Address", "Street Address", "Street", "Address 1", "Address Line 1"),
    "job title": ("Job Title", "Position", "Role"),
    "gender": ("Gender", "Sex"),
}
GERMAN = {
    "email": ("E-Mail-Adresse", "E-Mail Adresse", "Mailadresse"),
    "second email": ("E-Mail 2", "Zweite E-Mail", "Weitere E-Mail", "Weitere E-Mail-Adresse"),
    "first name": ("Vorname", "Rufname"),
    "last name": ("Nachname", "Familienname", "Zuname"),
    "whole name": ("Vollständiger Name", "Vor- und Nachname", "Kontaktname"),
    "postal code": ("PLZ", "Postleitzahl"),
    "company": ("Firma", "Unternehmen", "Firmenname", "Organisation"),
    "phone": ("Telefon", "Telefonnummer", "Handy", "Mobil", "Mobilnummer", "Handynummer"),
    "city": ("Ort", "Stadt", "Wohnort"),
    "country": ("Land",),
    "website": ("Webseite", "Internetseite"),
    "birthday": ("Geburtstag", "Geburtsdatum"),
    "address": ("Straße", "Strasse", "Anschrift", "Straße und Hausnummer"),
    "job title": ("Titel", "Berufsbezeichnung", "Funktion"),
    "gender": ("Geschlecht",),
}
FRENCH = {
    "email": ("Adresse e-mail", "Adresse mail", "Courriel", "Adresse électronique"),
    "second email": ("E-mail 2", "Autre e-mail", "E-mail secondaire", "Adresse e-mail secondaire"),
    "first name": ("Prénom",),
    "last name": ("Nom", "Nom de famille"),
    "whole name": ("Nom complet", "Prénom et nom", "Nom et prénom"),
    "postal code": ("Code postal", "CP"),
    "company": ("Entreprise", "Société", "Organisme", "Raison sociale"),
    "phone": ("Téléphone", "Portable", "Mobile", "Numéro de téléphone"),
    "city": ("Ville", "Commune", "Localité"),
    "country": ("Pays",),
    "website": ("Site web", "Site internet"),
    "birthday": ("Date de naissance", "Anniversaire"),
    "address": ("Adresse", "Adresse postale", "Rue"),
    "job title": ("Fonction", "Poste", "Intitulé du poste"),
    "gender": ("Sexe", "Genre"),
}
SPANISH = {
    "email": ("Correo electrónico", "Correo", "Dirección de correo electrónico"),
    "second email": ("Correo electrónico 2", "Correo secundario", "Otro correo", "Correo alternativo"),
    "first name": ("Nombre", "Primer nombre", "Nombre de pila"),
    "last name": ("Apellido", "Apellidos", "Primer apellido"),
    "whole name": ("Nombre completo", "Nombre y apellidos", "Nombre y apellido"),
    "postal code": ("Código postal",),
    "company": ("Empresa", "Compañía", "Organización"),
    "phone": ("Teléfono", "Móvil", "Celular", "Número de teléfono"),
    "city": ("Ciudad", "Localidad", "Población", "Municipio"),
    "country": ("País",),
    "website": ("Sitio web", "Página web"),
    "birthday": ("Fecha de nacimiento", "Cumpleaños"),
    "address": ("Dirección", "Domicilio", "Calle"),
    "job title": ("Cargo", "Puesto"),
    "gender": ("Sexo", "Género"),
}
ITALIAN = {
    "email": ("Indirizzo email", "Indirizzo e-mail", "Posta elettronica"),
    "second email": ("Email secondaria", "Altra email", "Email 2"),
    "first name": ("Nome di battesimo",),
    "last name": ("Cognome",),
    "whole name": ("Nome", "Nome completo", "Nome e cognome"),
    "postal code": ("CAP", "Codice postale", "Codice di avviamento postale"),
    "company": ("Azienda", "Società", "Ragione sociale", "Ditta"),
    "phone": ("Telefono", "Cellulare", "Numero di telefono"),
    "city": ("Città", "Comune", "Località"),
    "country": ("Paese", "Nazione"),
    "website": ("Sito web", "Sito"),
    "birthday": ("Data di nascita", "Compleanno"),
    "address": ("Indirizzo", "Via"),
    "job title": ("Ruolo", "Qualifica", "Mansione"),
    "gender": ("Sesso", "Genere"),
}
DUTCH = {
    "email": ("E-mailadres", "Emailadres", "Mailadres"),
    "second email": ("E-mailadres 2", "Tweede e-mailadres", "Ander e-mailadres"),
    "first name": ("Voornaam", "Roepnaam"),
    "last name": ("Achternaam", "Familienaam"),
    "whole name": ("Naam", "Volledige naam", "Voor- en achternaam"),
    "postal code": ("Postcode",),
    "company": ("Bedrijf", "Bedrijfsnaam", "Organisatie"),
    "phone": ("Telefoon", "Telefoonnummer", "Mobiel", "Mobiel nummer"),
    "city": ("Plaats", "Woonplaats", "Stad"),
    "country": ("Land",),
    "website": ("Website",),
    "birthday": ("Geboortedatum", "Verjaardag"),
    "address": ("Adres", "Straat", "Straatnaam"),
    "job title": ("Functie", "Functietitel"),
    "gender": ("Geslacht",),
}
PORTUGUESE = {
    "email": ("Endereço de e-mail", "Endereço de email", "Correio eletrónico", "Correio eletrônico"),
    "second email": ("E-mail secundário", "Outro e-mail", "E-mail alternativo"),
    "first name": ("Primeiro nome", "Prenome"),
    "last name": ("Sobrenome", "Último nome"),
    "whole name": ("Nome completo",),
    "postal code": ("CEP", "Código postal"),
    "company": ("Empresa", "Companhia", "Organização"),
    "phone": ("Telefone", "Celular", "Telemóvel", "Número de telefone"),
    "city": ("Cidade", "Localidade", "Município"),
    "country": ("País",),
    "website": ("Site", "Página web"),
    "birthday": ("Data de nascimento", "Aniversário"),
    "address": ("Endereço", "Morada", "Rua"),
    "job title": ("Cargo", "Função"),
    "gender": ("Sexo", "Gênero", "Género"),
}
LANGUAGES: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "en": ENGLISH, "de": GERMAN, "fr": FRENCH, "es": SPANISH, "it": ITALIAN, "nl": DUTCH, "pt": PORTUGUESE,
}


def headers_for(meaning: str) -> tuple[str, ...]:
    """Every language's normalised headers for `meaning`, English first, each once, in table order."""
    seen: dict[str, None] = {}
    for table in LANGUAGES.values():
        for header in table.get(meaning, ()):
            seen.setdefault(normalize(header))
    return tuple(seen)


def synonym_groups() -> tuple[frozenset[str], ...]:
    """One group of normalised headers per synonym meaning: a column in a group maps to a Kit field in it."""
    return tuple(frozenset(headers_for(meaning)) for meaning in SYNONYM_MEANINGS)
