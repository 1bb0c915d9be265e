"""Headers in the languages people export in: what a column means, read from its header (data only).

One table per language, each mapping a meaning to the headers that say it, written as people
write them: they are compared after `normalize` (no case, accents, spaces or punctuation). A
new language is one more table in LANGUAGES. Meanings: the email, a second email, the first
name, the last name, a whole name, the tags, and the common fields matched as synonyms of Kit's
labels. A header put as a question by a form tool is read
without its opening (QUESTION_OPENINGS, `unasked`).

Words that mean different things in different languages are placed once, by what is safe:
`Nome` is a whole name (Portuguese) and a first name beside `Cognome` (Italian), so it is a
whole name, which is never split into a last-name column the file has; `Nom` is French for
the last name; `Nombre` is Spanish for the first name; Czech `Jméno` is, like `Nome`, a whole name.
Words another language's table already holds with the same meaning (Firma, Telefon, Mobil, Land,
Adresse) are not repeated.
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
    "tags": ("Tags", "Labels", "Label"),  # Kit's and Mailchimp's tags; Ghost's member labels
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
POLISH = {
    "email": ("Adres e-mail", "Adres email", "Adres mailowy"),
    "second email": ("Drugi e-mail", "Dodatkowy e-mail", "Drugi adres e-mail"),
    "first name": ("Imię",),
    "last name": ("Nazwisko",),
    "whole name": ("Imię i nazwisko",),
    "postal code": ("Kod pocztowy",),
    "company": ("Nazwa firmy", "Przedsiębiorstwo", "Organizacja"),
    "phone": ("Numer telefonu", "Telefon komórkowy", "Komórka"),
    "city": ("Miasto", "Miejscowość"),
    "country": ("Kraj",),
    "website": ("Strona internetowa", "Strona www"),
    "birthday": ("Data urodzenia", "Urodziny"),
    "address": ("Adres", "Ulica"),
    "job title": ("Stanowisko",),
    "gender": ("Płeć",),
}
SWEDISH = {
    "email": ("E-post", "E-postadress", "Epost", "Mejladress"),
    "second email": ("E-post 2", "Annan e-postadress"),
    "first name": ("Förnamn",),
    "last name": ("Efternamn",),
    "whole name": ("Namn", "Fullständigt namn", "För- och efternamn"),
    "postal code": ("Postnummer",),
    "company": ("Företag", "Företagsnamn"),
    "phone": ("Telefonnummer", "Mobilnummer"),
    "city": ("Postort",),
    "country": ("Land",),
    "website": ("Webbplats", "Hemsida"),
    "birthday": ("Födelsedag", "Födelsedatum"),
    "address": ("Adress", "Gatuadress"),
    "job title": ("Befattning", "Yrkestitel"),
    "gender": ("Kön",),
}
DANISH = {
    "email": ("E-mailadresse", "Emailadresse", "Mailadresse"),
    "second email": ("E-mail 2", "Anden e-mailadresse"),
    "first name": ("Fornavn",),
    "last name": ("Efternavn",),
    "whole name": ("Navn", "Fulde navn"),
    "postal code": ("Postnummer",),
    "company": ("Virksomhed", "Firmanavn"),
    "phone": ("Telefonnummer", "Mobilnummer"),
    "city": ("By", "Bynavn"),
    "country": ("Land",),
    "website": ("Hjemmeside",),
    "birthday": ("Fødselsdag", "Fødselsdato"),
    "address": ("Adresse", "Vejnavn"),
    "job title": ("Stilling", "Jobtitel"),
    "gender": ("Køn",),
}
NORWEGIAN = {
    "email": ("E-post", "E-postadresse", "Epost"),
    "second email": ("E-post 2", "Annen e-postadresse"),
    "first name": ("Fornavn",),
    "last name": ("Etternavn",),
    "whole name": ("Navn", "Fullt navn"),
    "postal code": ("Postnummer",),
    "company": ("Bedrift", "Firmanavn", "Selskap"),
    "phone": ("Telefonnummer", "Mobilnummer"),
    "city": ("Poststed", "Sted"),
    "country": ("Land",),
    "website": ("Nettside", "Hjemmeside"),
    "birthday": ("Fødselsdag", "Fødselsdato"),
    "address": ("Adresse", "Gateadresse"),
    "job title": ("Stilling", "Tittel"),
    "gender": ("Kjønn",),
}
FINNISH = {
    "email": ("Sähköposti", "Sähköpostiosoite"),
    "second email": ("Toinen sähköposti", "Toinen sähköpostiosoite"),
    "first name": ("Etunimi",),
    "last name": ("Sukunimi",),
    "whole name": ("Nimi", "Koko nimi"),
    "postal code": ("Postinumero",),
    "company": ("Yritys", "Yrityksen nimi"),
    "phone": ("Puhelin", "Puhelinnumero", "Matkapuhelin"),
    "city": ("Kaupunki", "Postitoimipaikka", "Paikkakunta"),
    "country": ("Maa",),
    "website": ("Verkkosivusto", "Kotisivu"),
    "birthday": ("Syntymäpäivä", "Syntymäaika"),
    "address": ("Osoite", "Katuosoite", "Lähiosoite"),
    "job title": ("Titteli", "Ammattinimike"),
    "gender": ("Sukupuoli",),
}
TURKISH = {  # ı as written and as a plain i: ADI folds to adi
    "email": ("E-posta", "E-posta adresi", "Eposta"),
    "second email": ("İkinci e-posta", "Diğer e-posta"),
    "first name": ("Ad", "Adı", "Adi", "İsim"),
    "last name": ("Soyad", "Soyadı", "Soyadi", "Soyisim"),
    "whole name": ("Ad Soyad", "Adı Soyadı", "Adi Soyadi", "Ad Soyadı", "İsim Soyisim", "Tam ad"),
    "postal code": ("Posta kodu",),
    "company": ("Şirket", "Şirket adı", "Şirket adi"),
    "phone": ("Telefon numarası", "Telefon numarasi", "Cep telefonu"),
    "city": ("Şehir",),
    "country": ("Ülke",),
    "website": ("Web sitesi",),
    "birthday": ("Doğum tarihi",),
    "address": ("Adres",),
    "job title": ("Unvan", "Ünvan", "Pozisyon"),
    "gender": ("Cinsiyet",),
}
CZECH = {
    "email": ("E-mailová adresa", "Emailová adresa"),
    "second email": ("Druhý e-mail", "Další e-mail"),
    "first name": ("Křestní jméno",),
    "last name": ("Příjmení",),
    "whole name": ("Jméno", "Celé jméno", "Jméno a příjmení"),
    "postal code": ("PSČ", "Poštovní směrovací číslo"),
    "company": ("Společnost", "Název firmy"),
    "phone": ("Telefonní číslo",),
    "city": ("Město", "Obec"),
    "country": ("Země",),
    "website": ("Webová stránka", "Webové stránky"),
    "birthday": ("Datum narození", "Narozeniny"),
    "address": ("Adresa", "Ulice"),
    "job title": ("Pozice",),
    "gender": ("Pohlaví",),
}
JAPANESE = {
    "email": ("メールアドレス", "メール", "Eメール", "Eメールアドレス", "電子メールアドレス"),
    "second email": ("メールアドレス2", "サブメールアドレス"),
    "first name": ("名", "下の名前"),
    "last name": ("姓", "名字", "苗字"),
    "whole name": ("氏名", "お名前", "名前", "フルネーム"),
    "postal code": ("郵便番号",),
    "company": ("会社名", "会社", "企業名", "勤務先"),
    "phone": ("電話番号", "電話", "携帯電話", "携帯電話番号"),
    "city": ("市区町村",),
    "country": ("国", "国名"),
    "website": ("ウェブサイト", "ホームページ"),
    "birthday": ("生年月日", "誕生日"),
    "address": ("住所",),
    "job title": ("役職",),
    "gender": ("性別",),
}
HUNGARIAN = {
    "email": ("E-mail cím", "Email cím", "E-mail-cím"),
    "second email": ("Második e-mail", "Másik e-mail cím"),
    "first name": ("Keresztnév", "Utónév"),
    "last name": ("Vezetéknév", "Családnév"),
    "whole name": ("Név", "Teljes név"),
    "postal code": ("Irányítószám", "Irsz"),
    "company": ("Cég", "Cégnév", "Vállalat"),
    "phone": ("Telefonszám", "Mobilszám", "Mobil telefonszám"),
    "city": ("Város", "Település", "Helység"),
    "country": ("Ország",),
    "website": ("Weboldal", "Honlap", "Weblap"),
    "birthday": ("Születésnap", "Születési dátum", "Születési idő"),
    "address": ("Lakcím", "Utca, házszám"),  # not Cím alone: a title too
    "job title": ("Beosztás", "Munkakör"),
    "gender": ("Neme",),  # not Nem: it is also "no"
}
ROMANIAN = {
    "email": ("Adresă de e-mail", "Adresa de email", "Adresa e-mail"),
    "second email": ("Al doilea e-mail", "E-mail secundar"),
    "first name": ("Prenume",),
    "last name": ("Nume de familie",),
    "whole name": ("Nume", "Nume complet", "Nume și prenume"),
    "postal code": ("Cod poștal",),
    "company": ("Companie", "Firmă", "Denumire firmă"),
    "phone": ("Număr de telefon", "Telefon mobil"),
    "city": ("Oraș", "Localitate"),
    "country": ("Țară",),
    "website": ("Site web",),
    "birthday": ("Data nașterii", "Zi de naștere"),
    "address": ("Adresă", "Stradă"),
    "job title": ("Funcție", "Poziție"),
    "gender": ("Sexul", "Genul"),
}
GREEK = {  # Όνομα is, like Nome, a whole name: a first name beside Επώνυμο
    "email": ("Διεύθυνση email", "Διεύθυνση e-mail", "Ηλεκτρονικό ταχυδρομείο", "Ηλ. ταχυδρομείο"),
    "second email": ("Δεύτερο email",),
    "first name": ("Μικρό όνομα",),
    "last name": ("Επώνυμο",),
    "whole name": ("Όνομα", "Ονοματεπώνυμο", "Πλήρες όνομα"),
    "postal code": ("Ταχυδρομικός κώδικας", "Τ.Κ."),
    "company": ("Εταιρεία", "Επωνυμία εταιρείας"),
    "phone": ("Τηλέφωνο", "Κινητό", "Αριθμός τηλεφώνου", "Κινητό τηλέφωνο"),
    "city": ("Πόλη",),
    "country": ("Χώρα",),
    "website": ("Ιστοσελίδα", "Ιστότοπος"),
    "birthday": ("Ημερομηνία γέννησης", "Γενέθλια"),
    "address": ("Διεύθυνση", "Οδός"),
    "job title": ("Θέση εργασίας",),
    "gender": ("Φύλο",),
}
RUSSIAN = {
    "email": ("Электронная почта", "Адрес электронной почты", "Эл. почта", "E-mail адрес"),
    "second email": ("Дополнительный email", "Второй email"),
    "first name": ("Имя",),
    "last name": ("Фамилия",),
    "whole name": ("ФИО", "Полное имя", "Фамилия Имя Отчество", "Фамилия и имя"),
    "postal code": ("Почтовый индекс",),
    "company": ("Компания", "Организация", "Название компании"),
    "phone": ("Телефон", "Номер телефона", "Мобильный телефон", "Мобильный"),
    "city": ("Город",),
    "country": ("Страна",),
    "website": ("Сайт", "Веб-сайт"),
    "birthday": ("Дата рождения", "День рождения"),
    "address": ("Адрес",),
    "job title": ("Должность",),
    "gender": ("Пол",),
}
UKRAINIAN = {  # Телефон, Сайт and Веб-сайт are the Russian table's
    "email": ("Електронна пошта", "Адреса електронної пошти", "Ел. пошта"),
    "second email": ("Додатковий email", "Другий email"),
    "first name": ("Ім'я",),
    "last name": ("Прізвище",),
    "whole name": ("ПІБ", "Повне ім'я", "Прізвище та ім'я"),
    "postal code": ("Поштовий індекс",),
    "company": ("Компанія", "Організація", "Назва компанії"),
    "phone": ("Номер телефону", "Мобільний телефон", "Мобільний"),
    "city": ("Місто",),
    "country": ("Країна",),
    "website": ("Вебсайт",),
    "birthday": ("Дата народження", "День народження"),
    "address": ("Адреса",),
    "job title": ("Посада",),
    "gender": ("Стать",),
}
KOREAN = {
    "email": ("이메일", "이메일 주소", "메일 주소", "전자우편"),
    "second email": ("보조 이메일", "이메일 2"),
    "first name": ("이름",),
    "last name": ("성",),
    "whole name": ("성명", "성함", "전체 이름"),
    "postal code": ("우편번호",),
    "company": ("회사", "회사명", "소속"),
    "phone": ("전화번호", "휴대폰", "휴대폰 번호", "휴대전화"),
    "city": ("도시", "시/군/구"),
    "country": ("국가",),
    "website": ("웹사이트", "홈페이지"),
    "birthday": ("생년월일", "생일"),
    "address": ("주소",),
    "job title": ("직책", "직위", "직함"),
    "gender": ("성별",),
}
CHINESE = {  # simplified and traditional; 姓, 電話 and 性別 are the Japanese table's
    "email": ("邮箱", "郵箱", "电子邮件", "電子郵件", "邮箱地址", "电子邮箱", "電子郵件地址", "电邮"),
    "second email": ("备用邮箱", "備用郵箱"),
    "first name": ("名",),  # not 名字: the Japanese table's last name (myōji), a name in Chinese
    "last name": ("姓氏",),
    "whole name": ("姓名",),
    "postal code": ("邮编", "邮政编码", "郵遞區號", "郵政編碼"),
    "company": ("公司", "公司名称", "公司名稱"),
    "phone": ("电话", "手机", "手機", "手机号", "手机号码", "手機號碼", "电话号码", "電話號碼"),
    "city": ("城市",),
    "country": ("国家", "國家"),
    "website": ("网站", "網站"),
    "birthday": ("生日", "出生日期"),
    "address": ("地址",),
    "job title": ("职位", "職位", "职务", "職稱"),
    "gender": ("性别",),
}
INDONESIAN = {  # and Malay
    "email": ("Alamat email", "Alamat e-mail", "Surel", "Alamat e-mel", "E-mel"),
    "second email": ("Email kedua", "Email alternatif"),
    "first name": ("Nama depan", "Nama pertama"),
    "last name": ("Nama belakang", "Nama keluarga"),
    "whole name": ("Nama", "Nama lengkap", "Nama penuh"),
    "postal code": ("Kode pos", "Poskod"),
    "company": ("Perusahaan", "Nama perusahaan", "Syarikat"),
    "phone": ("Nomor telepon", "Telepon", "No. HP", "Nomor HP", "Nombor telefon"),
    "city": ("Kota", "Bandar"),
    "country": ("Negara",),
    "website": ("Situs web", "Laman web"),
    "birthday": ("Tanggal lahir", "Tarikh lahir", "Ulang tahun"),
    "address": ("Alamat",),
    "job title": ("Jabatan", "Posisi"),
    "gender": ("Jenis kelamin", "Jantina"),
}
LANGUAGES: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "en": ENGLISH, "de": GERMAN, "fr": FRENCH, "es": SPANISH, "it": ITALIAN, "nl": DUTCH, "pt": PORTUGUESE,
    "pl": POLISH, "sv": SWEDISH, "da": DANISH, "nb": NORWEGIAN, "fi": FINNISH, "tr": TURKISH, "cs": CZECH,
    "ja": JAPANESE, "hu": HUNGARIAN, "ro": ROMANIAN, "el": GREEK, "ru": RUSSIAN, "uk": UKRAINIAN, "ko": KOREAN,
    "zh": CHINESE, "id": INDONESIAN,
}

# How form tools (Typeform, Google Forms) ask for a header's meaning: "What's your first name?",
# "Ihr Vorname", "Votre prénom". The opening is dropped, with a trailing `?` or `:`, before the
# header is matched, when the header as written matches nothing. Longest openings are tried first.
QUESTION_OPENINGS: Mapping[str, tuple[str, ...]] = {
    "en": ("what's your", "what is your", "whats your", "please enter your", "please enter", "enter your",
           "please provide your", "please give your", "your"),
    "de": ("wie lautet ihr", "wie lautet ihre", "wie lautet dein", "wie lautet deine", "bitte geben sie ihren",
           "bitte geben sie ihre", "ihr", "ihre", "dein", "deine"),
    "fr": ("quel est votre", "quelle est votre", "quel est ton", "quelle est ton", "quelle est ta",
           "veuillez indiquer votre", "indiquez votre", "votre", "ton", "ta"),
    "es": ("cuál es tu", "cuál es su", "cual es tu", "cual es su", "escribe tu", "tu", "su"),
    "it": ("qual è il tuo", "qual è la tua", "qual e il tuo", "qual e la tua", "il tuo", "la tua", "il suo",
           "la sua"),
    "nl": ("wat is je", "wat is jouw", "wat is uw", "je", "jouw", "uw"),
    "pt": ("qual é o seu", "qual é a sua", "qual o seu", "qual a sua", "o seu", "a sua", "seu", "sua"),
    "pl": ("podaj swój", "podaj swoje", "podaj swoją", "twój", "twoje", "twoja", "wasz", "wasze"),
    "sv": ("vad är din", "vad är ditt", "ange din", "ange ditt", "din", "ditt"),
    "da": ("hvad er din", "hvad er dit", "angiv din", "angiv dit", "din", "dit"),
    "nb": ("hva er din", "hva er ditt", "oppgi din", "oppgi ditt", "din", "ditt"),
    "cs": ("zadejte váš", "zadejte vaši", "zadejte své", "váš", "vaše", "vaši", "tvůj", "tvoje"),
    "ru": ("введите ваш", "введите вашу", "введите ваше", "укажите ваш", "укажите вашу", "укажите ваше", "ваш",
           "ваша", "ваше", "вашу", "твой", "твоя", "твоё"),
    "uk": ("введіть ваш", "введіть вашу", "введіть ваше", "вкажіть ваш", "вкажіть вашу", "вкажіть ваше", "ваш",
           "ваша", "ваше", "вашу", "твій", "твоя", "твоє"),
    # Finnish (Sähköpostiosoitteesi), Turkish (E-posta adresiniz), Hungarian (E-mail címed) and Japanese
    # (あなたのメール) say "your" in the word itself; Romanian (Numele tău), Greek (Το όνομά σας) and
    # Indonesian (Nama Anda) after it; Chinese (您的邮箱) and Korean (이메일을 입력하세요) without a space:
    # no opening to drop.
}
_OPENINGS = sorted({o for openings in QUESTION_OPENINGS.values() for o in openings}, key=len, reverse=True)


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


def unasked(header: str) -> str:
    """A header put as a question, normalised without its opening and its `?` or `:`
    ("What's your email address?" -> "emailaddress"); any other header normalised as it is."""
    text = header.strip().casefold().replace("\u2019", "'").lstrip("¿*").rstrip("?:*. ").strip()
    for opening in _OPENINGS:
        if text.startswith(opening + " "):
            return normalize(text[len(opening) + 1:])
    return normalize(text)
