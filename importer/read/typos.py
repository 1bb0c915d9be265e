"""Likely typos of the big mail providers' domains (gmial.com for gmail.com): data, and one lookup.

Nothing is corrected: an address with such a domain is imported as written and listed, so the
user can fix it at the source. No DNS is asked. The table is built once from the providers'
domains: each one with a letter left out, doubled, swapped with its neighbour or replaced by a
neighbouring key, and the common slips of `.com`; plus typos seen in real lists. Real domains
that look like typos (mail.com, ymail.com, gmx.com, ...) are never listed.
"""

from __future__ import annotations

# Providers whose domains are typed often enough for their typos to be worth naming.
PROVIDERS = (
    "gmail.com", "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com", "aol.com",
    "live.com", "msn.com", "comcast.net", "verizon.net", "protonmail.com", "proton.me", "hotmail.co.uk",
    "yahoo.co.uk", "btinternet.com", "hotmail.fr", "orange.fr", "wanadoo.fr", "gmx.de", "web.de", "t-online.de",
    "libero.it", "yahoo.fr", "yahoo.es", "hotmail.es", "hotmail.it", "outlook.fr", "outlook.de", "ziggo.nl",
    "kpnmail.nl", "uol.com.br", "bol.com.br", "sapo.pt",
)
# Typos the rules below do not make, seen in real lists: typo -> domain meant.
SEEN = {
    "gemail.com": "gmail.com", "gmaik.com": "gmail.com", "gmail.cpm": "gmail.com", "gmai.co": "gmail.com",
    "gmail.co": "gmail.com", "g.mail.com": "gmail.com", "gmail.om": "gmail.com", "gnail.com": "gmail.com",
    "hotmai.co": "hotmail.com", "homail.com": "hotmail.com", "hitmail.com": "hotmail.com",
    "yahoo.con": "yahoo.com", "yahho.com": "yahoo.com", "yhoo.com": "yahoo.com", "yaoo.com": "yahoo.com",
    "outllok.com": "outlook.com", "outlool.com": "outlook.com", "iclould.com": "icloud.com",
    "icoud.com": "icloud.com", "icluod.com": "icloud.com",
}
# Real domains a rule would take for a typo: never listed.
REAL = frozenset((
    "mail.com", "ymail.com", "gmx.com", "gmx.net", "gmx.at", "gmx.ch", "gmx.fr", "live.co.uk", "live.fr",
    "live.de", "live.it", "live.nl", "me.com", "mac.com", "aim.com", "msn.de", "web.com", "yahoo.ca",
    "yahoo.de", "yahoo.it", "yahoo.com.br", "hotmail.de", "hotmail.nl", "outlook.es", "outlook.it",
    "outlook.com.br", "bol.com", "uol.com", "sapo.com", "libero.com", "orange.com", "free.fr", "gmail.de",
    "t-online.com", "verizon.com", "comcast.com", "proton.com", "cloud.com", "libro.it", "email.com", "fastmail.com",
    "hmail.com",
))
# Slips of the top-level part, for the providers under `.com`.
COM_SLIPS = ("co", "cm", "con", "om", "comm", "cmo", "ocm", "vom", "xom", "cim", "coom", "c0m", "com.com", "cpm")
# Keys next to each other on a QWERTY keyboard: a finger that slips lands on one of these.
NEIGHBOURS = {
    "a": "qwsz", "b": "vghn", "c": "xdfv", "d": "serfcx", "e": "wsdr", "f": "drtgvc", "g": "ftyhbv",
    "h": "gyujnb", "i": "ujko", "j": "huikmn", "k": "jiolm", "l": "kop", "m": "njk", "n": "bhjm", "o": "iklp",
    "p": "ol", "q": "wa", "r": "edft", "s": "awedxz", "t": "rfgy", "u": "yhji", "v": "cfgb", "w": "qase",
    "x": "zsdc", "y": "tghu", "z": "asx",
}
SHORTEST = 5  # providers' names shorter than this (aol, msn, gmx) get only the `.com` slips: too many real look-alikes


def _slips(name: str) -> set[str]:
    """Every string one slip away from `name`: a letter left out, doubled, swapped, or a neighbour's."""
    out = set()
    for i, c in enumerate(name):
        out.add(name[:i] + name[i + 1:])
        out.add(name[:i] + c + name[i:])
        if i + 1 < len(name):
            out.add(name[:i] + name[i + 1] + c + name[i + 2:])
        out.update(name[:i] + n + name[i + 1:] for n in NEIGHBOURS.get(c, ""))
    out.discard(name)
    return out


def _build() -> dict[str, str]:
    table: dict[str, str] = {}
    for domain in PROVIDERS:
        name, _, tld = domain.partition(".")
        if len(name) >= SHORTEST:
            for typo in _slips(name):
                table.setdefault(f"{typo}.{tld}", domain)
        if tld == "com":
            for slip in COM_SLIPS:
                table.setdefault(f"{name}.{slip}", domain)
    table.update(SEEN)
    for real in (*PROVIDERS, *REAL):
        table.pop(real, None)
    return table


TYPOS: dict[str, str] = _build()


def suggested_domain(domain: str) -> str:
    """The provider's domain `domain` is likely a typo of, or "" when it looks right."""
    return TYPOS.get(domain.casefold(), "")
