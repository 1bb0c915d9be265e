"""The words of consent, as data: one table per language, so that a new language is one table.

Each table lists, as people and exporting tools write them (accents and case do not matter:
everything is folded by `names.normalize` before matching):
- `states`: a subscriber's standing and the Kit state it means. Only `active` is consent;
  cancelled, bounced and complained are explicit opt-outs; `inactive` is the absence of
  consent (pending, never subscribed), which never unsubscribes anyone;
- `yes` / `no`: the cells of a true/false column;
- `word_headers`: headers of columns holding a status word (Status, Abonnement...);
- `either_headers`: consent headers whose cells may be words or yes/no (Newsletter, Einwilligung...);
- `in_headers`: true/false columns whose "true" means subscribed (Accepts Email Marketing);
- `out_headers`: true/false columns whose "true" means out, and how (email_disabled);
- `time_headers`: columns whose non-blank cell (a time) says the person left, and how (UNSUB_TIME;
  Mailchimp's UNSUB_REASON too, set for every row of its unsubscribed export, time or not);
- `in_parts` / `out_parts`: parts of headers that speak of consent or of leaving, for columns
  no header rule knows, judged by their cells;
- `email`: words saying a column is about email; `channels`: other channels and their words,
  whose columns are never read as email consent.
Vocabulary taken from the tools' own localized interfaces and exports (Mailchimp, Brevo,
CleverReach, rapidmail, Klaviyo, Shopify, HubSpot) where known; for Polish, the Nordic languages,
Finnish, Turkish, Czech and Japanese from listmonk's translations, SARE and GetResponse (pl), Rule,
getanewsletter and make.as (sv, nb), Ecomail and SmartEmailing (cs), DirectIQ (tr), blastmail and
CREA MAIL (ja); for Hungarian, Romanian, Greek, Russian, Ukrainian, Korean, Chinese and Indonesian from
listmonk's translations (its subscriber states, bounce kinds and complaint), Stibee (ko, 구독 중 and
수신거부), and each language's Excel TRUE/FALSE. A word that would mean another thing in another language
is left out, as are words that are not surely one state: Greek μη εγγεγραμμένο (listmonk's unsubscribed,
but "not subscribed" too), Russian отказ (a bounce, or a refusal), Romanian respins and blocat.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from importer.records import KitState

# A: active (consent), C: cancelled, B: bounced, X: complained (explicit opt-outs), P: inactive (no consent)
A, C, B, X, P = KitState.ACTIVE, KitState.CANCELLED, KitState.BOUNCED, KitState.COMPLAINED, KitState.INACTIVE


@dataclass(frozen=True)
class Language:
    """The consent words of one language (see the module's docstring for each table)."""

    name: str
    states: dict[KitState, tuple[str, ...]]
    yes: tuple[str, ...]
    no: tuple[str, ...]
    word_headers: tuple[str, ...] = ()
    either_headers: tuple[str, ...] = ()
    in_headers: tuple[str, ...] = ()
    out_headers: dict[KitState, tuple[str, ...]] = field(default_factory=dict)
    time_headers: dict[KitState, tuple[str, ...]] = field(default_factory=dict)
    in_parts: tuple[str, ...] = ()
    out_parts: dict[KitState, tuple[str, ...]] = field(default_factory=dict)
    email: tuple[str, ...] = ()
    channels: dict[str, tuple[str, ...]] = field(default_factory=dict)


ENGLISH = Language(
    "English",
    states={
        A: ("subscribed", "active", "confirmed", "opted in", "opt-in", "resubscribed", "granted", "consented",
            "explicit"),
        C: ("unsubscribed", "unsubscribe", "unsub", "cancelled", "canceled", "opted out", "opt-out", "removed",
            "do not email", "globally unsubscribed", "suppressed", "withdrawn", "revoked", "blocklisted",
            "blacklisted", "deleted", "excluded"),  # Mailjet: excluded from campaigns
        B: ("cleaned", "bounced", "bounce", "hard bounce", "hard bounced", "soft bounced", "undeliverable",
            "invalid", "blocked", "junk", "held"),  # Marketing Cloud holds an address after repeated bounces
        X: ("complained", "complaint", "spam", "spam complaint", "marked as spam", "reported spam", "abuse"),
        P: ("inactive", "pending", "unconfirmed", "awaiting confirmation", "transactional", "non-subscribed",
            "not subscribed", "never subscribed", "archived", "disabled", "not opted in", "declined",
            "pending confirmation", "not set", "no consent", "pending double opt-in",  # Pipedrive's last two
            "denied"),  # Drip's eu_consent
    },
    yes=("true", "yes", "y", "t", "1", "x"),
    no=("false", "no", "n", "f", "0"),
    word_headers=("status", "state", "member status", "subscription status", "subscriber status",
                  "subscriber state", "subscription state", "email status", "email marketing",
                  "email marketing status", "email subscription status", "contact status", "list status",
                  "marketing status", "newsletter status", "opt-in status", "consent status",
                  "email marketing consent", "email consent status"),
    either_headers=("newsletter", "consent", "email subscription"),
    in_headers=("subscribed", "is subscribed", "email subscribed", "accepts email marketing", "accepts marketing",
                "email opt-in", "opted in", "opt-in", "marketing opt-in", "newsletter opt-in", "email consent",
                "marketing consent", "subscribed to newsletter", "activated",  # CleverReach: 0 until confirmed
                "can contact", "can email", "email allowed", "allow email", "allows email"),  # Gumroad: Can Contact
    out_headers={
        C: ("unsubscribed", "unsubscribed from all email", "unsubscribed from email", "is unsubscribed",
            "email unsubscribed", "global unsubscribe", "email disabled", "email opt-out", "opted out", "opt-out",
            "opted out of all email", "has opted out of email", "do not email", "do not contact", "do not mail",
            "suppressed", "email blacklisted", "blacklisted", "email blocklisted", "blocklisted",
            "is excluded from campaigns", "excluded from campaigns", "excluded from marketing"),  # Mailjet
        B: ("bounced", "email bounced", "hard bounced", "email hard bounced"),
        X: ("complained", "complaint", "marked as spam", "spam complaint"),
    },
    time_headers={
        C: ("unsub time", "unsubscribed at", "unsubscribe time", "unsubscribe date", "unsubscribed on",
            "unsubscribed time", "opt-out time", "opt-out date", "opted out at", "unsubscribed date",
            "deactivated", "deactivated at",
            "unsub reason", "unsub campaign title"),  # Mailchimp's unsubscribed export: set there means left
        B: ("clean time", "cleaned at", "bounced at", "bounce time", "bounce date", "clean campaign title"),
        X: ("complained at", "complaint time", "spam complaint at"),
    },
    in_parts=("subscri", "consent", "newsletter", "optin", "optedin", "member", "marketing", "mailinglist",
              "permission", "emailable", "contactable"),
    out_parts={C: ("unsub", "optout", "optedout", "donot", "suppress", "blocklist", "blacklist"),
               B: ("bounce", "undeliverable"), X: ("complain", "spam")},
    email=("email", "e-mail", "mail", "newsletter", "inbox"),
    channels={"SMS": ("sms", "text", "texts", "text message", "mms"),
              "phone": ("phone", "call", "calls", "telephone", "voice", "telemarketing", "voicemail"),
              "WhatsApp": ("whatsapp",), "postal mail": ("postal", "post", "direct mail", "letter", "mailing address"),
              "push": ("push", "push notification", "mobile push", "web push", "in-app")},
)

GERMAN = Language(
    "German",
    states={
        A: ("abonniert", "aktiv", "angemeldet", "bestätigt", "eingetragen", "eingewilligt", "zugestimmt", "erteilt",
            "freigeschaltet"),
        C: ("abgemeldet", "abbestellt", "ausgetragen", "deaktiviert", "widerrufen", "entfernt", "gekündigt",
            "abgemeldet (manuell)", "blockiert", "gelöscht"),
        B: ("bereinigt", "gebounct", "gebounced", "unzustellbar", "ungültig", "gesperrt", "zurückgewiesen",
            "hardbounce", "softbounce"),
        X: ("beschwerde", "spambeschwerde", "als spam markiert", "spam gemeldet"),
        P: ("inaktiv", "ausstehend", "unbestätigt", "nicht bestätigt", "nicht abonniert", "nie abonniert",
            "bestätigung ausstehend", "wartet auf bestätigung", "archiviert", "abgelehnt", "keine einwilligung",
            "nicht angemeldet", "transaktional", "neu"),
    },
    yes=("ja", "j", "wahr"),
    no=("nein", "falsch"),
    word_headers=("abonnement", "abostatus", "newsletter-status", "anmeldestatus", "einwilligungsstatus",
                  "empfängerstatus", "kontaktstatus", "e-mail-status", "abonnementstatus", "zustand"),
    either_headers=("einwilligung", "zustimmung", "newsletter-einwilligung", "e-mail-einwilligung",
                    "newsletter-anmeldung", "newsletter abonniert", "werbeeinwilligung", "abonniert", "angemeldet"),
    in_headers=("akzeptiert e-mail-marketing", "marketing-einwilligung", "newsletter erwünscht"),
    out_headers={C: ("abgemeldet", "abbestellt", "ausgetragen", "widerrufen", "werbewiderspruch",
                     "keine werbung", "gesperrt für e-mail")},
    time_headers={C: ("abmeldedatum", "abgemeldet am", "abmeldezeit", "austragungsdatum", "ausgetragen am",
                      "abbestellt am", "widerrufen am", "deaktiviert am"),
                  B: ("bounce-datum", "gebounct am", "bereinigt am")},
    in_parts=("einwillig", "zustimm", "abonn", "anmeld", "angemeld", "newsletter"),
    out_parts={C: ("abmeld", "abbestell", "austrag", "widerruf", "widerspruch", "sperr")},
    email=("e-mail", "email", "mail", "newsletter", "elektronische post"),
    channels={"SMS": ("sms", "textnachricht", "kurznachricht"),
              "phone": ("telefon", "anruf", "telefonisch", "telefonmarketing"),
              "WhatsApp": ("whatsapp",), "postal mail": ("post", "briefpost", "postalisch", "postweg", "brief"),
              "push": ("push", "push-benachrichtigung")},
)

FRENCH = Language(
    "French",
    states={
        A: ("abonné", "abonnée", "actif", "active", "inscrit", "inscrite", "confirmé", "confirmée", "accepté",
            "consentement donné", "opt-in"),
        C: ("désabonné", "désabonnée", "désinscrit", "désinscrite", "résilié", "désactivé", "retiré",
            "consentement retiré", "supprimé", "liste noire", "blacklisté"),
        B: ("nettoyé", "rebond", "rebondi", "non distribuable", "invalide", "bloqué", "bloquée", "hard bounce"),
        X: ("plainte", "spam", "signalé comme spam", "plainte pour spam"),
        P: ("inactif", "inactive", "en attente", "non confirmé", "non abonné", "non inscrit", "jamais abonné",
            "archivé", "refusé", "transactionnel"),
    },
    yes=("oui", "o", "vrai"),
    no=("non", "faux"),
    word_headers=("statut", "état", "statut d'abonnement", "statut de l'abonnement", "statut email",
                  "statut du contact", "statut newsletter", "abonnement"),
    either_headers=("consentement", "consentement email", "consentement marketing", "inscrit à la newsletter",
                    "abonné à la newsletter", "infolettre", "lettre d'information", "opt-in email"),
    in_headers=("accepte le marketing par e-mail", "accepte les emails marketing", "accepte la newsletter"),
    out_headers={C: ("désabonné", "désinscrit", "opposition", "liste noire", "email en liste noire")},
    time_headers={C: ("date de désinscription", "date de désabonnement", "désabonné le", "désinscrit le"),
                  B: ("date de rebond",)},
    in_parts=("consent", "abonn", "inscri", "infolettre", "lettredinfo", "accepte"),
    out_parts={C: ("desinscri", "desabonn", "opposition", "listenoire")},
    email=("e-mail", "email", "mail", "courriel", "newsletter", "infolettre", "lettre d'information"),
    channels={"SMS": ("sms", "texto"), "phone": ("téléphone", "appel", "appels", "téléphonique"),
              "WhatsApp": ("whatsapp",), "postal mail": ("courrier", "postal", "courrier postal", "voie postale"),
              "push": ("push", "notification push", "notifications push")},
)

SPANISH = Language(
    "Spanish",
    states={
        A: ("suscrito", "suscrita", "activo", "activa", "confirmado", "confirmada", "alta", "dado de alta",
            "aceptado", "consentimiento otorgado"),
        C: ("dado de baja", "dada de baja", "baja", "desuscrito", "desuscrita", "cancelado", "cancelada",
            "suscripción cancelada", "eliminado", "revocado", "retirado", "lista negra", "de baja"),
        B: ("rebotado", "rebotada", "rebote", "limpiado", "borrado", "no entregable", "inválido", "bloqueado",
            "bloqueada"),
        X: ("queja", "spam", "marcado como spam", "denunciado como spam"),
        P: ("inactivo", "inactiva", "pendiente", "no confirmado", "no suscrito", "nunca suscrito", "archivado",
            "rechazado", "transaccional"),
    },
    yes=("sí", "si", "s", "verdadero"),
    no=("no", "falso"),
    word_headers=("estado", "estado de suscripción", "estado de la suscripción", "estado del contacto",
                  "estado email", "suscripción"),
    either_headers=("consentimiento", "consentimiento email", "boletín", "suscrito al boletín",
                    "acepta comunicaciones"),
    in_headers=("acepta marketing por correo electrónico", "acepta email marketing", "acepta publicidad"),
    out_headers={C: ("dado de baja", "baja", "lista negra")},
    time_headers={C: ("fecha de baja", "fecha de cancelación", "dado de baja el", "baja el")},
    in_parts=("consentim", "suscri", "acepta", "boletin"),
    out_parts={C: ("debaja", "desuscri", "listanegra")},  # not "baja" alone: "Trabajo" holds it
    email=("e-mail", "email", "mail", "correo electrónico", "boletín"),
    channels={"SMS": ("sms", "mensaje de texto", "mensajes de texto"),
              "phone": ("teléfono", "llamada", "llamadas", "telefónico"), "WhatsApp": ("whatsapp",),
              "postal mail": ("correo postal", "postal", "carta"), "push": ("push", "notificación push")},
)

ITALIAN = Language(
    "Italian",
    states={
        A: ("iscritto", "iscritta", "attivo", "attiva", "confermato", "confermata", "abbonato", "consenso dato",
            "accettato"),
        C: ("disiscritto", "disiscritta", "cancellato", "cancellata", "annullato", "revocato", "rimosso dalla lista",
            "disattivato", "lista nera"),
        B: ("rimosso", "rimossa", "rimbalzato", "rimbalzo", "non recapitabile", "non valido", "bloccato", "bloccata",
            "pulito"),
        X: ("reclamo", "spam", "segnalato come spam"),
        P: ("inattivo", "inattiva", "in attesa", "non confermato", "non iscritto", "mai iscritto", "archiviato",
            "rifiutato", "transazionale"),
    },
    yes=("sì", "si", "s", "vero"),
    no=("no", "falso"),
    word_headers=("stato", "stato iscrizione", "stato dell'iscrizione", "stato del contatto", "stato email",
                  "iscrizione"),
    either_headers=("consenso", "consenso marketing", "consenso email", "iscritto", "iscritto alla newsletter",
                    "consenso newsletter"),
    in_headers=("accetta marketing via email", "accetta email marketing"),
    out_headers={C: ("disiscritto", "cancellato", "lista nera")},
    time_headers={C: ("data disiscrizione", "data di disiscrizione", "data cancellazione", "disiscritto il")},
    in_parts=("consenso", "iscri", "abbonat", "accett"),
    out_parts={C: ("disiscri", "revoca", "listanera")},
    email=("e-mail", "email", "mail", "posta elettronica", "newsletter"),
    channels={"SMS": ("sms", "messaggio di testo"), "phone": ("telefono", "chiamata", "chiamate", "telefonico"),
              "WhatsApp": ("whatsapp",), "postal mail": ("posta", "postale", "posta cartacea", "lettera"),
              "push": ("push", "notifica push", "notifiche push")},
)

DUTCH = Language(
    "Dutch",
    states={
        A: ("geabonneerd", "actief", "aangemeld", "ingeschreven", "bevestigd", "toestemming gegeven"),
        C: ("afgemeld", "uitgeschreven", "opgezegd", "gedeactiveerd", "ingetrokken", "verwijderd", "zwarte lijst"),
        B: ("gebounced", "gebounct", "opgeschoond", "onbestelbaar", "ongeldig", "geblokkeerd"),
        X: ("klacht", "spam", "als spam gemarkeerd", "spamklacht"),
        P: ("inactief", "in afwachting", "onbevestigd", "niet bevestigd", "niet geabonneerd", "niet aangemeld",
            "nooit geabonneerd", "gearchiveerd", "geweigerd", "transactioneel"),
    },
    yes=("ja", "j", "waar"),
    no=("nee", "neen", "onwaar"),
    word_headers=("status", "abonnementsstatus", "inschrijfstatus", "inschrijvingsstatus", "contactstatus",
                  "nieuwsbriefstatus", "abonnement"),
    either_headers=("toestemming", "nieuwsbrief", "aangemeld voor nieuwsbrief", "ingeschreven",
                    "e-mail toestemming", "marketingtoestemming"),
    in_headers=("accepteert e-mailmarketing", "wil nieuwsbrief ontvangen"),
    out_headers={C: ("afgemeld", "uitgeschreven", "zwarte lijst")},
    time_headers={C: ("afmelddatum", "datum afmelding", "afgemeld op", "uitgeschreven op", "uitschrijfdatum")},
    in_parts=("toestemming", "nieuwsbrief", "aangemeld", "inschrijv", "ingeschreven", "abonnee"),
    out_parts={C: ("afgemeld", "afmeld", "uitschrijv", "uitgeschreven")},
    email=("e-mail", "email", "mail", "nieuwsbrief"),
    channels={"SMS": ("sms", "tekstbericht"), "phone": ("telefoon", "bellen", "telefonisch"),
              "WhatsApp": ("whatsapp",), "postal mail": ("post", "per post", "brief", "poststuk"),
              "push": ("push", "pushmelding", "pushberichten")},
)

PORTUGUESE = Language(
    "Portuguese",
    states={
        A: ("inscrito", "inscrita", "ativo", "ativa", "activo", "confirmado", "confirmada", "assinante", "cadastrado",
            "consentimento dado", "aceito"),
        C: ("descadastrado", "descadastrada", "desinscrito", "desinscrita", "cancelado", "cancelada",
            "inscrição cancelada", "cancelou inscrição", "revogado", "removido", "lista negra", "descadastro"),
        B: ("devolvido", "rejeitado", "limpo", "não entregue", "inválido", "bloqueado", "bloqueada", "bounce"),
        X: ("reclamação", "spam", "marcado como spam", "denúncia de spam"),
        P: ("inativo", "inativa", "pendente", "não confirmado", "não inscrito", "nunca inscrito", "arquivado",
            "recusado", "transacional"),
    },
    yes=("sim", "s", "verdadeiro"),
    no=("não", "nao", "falso"),
    word_headers=("estado", "situação", "status da inscrição", "situação da inscrição", "estado da subscrição",
                  "inscrição", "assinatura"),
    either_headers=("consentimento", "consentimento de email", "newsletter", "inscrito na newsletter",
                    "aceita comunicações"),
    in_headers=("aceita marketing por e-mail", "aceita email marketing", "aceita receber emails"),
    out_headers={C: ("descadastrado", "cancelado", "lista negra")},
    time_headers={C: ("data de descadastro", "data de cancelamento", "descadastrado em", "cancelado em")},
    in_parts=("consentimento", "inscri", "assinatur", "aceita"),
    out_parts={C: ("descadastr", "desinscri", "listanegra")},
    email=("e-mail", "email", "mail", "correio eletrônico", "correio electrónico"),
    channels={"SMS": ("sms", "mensagem de texto"), "phone": ("telefone", "ligação", "chamada", "telefónico"),
              "WhatsApp": ("whatsapp",), "postal mail": ("correio", "postal", "correio postal", "carta"),
              "push": ("push", "notificação push")},
)

POLISH = Language(
    "Polish",
    states={
        A: ("aktywny", "aktywna", "subskrybowany", "subskrybowana", "zasubskrybowany", "subskrybuje", "zapisany",
            "zapisana", "potwierdzony", "potwierdzona", "zapisany i potwierdzony"),
        C: ("wypisany", "wypisana", "wypisał się", "wypisała się", "odsubskrybowany", "odsubskrybowana",
            "zrezygnował", "zrezygnowała", "zablokowany", "zablokowana", "adres zablokowany", "usunięty",
            "czarna lista", "zgoda wycofana", "wycofano zgodę"),
        B: ("odbity", "odbita", "odbicie", "odrzucony", "odrzucona", "twarde odbicie", "niedostarczalny",
            "nieprawidłowy", "nieprawidłowa"),
        X: ("skarga", "zgłoszony jako spam", "oznaczony jako spam"),
        P: ("nieaktywny", "nieaktywna", "niepotwierdzony", "niepotwierdzona", "oczekujący", "oczekująca",
            "oczekuje na potwierdzenie", "zapisany niepotwierdzony", "niezapisany", "brak zgody", "transakcyjny",
            "zarchiwizowany"),
    },
    yes=("tak", "prawda"),
    no=("nie", "fałsz"),
    word_headers=("status subskrypcji", "stan subskrypcji", "status kontaktu", "status zapisu", "status odbiorcy",
                  "status e-mail", "status newslettera", "status zgody", "subskrypcja"),
    either_headers=("zgoda", "zgoda marketingowa", "zgoda na newsletter", "zgoda e-mail", "zgoda na e-mail",
                    "zgoda na otrzymywanie newslettera", "zapis do newslettera"),
    in_headers=("zgoda na marketing e-mailowy", "zgoda na otrzymywanie informacji handlowych",
                "zapisany do newslettera"),
    out_headers={C: ("wypisany", "wypisany z newslettera", "czarna lista")},
    time_headers={C: ("data wypisania", "data wypisu", "wypisany dnia", "data rezygnacji z newslettera"),
                  B: ("data odbicia",)},
    in_parts=("zgoda", "zgody", "zgodę", "subskryp", "newsletter"),
    out_parts={C: ("wypis", "odsubskryb")},  # not "rezygnac": an order's cancellation says it too
    email=("e-mail", "email", "mail", "newsletter", "poczta elektroniczna"),
    channels={"SMS": ("sms", "wiadomość tekstowa", "wiadomości tekstowe"),
              "phone": ("telefon", "telefoniczny", "telefonicznie", "rozmowa telefoniczna"),
              "WhatsApp": ("whatsapp",), "postal mail": ("poczta tradycyjna", "listownie", "pocztowy", "pocztowa"),
              "push": ("push", "powiadomienia push")},
)

SWEDISH = Language(
    "Swedish",
    states={
        A: ("aktiv", "prenumererar", "prenumererad", "prenumerant", "bekräftad", "registrerad"),
        C: ("avregistrerad", "avprenumererad", "avslutad", "avanmäld", "spärrad", "blockerad", "blocklistad",
            "borttagen"),
        B: ("studsad", "studsat", "studs", "hård studs", "ogiltig", "ej levererbar"),
        X: ("klagomål", "spamanmälan", "markerad som spam"),
        P: ("inaktiv", "obekräftad", "ej bekräftad", "väntande", "väntar på bekräftelse", "ej prenumerant",
            "ej prenumererad"),
    },
    yes=("ja", "sant"),
    no=("nej", "falskt"),
    word_headers=("prenumerationsstatus", "status för prenumeration", "kontaktstatus", "e-poststatus",
                  "nyhetsbrevsstatus", "prenumeration"),
    either_headers=("samtycke", "nyhetsbrev", "prenumererar", "e-postsamtycke", "marknadsföringssamtycke",
                    "prenumererar på nyhetsbrev"),
    in_headers=("godkänner e-postmarknadsföring", "vill ha nyhetsbrev"),
    out_headers={C: ("avregistrerad", "avprenumererad", "spärrad")},
    time_headers={C: ("avregistreringsdatum", "avregistrerad den", "datum för avregistrering")},
    in_parts=("samtyck", "prenumer", "nyhetsbrev"),
    out_parts={C: ("avregistr", "avprenumer", "avanmal")},
    email=("e-post", "epost", "mejl", "nyhetsbrev"),
    channels={"SMS": ("sms", "textmeddelande"), "phone": ("telefon", "samtal", "telefonförsäljning"),
              "WhatsApp": ("whatsapp",), "postal mail": ("post", "brev", "postutskick", "brevutskick"),
              "push": ("push", "pushnotis")},
)

DANISH = Language(
    "Danish",
    states={
        A: ("aktiv", "tilmeldt", "abonnerer", "bekræftet"),
        C: ("afmeldt", "frameldt", "udmeldt", "blokeret", "slettet"),
        B: ("afvist", "returneret", "ugyldig"),
        X: ("klage", "spamklage", "markeret som spam"),
        P: ("inaktiv", "ubekræftet", "ikke bekræftet", "afventer", "afventer bekræftelse", "ikke tilmeldt"),
    },
    yes=("ja", "sand"),
    no=("nej", "falsk"),
    word_headers=("abonnementsstatus", "tilmeldingsstatus", "kontaktstatus", "nyhedsbrevsstatus", "e-mailstatus"),
    either_headers=("samtykke", "nyhedsbrev", "tilmeldt nyhedsbrev", "markedsføringssamtykke", "e-mail samtykke"),
    in_headers=("accepterer e-mailmarkedsføring", "ønsker nyhedsbrev"),
    out_headers={C: ("afmeldt", "frameldt", "blokeret")},
    time_headers={C: ("afmeldingsdato", "afmeldt den", "dato for afmelding", "frameldingsdato")},
    in_parts=("samtykke", "tilmeld", "nyhedsbrev"),
    out_parts={C: ("afmeld", "frameld")},
    email=("e-mail", "email", "mail", "nyhedsbrev"),
    channels={"SMS": ("sms", "tekstbesked"), "phone": ("telefon", "opkald"), "WhatsApp": ("whatsapp",),
              "postal mail": ("post", "brev"), "push": ("push", "pushbesked")},
)

NORWEGIAN = Language(
    "Norwegian",
    states={
        A: ("aktiv", "påmeldt", "abonnert", "bekreftet"),
        C: ("avmeldt", "avregistrert", "avabonnert", "sperret", "blokkert", "slettet"),
        B: ("returnert", "avvist", "ugyldig"),
        X: ("klage", "spamklage", "merket som spam"),
        P: ("inaktiv", "ubekreftet", "ikke bekreftet", "venter", "venter på bekreftelse", "ikke påmeldt"),
    },
    yes=("ja", "sann"),
    no=("nei", "usann", "falsk"),
    word_headers=("abonnementsstatus", "påmeldingsstatus", "kontaktstatus", "nyhetsbrevstatus", "e-poststatus"),
    either_headers=("samtykke", "nyhetsbrev", "påmeldt nyhetsbrev", "markedsføringssamtykke", "e-postsamtykke"),
    in_headers=("ønsker nyhetsbrev", "godtar e-postmarkedsføring"),
    out_headers={C: ("avmeldt", "avregistrert", "sperret")},
    time_headers={C: ("avmeldingsdato", "avmeldt dato", "avmeldt den", "dato avmeldt")},
    in_parts=("samtykke", "påmeld", "nyhetsbrev"),
    out_parts={C: ("avmeld", "avregistr")},
    email=("e-post", "epost", "nyhetsbrev"),
    channels={"SMS": ("sms", "tekstmelding"), "phone": ("telefon", "oppringing"), "WhatsApp": ("whatsapp",),
              "postal mail": ("post", "brev"), "push": ("push", "pushvarsel")},
)

FINNISH = Language(
    "Finnish",
    states={
        A: ("aktiivinen", "tilaaja", "tilattu", "vahvistettu"),
        C: ("peruttu", "peruutettu", "perunut", "tilaus peruttu", "estetty", "poistettu", "markkinointikielto"),
        B: ("palautunut", "palautui", "virheellinen", "tavoittamaton"),
        X: ("valitus", "roskapostivalitus", "merkitty roskapostiksi"),
        P: ("ei aktiivinen", "passiivinen", "vahvistamatta", "vahvistamaton", "odottaa vahvistusta"),
    },
    yes=("kyllä", "tosi"),
    no=("ei", "epätosi"),
    word_headers=("tila", "tilauksen tila", "tilaajan tila", "yhteystiedon tila", "uutiskirjeen tila"),
    either_headers=("suostumus", "uutiskirje", "markkinointilupa", "sähköpostilupa", "markkinointisuostumus",
                    "uutiskirjeen tilaus"),
    in_headers=("sallii sähköpostimarkkinoinnin", "haluaa uutiskirjeen"),
    out_headers={C: ("markkinointikielto", "suoramarkkinointikielto")},
    time_headers={C: ("uutiskirjeen peruutuspäivä",)},  # not "peruutuspäivä" alone: an order's cancellation date
    in_parts=("suostum", "uutiskirje", "markkinointilupa", "sähköpostilupa"),
    out_parts={C: ("markkinointikielto",)},
    email=("sähköposti", "uutiskirje"),
    channels={"SMS": ("sms", "tekstiviesti"), "phone": ("puhelin", "puhelu", "puhelinmarkkinointi"),
              "WhatsApp": ("whatsapp",), "postal mail": ("posti", "kirje", "kirjeposti"),
              "push": ("push", "push-ilmoitus")},
)


def _with_dotless_i(*words: str) -> tuple[str, ...]:
    """Turkish words as written and with a plain i for the dotless ı: HAYIR folds to hayir, not hayır."""
    return tuple(dict.fromkeys(w for word in words for w in (word, word.replace("ı", "i"))))


TURKISH = Language(
    "Turkish",
    states={
        A: _with_dotless_i("aktif", "abone", "abone oldu", "onaylandı", "onaylı", "onaylanmış", "doğrulanmış",
                           "kayıtlı", "izin verildi"),
        C: _with_dotless_i("abonelikten çıktı", "abonelikten çıkıldı", "abonelikten çıkmış", "abonelik iptal",
                           "abonelik iptal edildi", "iptal edildi", "engellendi", "engellenmiş", "kara liste",
                           "silindi", "izin geri alındı", "üyeliği sonlandı"),
        B: _with_dotless_i("geri döndü", "geri dönen", "geri dönmüş", "sert geri dönüş", "geçersiz",
                           "teslim edilemedi", "hatalı adres"),
        X: _with_dotless_i("şikayet", "spam şikayeti", "spam olarak işaretlendi"),
        P: _with_dotless_i("pasif", "beklemede", "onay bekliyor", "onaylanmadı", "onaylanmamış", "abone değil",
                           "izin yok", "devre dışı"),
    },
    yes=_with_dotless_i("evet", "doğru"),
    no=_with_dotless_i("hayır", "yanlış"),
    word_headers=_with_dotless_i("durum", "abonelik durumu", "abone durumu", "e-posta durumu", "kişi durumu",
                                 "bülten durumu", "izin durumu"),
    either_headers=_with_dotless_i("abonelik", "bülten", "e-bülten", "bülten aboneliği"),
    in_headers=_with_dotless_i("izin", "e-posta izni", "e-posta onayı", "ticari ileti izni",
                               "ticari elektronik ileti izni", "pazarlama izni", "bülten izni"),
    out_headers={C: _with_dotless_i("abonelikten çıktı", "kara liste")},
    time_headers={C: _with_dotless_i("abonelikten çıkma tarihi", "abonelik iptal tarihi")},
    in_parts=("abone", "bülten", "ileti izni", "e-posta izni", "pazarlama izni"),  # not "izin" alone: permissions
    out_parts={C: _with_dotless_i("abonelikten çık")},
    email=("e-posta", "eposta", "e-mail", "email", "bülten"),
    channels={"SMS": ("sms", "kısa mesaj", "kisa mesaj"), "phone": ("telefon", "arama", "sesli arama"),
              "WhatsApp": ("whatsapp",), "postal mail": ("posta yoluyla", "mektup"),
              "push": ("push", "anlık bildirim", "anlik bildirim")},
)

CZECH = Language(
    "Czech",
    states={
        A: ("aktivní", "přihlášen", "přihlášený", "přihlášená", "přihlášeno k odběru", "odebírá", "potvrzený",
            "potvrzená", "potvrzeno"),
        C: ("odhlášen", "odhlášený", "odhlášená", "odhlášeno", "zrušen odběr", "zrušený odběr", "odhlášen z odběru",
            "blokovaný", "blokovaná", "v blacklistu", "na blacklistu", "smazaný"),
        B: ("vrácený", "vrácená", "vráceno", "odražený", "odražená", "nedoručitelný", "nedoručitelná", "neplatný",
            "neplatná"),
        X: ("stížnost", "spam stížnost", "označeno jako spam"),
        P: ("neaktivní", "nepotvrzený", "nepotvrzená", "nepotvrzeno", "čeká na potvrzení", "čekající",
            "nepřihlášen", "nepřihlášený"),
    },
    yes=("ano", "pravda"),
    no=("ne", "nepravda"),
    word_headers=("stav", "stav odběru", "stav kontaktu", "stav přihlášení k odběru", "stav newsletteru",
                  "status odběru", "stav e-mailu"),
    either_headers=("souhlas", "souhlas s newsletterem", "marketingový souhlas", "souhlas se zasíláním", "odběr",
                    "odběr newsletteru"),
    in_headers=("souhlas se zasíláním obchodních sdělení", "souhlas se zasíláním newsletteru"),
    out_headers={C: ("odhlášen", "odhlášený", "odhlášeno", "odhlášen z odběru")},
    time_headers={C: ("datum odhlášení z odběru", "odhlášen z odběru dne")},  # not "datum odhlášení": a logout's
    in_parts=("souhlas", "odběr"),
    out_parts={C: ("odhlášen z odběru", "zrušen odběr")},
    email=("e-mail", "email", "mail", "newsletter", "elektronická pošta"),
    channels={"SMS": ("sms", "textová zpráva"), "phone": ("telefon", "telefonicky", "telefonát"),
              "WhatsApp": ("whatsapp",), "postal mail": ("poštou", "dopis", "dopisem"),
              "push": ("push", "push notifikace")},
)

JAPANESE = Language(
    "Japanese",
    states={
        A: ("購読中", "配信中", "登録済み", "加入済み", "本登録", "確認済み", "有効"),
        C: ("購読解除", "配信解除", "登録解除", "解除", "解除済み", "配信停止", "購読停止", "配信拒否", "オプトアウト",
            "ブロックリスト対象"),
        B: ("エラー停止", "配信エラー", "不達", "バウンス", "ハードバウンス"),
        X: ("苦情", "迷惑メール報告", "スパム報告", "クレーム"),
        P: ("未確認", "仮登録", "確認待ち", "未購読", "保留"),
    },
    yes=("はい",),
    no=("いいえ",),
    word_headers=("状態", "ステータス", "購読状態", "配信状態", "登録状態", "購読ステータス", "配信ステータス"),
    either_headers=("メルマガ", "メールマガジン", "メルマガ購読", "メール配信"),
    in_headers=("メルマガ配信希望", "メール配信希望", "メルマガ購読希望", "メール配信同意"),
    out_headers={C: ("配信停止", "メール配信停止", "購読解除", "配信拒否", "メール配信拒否")},
    time_headers={C: ("配信停止日", "配信停止日時", "購読解除日", "購読解除日時", "解除日", "解除日時")},
    # Not 同意 (consent) or 希望 (wish) alone: a phone or DM column says them too.
    in_parts=("購読", "メルマガ", "メールマガジン", "メール配信"),
    out_parts={C: ("配信停止", "購読解除", "配信解除", "配信拒否")},
    email=("電子メール", "eメール", "メルマガ", "メールマガジン"),  # not メール alone: ショートメール is SMS
    channels={"SMS": ("sms", "ショートメッセージ", "ショートメール"),
              "phone": ("電話", "電話連絡", "電話案内", "電話勧誘"), "WhatsApp": ("whatsapp",),
              "postal mail": ("郵送", "郵便", "ダイレクトメール", "dm配信", "dm送付", "dm発送", "郵送物", "郵便物"),
              "push": ("プッシュ通知", "push")},
)

HUNGARIAN = Language(
    "Hungarian",
    states={
        A: ("aktív", "feliratkozott", "feliratkozva", "megerősített", "megerősítve", "engedélyezve"),
        C: ("leiratkozott", "leiratkozva", "tiltólistán", "tiltólistás", "letiltva", "törölve"),
        B: ("visszapattant", "visszapattanó", "kemény visszapattanás", "kézbesíthetetlen", "érvénytelen"),
        X: ("panasz", "spam panasz", "spamként jelölve"),
        P: ("inaktív", "nem megerősített", "megerősítetlen", "megerősítésre vár", "függőben", "nem feliratkozott"),
    },
    yes=("igen", "igaz"),
    no=("nem", "hamis"),
    word_headers=("állapot", "státusz", "feliratkozási állapot", "feliratkozás állapota", "feliratkozási státusz",
                  "kapcsolat állapota", "hírlevél állapot", "e-mail állapot"),
    either_headers=("hírlevél", "hírlevél feliratkozás", "feliratkozás", "hozzájárulás", "marketing hozzájárulás",
                    "hírlevél hozzájárulás", "e-mail hozzájárulás"),
    in_headers=("feliratkozott a hírlevélre", "hozzájárul a hírlevélhez", "kér hírlevelet"),
    out_headers={C: ("leiratkozott", "leiratkozva", "tiltólistán")},
    time_headers={C: ("leiratkozás dátuma", "leiratkozás ideje", "leiratkozott ekkor")},
    in_parts=("hírlevél", "hírlevel", "feliratkoz", "hozzájárul"),
    out_parts={C: ("leiratkoz", "tiltólist")},
    email=("e-mail", "email", "mail", "hírlevél", "hírlevel", "elektronikus levél"),
    channels={"SMS": ("sms", "szöveges üzenet"), "phone": ("telefon", "telefonos", "hívás", "telefonhívás"),
              "WhatsApp": ("whatsapp",), "postal mail": ("postai", "postán", "levélben", "postai levél"),
              "push": ("push", "push értesítés")},
)

ROMANIAN = Language(
    "Romanian",
    states={
        A: ("abonat", "abonată", "activ", "activă", "confirmat", "confirmată", "activat"),
        C: ("dezabonat", "dezabonată", "lista blocată", "pe lista neagră", "în lista neagră", "șters", "ștearsă",
            "consimțământ retras"),
        B: ("nelivrabil", "adresă invalidă", "respins definitiv"),
        X: ("plângere", "reclamație", "marcat ca spam", "raportat ca spam"),
        P: ("inactiv", "inactivă", "neconfirmat", "neconfirmată", "în așteptare", "neabonat", "neabonată"),
    },
    yes=("da", "adevărat"),
    no=("nu", "fals"),
    word_headers=("stare", "stare abonare", "starea abonării", "status abonare", "starea abonatului",
                  "stare contact", "status newsletter"),
    either_headers=("abonat la newsletter", "abonare", "abonare newsletter", "abonare la newsletter",
                    "consimțământ", "consimțământ marketing", "consimțământ e-mail"),
    in_headers=("acord newsletter", "de acord cu newsletterul", "accept comunicări comerciale prin e-mail"),
    out_headers={C: ("dezabonat", "dezabonată", "dezabonare")},
    time_headers={C: ("data dezabonării", "data dezabonare", "dezabonat la")},
    in_parts=("abonat", "abonare", "consimt"),  # not "abona": an abonament is a paid plan too
    out_parts={C: ("dezabon",)},
    email=("e-mail", "email", "mail", "newsletter", "poștă electronică"),
    channels={"SMS": ("sms", "mesaj text"), "phone": ("telefon", "telefonic", "apel", "apeluri"),
              "WhatsApp": ("whatsapp",), "postal mail": ("poștă", "prin poștă", "scrisoare"),
              "push": ("push", "notificare push")},
)

GREEK = Language(
    "Greek",
    states={
        A: ("εγγεγραμμένος", "εγγεγραμμένη", "εγγεγραμμένο", "ενεργός", "ενεργή", "ενεργό", "επιβεβαιωμένος",
            "επιβεβαιωμένη", "επιβεβαιωμένο"),
        C: ("διαγραμμένος", "διαγραμμένη", "διαγραμμένο", "απεγγεγραμμένος", "απεγγεγραμμένη", "απεγγεγραμμένο",
            "κατάργηση εγγραφής", "αποκλεισμένος", "αποκλεισμένη", "αποκλεισμένο", "μαύρη λίστα"),
        B: ("μη παραδοτέο", "σκληρή αναπήδηση", "μη έγκυρο", "μη έγκυρη"),
        X: ("παράπονο", "διαμαρτυρία", "αναφορά spam"),
        P: ("ανενεργός", "ανενεργή", "ανενεργό", "ανεπιβεβαίωτος", "ανεπιβεβαίωτη", "ανεπιβεβαίωτο", "σε αναμονή",
            "εκκρεμεί", "αναμονή επιβεβαίωσης"),
    },
    yes=("ναι", "αληθές"),
    no=("όχι", "ψευδές"),
    word_headers=("κατάσταση", "κατάσταση εγγραφής", "κατάσταση συνδρομής", "κατάσταση συνδρομητή",
                  "κατάσταση επαφής", "κατάσταση newsletter"),
    either_headers=("συγκατάθεση", "ενημερωτικό δελτίο", "εγγραφή στο newsletter", "εγγραφή στο ενημερωτικό δελτίο",
                    "συγκατάθεση email", "συγκατάθεση marketing"),
    in_headers=("αποδοχή email marketing", "επιθυμεί newsletter"),
    out_headers={C: ("διαγραμμένος", "απεγγεγραμμένος", "κατάργηση εγγραφής")},
    time_headers={C: ("ημερομηνία απεγγραφής", "ημερομηνία κατάργησης εγγραφής")},
    # Not "εγγραφ" alone (a registration) or "διαγραφ" alone (any deletion).
    in_parts=("συγκαταθ", "ενημερωτικό δελτίο", "εγγραφή στο"),
    out_parts={C: ("απεγγραφ", "κατάργηση εγγραφής")},
    email=("e-mail", "email", "mail", "newsletter", "ηλεκτρονικό ταχυδρομείο", "ενημερωτικό δελτίο"),
    channels={"SMS": ("sms", "γραπτό μήνυμα", "μήνυμα κειμένου"), "phone": ("τηλέφωνο", "τηλεφωνικ", "κλήση"),
              "WhatsApp": ("whatsapp",), "Viber": ("viber",), "postal mail": ("ταχυδρομικ", "επιστολή"),
              "push": ("push", "ειδοποίηση push")},
)

RUSSIAN = Language(
    "Russian",
    states={
        A: ("подписан", "подписана", "подписаны", "активен", "активна", "активный", "активная", "подтверждён",
            "подтверждена", "включён"),
        C: ("отписан", "отписана", "отписаны", "отписался", "отписалась", "в чёрном списке", "чёрный список",
            "заблокирован", "заблокирована", "удалён", "удалена", "отказался от рассылки"),
        B: ("жёсткий отказ", "недоставлен", "не доставлено", "недействительный", "недействительный адрес"),
        X: ("жалоба", "жалоба на спам", "отмечено как спам"),
        P: ("неактивен", "неактивна", "неактивный", "не подтверждён", "не подтверждена", "неподтверждённый",
            "ожидает подтверждения", "не подписан", "не подписана"),
    },
    yes=("да", "истина"),
    no=("нет", "ложь"),
    word_headers=("статус", "статус подписки", "статус подписчика", "состояние подписки", "статус контакта",
                  "статус рассылки", "статус email"),
    either_headers=("рассылка", "подписка", "подписка на рассылку", "согласие", "согласие на рассылку",
                    "email-рассылка", "новостная рассылка"),
    in_headers=("подписан на рассылку", "согласие на получение рассылки", "согласен на рассылку"),
    out_headers={C: ("отписан", "отписался", "отписка", "отписан от рассылки", "в чёрном списке")},
    time_headers={C: ("дата отписки", "время отписки", "отписан дата")},
    in_parts=("подписк", "рассылк", "согласи"),
    out_parts={C: ("отписк", "отписан", "отписал")},
    email=("e-mail", "email", "электронная почта", "эл. почта", "емейл", "имейл", "email-рассылка"),
    channels={"SMS": ("sms", "смс", "текстовое сообщение"), "phone": ("телефон", "звонок", "звонки", "телефонный"),
              "WhatsApp": ("whatsapp",), "Telegram": ("telegram", "телеграм"), "Viber": ("viber", "вайбер"),
              "postal mail": ("почтовая рассылка", "бумажная почта", "почтовое отправление"),
              "push": ("push", "пуш", "push-уведомления", "пуш-уведомления")},
)

UKRAINIAN = Language(
    "Ukrainian",
    states={
        A: ("підписаний", "підписана", "підписані", "активний", "активна", "активні", "підтверджений",
            "підтверджена", "підтверджені", "чинні"),
        C: ("відписаний", "відписана", "відписані", "відписався", "відписалася", "у чорному списку",
            "в чорному списку", "заблокований", "заблокована", "заблоковані", "видалений", "видалена"),
        B: ("недоставлений", "не доставлено", "недійсний", "недійсна", "недійсна адреса"),
        X: ("скарга", "скарги", "скарга на спам", "позначено як спам"),
        P: ("неактивний", "неактивна", "непідтверджений", "непідтверджена", "непідтверджені", "очікує підтвердження",
            "не підписаний", "не підписана"),
    },
    yes=("так", "істина"),
    no=("ні", "хибність"),
    word_headers=("стан", "стан підписки", "статус підписки", "статус підписника", "статус контакту",
                  "статус розсилки"),
    either_headers=("розсилка", "підписка", "підписка на розсилку", "згода", "згода на розсилку",
                    "email-розсилка"),
    in_headers=("підписаний на розсилку", "згода на отримання розсилки", "погоджується на розсилку"),
    out_headers={C: ("відписаний", "відписався", "відписка", "відписаний від розсилки", "у чорному списку")},
    time_headers={C: ("дата відписки", "час відписки")},
    in_parts=("підписк", "розсилк", "згод"),
    out_parts={C: ("відписк", "відписан", "відписал")},
    email=("e-mail", "email", "електронна пошта", "ел. пошта", "імейл", "email-розсилка"),
    channels={"SMS": ("sms", "смс", "текстове повідомлення"), "phone": ("телефон", "дзвінок", "дзвінки",
                                                                       "телефонний"),
              "WhatsApp": ("whatsapp",), "Telegram": ("telegram", "телеграм"), "Viber": ("viber", "вайбер"),
              "postal mail": ("поштова розсилка", "паперова пошта", "поштове відправлення"),
              "push": ("push", "пуш", "push-сповіщення", "пуш-сповіщення")},
)

KOREAN = Language(
    "Korean",
    states={
        A: ("구독중", "구독 중", "구독됨", "활성", "활성화됨", "확인됨", "동의", "수신동의", "수신 동의"),
        C: ("수신거부", "수신 거부", "구독취소", "구독 취소", "구독해지", "구독 해지", "구독 해지됨", "차단됨",
            "동의 철회", "수신 철회"),
        B: ("반송", "반송됨", "하드 바운스", "바운스", "유효하지 않음"),
        X: ("스팸 신고", "컴플레인", "불만 신고"),
        P: ("비활성", "비활성화", "미확인", "대기", "대기 중", "확인 대기", "미구독", "미동의", "동의 안 함", "비동의"),
    },
    yes=("예", "네"),
    no=("아니오", "아니요"),
    word_headers=("상태", "구독 상태", "수신 상태", "구독자 상태", "이메일 상태"),
    either_headers=("수신 동의", "이메일 수신 동의", "메일 수신 동의", "마케팅 수신 동의", "광고성 정보 수신 동의",
                    "뉴스레터", "뉴스레터 구독", "구독", "이메일 수신 여부", "메일 수신 여부"),
    in_headers=("뉴스레터 구독 여부", "구독 여부"),
    out_headers={C: ("수신거부", "수신 거부", "구독 취소", "구독 해지", "이메일 수신 거부")},
    time_headers={C: ("수신거부일", "수신거부 일시", "수신 거부일", "구독 해지일", "구독 취소일", "구독 해지 일시")},
    # Not 동의 (consent) alone: a personal data collection consent (개인정보 수집 동의) says it too.
    in_parts=("수신동의", "수신 여부", "구독", "뉴스레터"),
    out_parts={C: ("수신거부", "구독취소", "구독해지")},
    email=("이메일", "메일", "전자우편", "뉴스레터"),
    channels={"SMS": ("sms", "lms", "문자", "문자 메시지"), "phone": ("전화", "텔레마케팅"),
              "KakaoTalk": ("카카오톡", "알림톡", "친구톡", "kakaotalk"), "WhatsApp": ("whatsapp",),
              "postal mail": ("우편", "우편물"), "push": ("push", "푸시", "앱 푸시")},
)

# Simplified and traditional in one table: the two never spell a word alike with different meanings. Chinese
# writes no spaces, so channel words shorter than three characters are given in the headers they start
# (短信订阅): a channel word matches the start or end of a header's word only from three letters on.
CHINESE = Language(
    "Chinese",
    states={
        A: ("已订阅", "订阅", "订阅中", "已訂閱", "訂閱", "訂閱中", "已确认", "已確認", "活跃", "活躍"),
        C: ("已退订", "退订", "取消订阅", "已取消订阅", "已退訂", "退訂", "取消訂閱", "已取消訂閱", "列入黑名单",
            "黑名单", "列入黑名單", "黑名單"),
        B: ("退信", "硬退信", "软退信", "強制退回", "軟性退回", "无效地址", "無效地址"),
        X: ("投诉", "投訴", "垃圾邮件举报", "垃圾郵件檢舉"),
        P: ("未确认", "未確認", "待确认", "待確認", "未订阅", "未訂閱", "不活跃", "不活躍"),
    },
    yes=("是",),
    no=("否",),
    word_headers=("状态", "狀態", "订阅状态", "訂閱狀態", "邮件订阅状态", "郵件訂閱狀態"),
    either_headers=("订阅", "訂閱", "是否订阅", "是否訂閱", "邮件订阅", "郵件訂閱", "订阅邮件", "訂閱電子報",
                    "电子报", "電子報"),
    in_headers=("同意接收邮件", "同意接收郵件", "接受邮件营销", "接受郵件行銷"),
    out_headers={C: ("已退订", "退订", "取消订阅", "已退訂", "退訂", "取消訂閱")},
    time_headers={C: ("退订时间", "退订日期", "退訂時間", "退訂日期", "取消订阅时间", "取消訂閱時間")},
    in_parts=("订阅", "訂閱", "电子报", "電子報"),
    out_parts={C: ("退订", "退訂", "取消订阅", "取消訂閱")},
    email=("电子邮件", "電子郵件", "邮箱", "郵箱", "电邮", "電郵", "电子报", "電子報"),
    channels={"SMS": ("sms", "短信订阅", "短信通知", "短信营销", "接收短信", "簡訊訂閱", "簡訊通知", "接收簡訊"),
              "phone": ("电话营销", "電話行銷", "电话联系", "電話聯絡"), "WeChat": ("wechat", "微信公众号", "微信通知"),
              "WhatsApp": ("whatsapp",), "postal mail": ("邮寄", "郵寄", "纸质邮件", "紙本郵件"),
              "push": ("push", "推送通知", "app推送")},
)

# Indonesian and Malay share yes and no (ya, tidak) and most words; Malay's own are melanggan and nyahlanggan.
INDONESIAN = Language(
    "Indonesian and Malay",
    states={
        A: ("aktif", "berlangganan", "sedang berlangganan", "dikonfirmasi", "terkonfirmasi", "diaktifkan",
            "melanggan", "disahkan"),
        C: ("berhenti berlangganan", "batal berlangganan", "tidak berlangganan lagi", "diblokir", "daftar hitam",
            "dihapus", "berhenti melanggan", "nyahlanggan", "dinyahlanggan", "disekat", "senarai hitam"),
        B: ("terpental", "tidak terkirim", "gagal terkirim", "alamat tidak valid"),
        X: ("keluhan", "aduan", "dilaporkan sebagai spam", "ditandai sebagai spam"),
        P: ("tidak aktif", "belum dikonfirmasi", "menunggu konfirmasi", "tertunda", "belum berlangganan",
            "tidak berlangganan", "belum disahkan"),
    },
    yes=("ya", "benar"),
    no=("tidak", "salah"),
    word_headers=("status langganan", "status berlangganan", "status kontak", "status email", "status melanggan"),
    either_headers=("berlangganan", "langganan", "langganan newsletter", "berlangganan newsletter", "persetujuan",
                    "persetujuan email", "melanggan", "langganan buletin"),
    in_headers=("bersedia menerima email", "setuju menerima email", "setuju menerima newsletter"),
    out_headers={C: ("berhenti berlangganan", "batal berlangganan", "nyahlanggan", "berhenti melanggan")},
    time_headers={C: ("tanggal berhenti berlangganan", "tanggal batal berlangganan", "waktu berhenti berlangganan",
                      "tarikh nyahlanggan")},
    # Not "langgan" alone: a pelanggan is a customer.
    in_parts=("berlangganan", "langganan", "melanggan", "persetujuan"),
    out_parts={C: ("berhenti berlangganan", "batal berlangganan", "berhenti melanggan", "nyahlanggan")},
    email=("e-mail", "email", "surel", "surat elektronik", "e-mel", "emel", "newsletter", "buletin"),
    channels={"SMS": ("sms", "pesan teks", "mesej teks"), "phone": ("telepon", "telefon", "panggilan"),
              "WhatsApp": ("whatsapp",), "postal mail": ("surat pos", "melalui pos", "pos surat"),
              "push": ("push", "notifikasi push", "pemberitahuan push")},
)

LANGUAGES: tuple[Language, ...] = (ENGLISH, GERMAN, FRENCH, SPANISH, ITALIAN, DUTCH, PORTUGUESE, POLISH, SWEDISH,
                                   DANISH, NORWEGIAN, FINNISH, TURKISH, CZECH, JAPANESE, HUNGARIAN, ROMANIAN,
                                   GREEK, RUSSIAN, UKRAINIAN, KOREAN, CHINESE, INDONESIAN)
