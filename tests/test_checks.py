"""The check registry, as tables of (English, translation, locale, expected findings)."""

from __future__ import annotations

import pytest
from babel import Locale
from babel.messages.plurals import get_plural

from service.core.config import load_config
from service.core.models import Target
from service.quality.checks import REGISTRY, Severity, Unit, blocking, run_checks

from .conftest import REPO

TERMS = ("Spravato", "FDA", "NMDA", "MDD", "TRD", "REMS")
TERMINOLOGY = load_config(REPO).terminology  # the shipped l10n.yaml's substances and products

# (English, translation, locale, ids of the checks that must fire; every other check must stay quiet)
CASES: list[tuple[str, str, str, set[str]]] = [
    # numbers: values, not spellings
    ("Take 56 mg.", "Tome 56 mg.", "es", set()),
    ("Take 56 mg.", "Tome 65 mg.", "es", {"numbers"}),
    ("Take 0.5 mL.", "Tome 0,5 mL.", "es", set()),
    ("Take 0.5 mL.", "Tome 0,5 mL.", "pt-BR", set()),
    ("Take 0.5 mL.", "Tome 5 mL.", "pt-BR", {"numbers"}),
    ("Take 0.5 mL.", "Tome 0.5 mL.", "es", set()),  # the English convention kept: same value
    ("Up to 1,000 patients.", "Hasta 1.000 pacientes.", "es", set()),
    ("Up to 1,000 patients.", "Hasta 1,000 pacientes.", "es", {"numbers"}),  # reads as 1 in Spanish
    ("Up to 1,000 patients.", "Até 1.000 pacientes.", "pt-BR", set()),
    ("Up to 1,000 patients.", "最多 1,000 名患者。", "zh-Hans", set()),
    ("Up to 1,000 patients.", "حتى ١٬٠٠٠ مريض.", "ar", set()),
    ("Take 56 mg.", "服用 ５６ 毫克。", "zh-Hans", set()),  # full-width digits
    ("Take 56 mg.", "تناول ٥٦ ملغ.", "ar", set()),  # Arabic-Indic digits
    ("Take 56 mg.", "تناول ٦٥ ملغ.", "ar", {"numbers"}),
    ("Take 0.5 mL.", "تناول ٠٫٥ مل.", "ar", set()),  # Arabic decimal separator
    ("Use it 2–4 times.", "Úselo de 2 a 4 veces.", "es", set()),  # ranges
    ("Use it 2–4 times.", "Úselo de 2 a 5 veces.", "es", {"numbers"}),
    ("Use it 2-4 times.", "使用 2-4 次。", "zh-Hans", set()),
    (
        "Take one dose.",
        "Tome 1 dosis.",
        "es",
        set(),
    ),  # number word in English, digit in translation
    ("Take one dose.", "Tome una dosis.", "es", set()),
    ("Take 1 dose.", "Tome una dosis.", "es", set()),  # "una" may be the English's 1
    ("Take 2 doses.", "Tome una dosis.", "es", {"numbers"}),
    ("Take it twice a day.", "Tómelo 2 veces al día.", "es", set()),
    ("Wait 2 hours.", "Espere 2 horas y 30 minutos.", "es", {"numbers", "units"}),  # a time added
    ("In 84 mg doses.", "Em doses de 84 mg.", "pt-BR", set()),
    (
        "See [page 2](https://example.org/p2).",
        "Vea [la página 2](https://example.org/p2).",
        "es",
        set(),
    ),
    # units: next to their number
    ("Take 56 mg.", "Tome 56 g.", "es", {"units"}),
    ("Take 56 mg.", "Tome 56.", "es", {"units"}),
    ("Take 56 mg.", "Tome 56mg.", "es", set()),  # with or without a space
    ("Take 56 mg.", "Tome 56\u00a0mg.", "pt-BR", set()),
    ("Take 56 mg.", "服用56毫克。", "zh-Hans", set()),
    ("Take 56 mg.", "服用 56 毫升。", "zh-Hans", {"units"}),
    ("Take 28 µg.", "Tome 28 mcg.", "es", set()),
    ("In 10% of people.", "En el 10 % de las personas.", "es", set()),
    ("In 10% of people.", "En el 10 de las personas.", "es", {"units"}),
    ("In 10% of people.", "在 10% 的人中。", "zh-Hans", set()),
    ("In 10% of people.", "لدى ١٠٪ من الناس.", "ar", set()),
    ("Use 2 mL.", "Use 2 ml.", "pt-BR", set()),
    # numbers as the patient reads them: entities, link-like text, words, fractions (issue 22)
    ("Take one tablet.", "Tome ½ comprimido.", "es", {"numbers"}),
    ("Take one tablet.", "Tome &half; comprimido.", "es", {"numbers"}),
    ("Take one tablet.", "Tome un comprimido.", "es", set()),
    ("Take 1.5 tablets.", "Tome 1½ comprimidos.", "es", set()),  # a mixed number
    ("Take 1.5 tablets.", "Tome 1¼ comprimidos.", "es", {"numbers"}),
    ("Take one tablet.", "服用半片。", "zh-Hans", {"numbers"}),  # half a tablet: 半 before 片
    # a dose unit given to a number the English gives none
    ("Take 5 tablets.", "Tome 5 g.", "es", {"units"}),
    ("Take 2 tablets a day.", "每天服用2克。", "zh-Hans", {"units"}),
    ("Use 1 spray.", "Use 1 mL.", "pt-BR", {"units"}),
    ("Use 1 spray.", "استخدم ١ مل.", "ar", {"units"}),
    # numbers in a link's or an image's title are read
    (
        '[FAQ](https://x.example/faq "Questions")',
        '[FAQ](https://x.example/faq "Tome 84 mg")',
        "es",
        {"numbers"},
    ),
    # ICU's sentence offsets are UTF-16: an emoji before a flipped sentence must not hide it
    (
        "Do not take it with food. Drive carefully.",
        "Tómelo con comida 💊💊. No conduzca.",
        "es",
        {"negation"},
    ),
    # blank Braille cells pad like spaces; a 5,000-digit number is read, not a crash
    (
        "In an emergency, call 911 and wait.",
        "En caso de emergencia, llame al 911\u2800\u2800\u2800y espere.",
        "es",
        {"padding"},
    ),
    ("Call 1.", "Llame " + "9" * 5000 + ".", "es", {"numbers"}),
    # look-alike letters: a Cyrillic о, a full-width Ｎ, an Arabic presentation form, a Cyrillic е
    ("You may drive.", "Nо puede conducir.", "es", {"look-alikes"}),
    ("You may drive.", "Ｎão pode dirigir.", "pt-BR", {"look-alikes"}),
    ("You may drive.", "ﻻ يمكنك القيادة.", "ar", {"look-alikes"}),  # no negator to `negation`
    ("Use esketamine.", "Use esketamina o kеtamina.", "es", {"look-alikes"}),  # no term either
    ("Take 5 µg.", "Tome 5 μg.", "es", set()),  # the micro sign and mu are not look-alikes
    ("Take one tablet.", "تناول نصف قرص.", "ar", {"numbers"}),  # half a tablet
    ("Wait half an hour.", "等待半小时。", "zh-Hans", set()),  # 半 before a time: soft
    ("Wait half an hour.", "انتظر نصف ساعة.", "ar", set()),
    ("Meet at midday.", "中午半点见。", "zh-Hans", set()),  # 半 not before a dose form: soft
    ("Take it.", "Tómelo [o más](hasta 84 mg si lo tolera).", "es", {"numbers"}),
    ("Take [56 mg](https://example.org/84).", "Tome [56 mg](https://example.org/84).", "es", set()),
    (
        "Given as two sprays: one in each nostril.",
        "Se administra en dos pulverizaciones: una en cada fosa nasal.",
        "es",
        set(),
    ),
    (
        "Given as two sprays: one in each nostril.",
        "Se administra en tres pulverizaciones: dos en una fosa nasal.",
        "es",
        {"numbers"},
    ),
    (
        "Given as two sprays: one in each nostril.",
        "Administrado em três jatos: dois em uma narina.",
        "pt-BR",
        {"numbers"},
    ),
    ("Given as two sprays: one in each nostril.", "分两喷给药：每侧鼻孔一喷。", "zh-Hans", set()),
    (
        "Given as two sprays: one in each nostril.",
        "يُعطى على شكل ثلاث بخات: اثنتان في فتحة أنف واحدة.",
        "ar",
        {"numbers"},
    ),
    ("Use it twice a week.", "每周使用三次。", "zh-Hans", {"numbers"}),
    ("Use it twice a week.", "每周使用两次。", "zh-Hans", set()),
    ("Use it twice a week.", "Use quatro vezes por semana.", "pt-BR", {"numbers"}),
    ("Use it twice a week.", "Use duas vezes por semana.", "pt-BR", set()),
    ("Use it twice a week.", "Úselo tres veces por semana.", "es", {"numbers"}),
    ("Use it twice a week.", "استخدمه ثلاث مرات في الأسبوع.", "ar", {"numbers"}),
    ("Use it twice a week.", "استخدمه مرتين في الأسبوع.", "ar", set()),
    ("Take two tablets.", "Tome comprimidos.", "es", {"numbers"}),  # a number word dropped
    ("It works together.", "它们一起起作用。", "zh-Hans", set()),  # 一 in 一起 is no number
    ("This is very important.", "这十分重要。", "zh-Hans", set()),  # 十分 "very"
    ("Use both nostrils.", "使用两个鼻孔。", "zh-Hans", set()),  # "both" is two
    ("Do not drive until the next day.", "第二天之前不要驾驶。", "zh-Hans", set()),  # an ordinal
    ("Take it with meals.", "随三餐服用。", "zh-Hans", set()),  # "the three meals": a fixed phrase
    ("There are two types.", "هناك نوعان.", "ar", set()),  # a dual noun says two
    ("Take 2 tablets.", "تناول قرصين.", "ar", set()),
    ("Take 2 tablets.", "تناول ثلاثة أقراص.", "ar", {"numbers"}),
    ("Wait 1 hour.", "انتظر ساعة.", "ar", set()),  # a singular noun says one
    ("Wait 1 hour.", "انتظر دقيقة.", "ar", {"units"}),  # one minute
    ("Wait 1 hour.", "انتظر ساعتين.", "ar", {"numbers", "units"}),
    # units: the whole dose unit, times, frequency and period, spelled-out names (issue 22)
    ("Take 56 mg.", "Tome 56 mg/kg.", "es", {"units"}),  # 70× for an adult
    ("Take 56 mg.", "Tome 56 mg por kg.", "es", {"units"}),
    ("Take 56 mg.", "服用 56 毫克/千克。", "zh-Hans", {"units"}),
    ("Take 56 mg.", "تناول ٥٦ ملغ/كغ.", "ar", {"units"}),
    ("Give 2 mg/kg.", "Administre 2 mg/kg.", "pt-BR", set()),
    ("A 10 mg/mL solution.", "Una solución de 10 mg/ml.", "es", set()),
    ("A 10 mg/mL solution.", "Una solución de 10 mg/L.", "es", {"units"}),  # 1000× weaker
    ("Take 56 mg a day.", "Tome 56 mg al día.", "es", set()),
    ("Take 56 mg a day.", "Tome 56 mg por semana.", "es", {"units"}),
    ("Take 56 mg a day.", "每天服用 56 毫克。", "zh-Hans", set()),
    ("Take 56 mg a day.", "每日服用56毫克。", "zh-Hans", set()),
    ("Take 56 mg a day.", "每周服用 56 毫克。", "zh-Hans", {"units"}),
    ("Take 56 mg.", "每天服用 56 毫克。", "zh-Hans", {"units"}),
    ("Take 800 micrograms.", "Tome 800 miligramos.", "es", {"units"}),  # 1000×
    ("Take 800 micrograms.", "Tome 800 microgramos.", "es", set()),
    ("Take 800 micrograms.", "Tome 800 µg.", "es", set()),
    ("Take 800 micrograms.", "Tome 800 miligramas.", "pt-BR", {"units"}),
    ("Take 800 micrograms.", "服用800毫克。", "zh-Hans", {"units"}),
    ("Take 800 micrograms.", "تناول ٨٠٠ مليغرام.", "ar", {"units"}),
    (
        "Stay under observation for 2 hours.",
        "Permanezca en observación durante 2 minutos.",
        "es",
        {"units"},
    ),
    (
        "Stay under observation for 2 hours.",
        "Permanezca en observación durante 2 horas.",
        "es",
        set(),
    ),
    (
        "Stay under observation for 2 hours.",
        "Fique em observação por 2 minutos.",
        "pt-BR",
        {"units"},
    ),
    ("Do not eat for 2 hours before.", "服药前 2 分钟内不要进食。", "zh-Hans", {"units"}),
    ("Do not eat for 2 hours before.", "服药前两小时内不要进食。", "zh-Hans", set()),
    ("Wait 5 minutes.", "انتظر ٥ ساعات.", "ar", {"units"}),
    ("Wait 5 minutes.", "انتظر ٥ دقائق.", "ar", set()),
    ("Wait 2 hours.", "انتظر ساعتين.", "ar", set()),  # the dual: two hours
    ("Wait 2 hours.", "انتظر دقيقتين.", "ar", {"units"}),  # two minutes
    ("Wait 2 hours.", "Espere dos minutos.", "es", {"units"}),
    ("Wait at least one hour.", "至少等待一分钟。", "zh-Hans", {"units"}),  # a soft "one", a time
    ("Wait at least one hour.", "Espere al menos una hora.", "es", set()),
    ("Use it for a week.", "Úselo durante una semana.", "es", set()),  # "una" says no number here
    ("Wait 1–2 hours.", "Espere de 1 a 2 horas.", "es", set()),  # a range shares its unit
    ("Wait 1–2 hours.", "Espere 1 hora o 2 horas.", "es", set()),
    ("Wait 1 or 2 hours.", "等待 1 至 2 小时。", "zh-Hans", set()),
    ("In 10–20% of people.", "En del 10 al 20 % de las personas.", "es", set()),
    ("In 10–20% of people.", "Em de 10 até 20% das pessoas.", "pt-BR", set()),
    ("Wait 1–2 hours.", "Espere 1 minuto o 2 horas.", "es", {"units"}),
    (
        "Weeks 1–4: 56 mg.",
        "第1–4周：56 毫克。",
        "zh-Hans",
        set(),
    ),  # the unit after, as Chinese writes it
    ("Week 5: wait 2 hours.", "Semana 5: espere 5 horas.", "es", {"numbers"}),  # 5 counted twice
    ("Use it twice a week.", "Úselo dos veces al día.", "es", {"units"}),
    ("Use it twice a week.", "Use duas vezes por dia.", "pt-BR", {"units"}),
    ("Use it twice a week.", "每天使用两次。", "zh-Hans", {"units"}),
    ("Use it twice a week.", "استخدمه مرتين في اليوم.", "ar", {"units"}),
    ("Use it twice daily.", "Úselo dos veces al día.", "es", set()),
    ("Use it twice a week.", "Úselo dos veces diariamente.", "es", {"units"}),
    ("Use it twice a week.", "每日使用两次。", "zh-Hans", {"units"}),
    ("Use it twice a week.", "استخدمه مرتين يوميًا.", "ar", {"units"}),
    ("Use it twice daily.", "استخدمه مرتين يوميًا.", "ar", set()),
    ("Use it every 2 weeks.", "Use a cada 2 dias.", "pt-BR", {"units"}),
    ("Use it every 2 weeks.", "Use a cada 2 semanas.", "pt-BR", set()),
    ("Use it every 2 weeks.", "每 2 天使用一次。", "zh-Hans", {"units"}),
    # do-not-translate
    ("Ask about Spravato.", "Pregunte por Spravato.", "es", set()),
    ("Ask about Spravato.", "Pregunte por SPRAVATO.", "es", {"do-not-translate"}),
    ("Ask about Spravato.", "Pergunte sobre o Spravatos.", "pt-BR", {"do-not-translate"}),
    ("Ask about Spravato.", "اسأل عن سبرافاتو.", "ar", {"do-not-translate"}),
    ("Ask about Spravato.", "اسأل عن Spravato.", "ar", set()),
    ("Approved by the FDA.", "已获 FDA 批准。", "zh-Hans", set()),
    ("Approved by the FDA.", "已获美国食品药品监督管理局批准。", "zh-Hans", {"do-not-translate"}),
    ("The NMDA receptor and the FDA.", "El receptor NMDA y la FDA.", "es", set()),
    ("Spravato and Spravato.", "Spravato y el medicamento.", "es", {"do-not-translate"}),
    # links
    ("[Read more](https://example.org/a).", "[Leer más](https://example.org/a).", "es", set()),
    ("[Read more](https://example.org/a).", "[Leer más](https://example.org/b).", "es", {"links"}),
    ("[Read more](https://example.org/a).", "Leer más, en la página.", "es", {"links"}),
    ("Read more.", "[Leer más](https://evil.example).", "es", {"links"}),
    (
        '[Read](https://example.org/a "More info").',
        '[Ler](https://example.org/a "Mais informações").',
        "pt-BR",
        set(),
    ),
    ("See <https://example.org/a>.", "Vea <https://example.org/a>.", "es", set()),
    ("See <https://example.org/a>.", "请见 https://example.org/a。", "zh-Hans", {"links"}),
    # link titles, link text, addresses in plain text (issue 22)
    (
        "[Read the leaflet](https://example.org/a).",
        '[Lea el folleto](https://example.org/a "No es necesario leerla").',
        "es",
        {"link-titles", "negation"},  # the added title also adds a negator
    ),
    (
        '[Read](https://example.org/a "More info").',
        "[Ler](https://example.org/a).",
        "pt-BR",
        {"link-titles"},
    ),
    (
        "[Read the leaflet](https://example.org/a).",
        "[](https://example.org/a)。",
        "zh-Hans",
        {"link-text"},
    ),
    (
        "[Read the leaflet](https://example.org/a).",
        "[\u00a0](https://example.org/a).",
        "es",
        {"link-text"},
    ),
    (
        "[Read the leaflet](https://example.org/a).",
        "[\u2060](https://example.org/a).",
        "ar",
        {"link-text", "invisible"},
    ),
    (
        "See [![the chart](c.png)](https://example.org/a).",
        "Vea [![el gráfico](c.png)](https://example.org/a).",
        "es",
        set(),
    ),
    ("Ask your doctor.", "Pregunte a su médico o visite evil-clinic.com.", "es", {"addresses"}),
    ("Ask your doctor.", "请咨询医生或访问evil.health。", "zh-Hans", {"addresses"}),
    ("Ask your doctor.", "اسأل طبيبك أو راسل help@evil.org.", "ar", {"addresses"}),
    ("Ask your doctor.", "Pergunte ao médico: [ajuda](https://example.org/a).", "pt-BR", {"links"}),
    ("Call 1-800-555-0100.", "Ligue para 1 800 555 0100.", "pt-BR", set()),
    ("Visit example.org.", "Visite example.org.", "pt-BR", set()),
    ("See [the guide](https://example.org/a).", "Vea la guía en www.example.org.", "es", {"links"}),
    # terminology: the shipped l10n.yaml's forms (issue 22)
    ("Use esketamine, not ketamine.", "Use esketamina, no ketamina.", "es", set()),
    ("Use esketamine, not ketamine.", "Use ketamina, no esketamina.", "es", {"terminology"}),
    ("Use esketamine.", "استخدم الإسكيتامين.", "ar", set()),
    ("Use esketamine.", "استخدم الكيتامين.", "ar", {"terminology"}),
    ("Esketamine nasal spray.", "氯胺酮鼻喷雾剂。", "zh-Hans", {"terminology"}),
    ("Esketamine nasal spray.", "Spray nasal de cetamina racêmica.", "pt-BR", {"terminology"}),
    # markup
    ("Use **Spravato** only.", "Use **Spravato** apenas.", "pt-BR", set()),
    ("Use **Spravato** only.", "Use **Spravato* apenas.", "pt-BR", {"markup"}),
    ("Use **Spravato** only.", "Use Spravato apenas.", "pt-BR", {"markup"}),
    ("Do *not* drive.", "*No* conduzca.", "es", set()),
    ("Do ***not*** drive.", "***No*** conduzca.", "es", set()),  # nested emphasis
    ("Do ***not*** drive.", "**No** conduzca.", "es", {"markup"}),
    ("Type `yes`.", "输入 `yes`。", "zh-Hans", set()),
    ("Type `yes`.", "输入 yes。", "zh-Hans", {"markup"}),
    ("Type `yes`.", "输入 `yes。", "zh-Hans", {"markup"}),
    # what a reviewer does not see: bidi controls, invisible code points, padding, mixed digits
    ("Take 56 mg.", "Tome \u202e56 mg\u202c.", "es", {"invisible"}),  # shows "gm 65"
    ("Take 0.5 mL.", "Tome \u202e0,5 mL\u202c.", "pt-BR", {"invisible"}),  # "Lm 5,0": tenfold
    ("Use it 1–4 times.", "使用 \u20671–4\u2069 次。", "zh-Hans", {"invisible"}),  # "4–1"
    ("Do not drive.", "لا\u200c تقود.", "ar", {"invisible"}),  # ZWNJ splits لا
    ("Do not drive.", "No con\u200bduzca.", "es", {"invisible"}),  # zero-width space
    ("Do not drive.", "Não\u200f dirija.", "pt-BR", {"invisible"}),  # a right-to-left mark
    ("Do not drive.", "لا تقود السيارة.", "ar", set()),  # right to left, with no control in it
    (
        "Keep cool.",
        "Mantenga fresco." + "\u00a0" * 3000 + "No lo use.",
        "es",
        {"padding", "negation", "sentence-count"},  # and the sentence pushed away says "No"
    ),
    ("Keep cool.", "保持阴凉。\u3000\u3000", "zh-Hans", {"padding", "whitespace"}),
    ("Take 56\u00a0mg.", "Tome 56\u00a0mg.", "es", set()),  # one no-break space: kept
    ("Take 28 mg.", "Tome 2٨ mg.", "es", {"digit-scripts"}),  # 28 to a parser, 2 to a reader
    ("Take 28 mg.", "تناول ٢8 ملغ.", "ar", {"digit-scripts"}),
    ("Take 0.5 mL.", "Tome 0,٥ mL.", "pt-BR", {"digit-scripts"}),
    ("Take 28 mg.", "تناول ٢٨ ملغ.", "ar", set()),
    ("Take café.", "Tome cafe\u0301.", "es", set()),  # a decomposed é: compared in NFC
    # raw HTML
    ("Call us.", "Llámenos <script>alert(document.cookie)</script>.", "es", {"raw-html"}),
    ("Call us.", 'Llámenos <img src=x onerror="alert(document.cookie)">.', "es", {"raw-html"}),
    ("Call us.", "Llámenos <!-- hidden -->.", "es", {"raw-html"}),
    ("Line<br>break.", "Línea<br>rota.", "es", set()),
    ("Use a < b and c > d.", "Use a < b y c > d.", "es", set()),
    # placeholders
    ("{count} parts are in English.", "{count} partes están en inglés.", "es", set()),
    ("{count} parts are in English.", "{cuenta} partes están en inglés.", "es", {"placeholders"}),
    ("{count} parts are in English.", "本页有 {count} 个部分以英文显示。", "zh-Hans", set()),
    ("Hello %(name)s.", "Hola %(nombre)s.", "es", {"placeholders"}),
    ("Hello %s.", "مرحبا %s.", "ar", set()),
    ("Hello %s.", "مرحبا.", "ar", {"placeholders"}),
    ("Hello.", "Olá {name}.", "pt-BR", {"placeholders"}),
    ("In 10% of cases.", "En el 10 % de los casos.", "es", set()),  # a percent is not %d
    # whitespace, copies, length, sentence ends (warnings)
    ("Safety", "Seguridad ", "es", {"whitespace"}),
    (
        "Safety information for patients",
        "Safety information for patients",
        "es",
        {"untranslated-copy"},
    ),
    ("FDA", "FDA", "es", set()),
    ("MDD (TRD)", "MDD (TRD)", "pt-BR", set()),
    ("This sentence is long enough to measure.", "Sí.", "es", {"length"}),
    ("This sentence is long enough to measure.", "这句话足够长可以测量。", "zh-Hans", set()),
    ("Ask your doctor.", "Pregunte a su médico", "es", {"end-punctuation"}),
    ("Ask your doctor.", "请咨询您的医生。", "zh-Hans", set()),
    ("Ask your doctor?", "هل سألت طبيبك؟", "ar", set()),
    ("Ask your doctor.", "اسأل طبيبك", "ar", {"end-punctuation"}),
    ("Use **Spravato**.", "使用 **Spravato**。", "zh-Hans", set()),
    ("Safety", "Segurança", "pt-BR", set()),
    # negation (confirm): the translation negates where the English does, and nowhere else
    ("Do not drive.", "Conduzca.", "es", {"negation"}),
    ("Do not drive.", "No conduzca.", "es", set()),
    ("Never use Spravato at home.", "Sempre use Spravato em casa.", "pt-BR", {"negation"}),
    ("Never use Spravato at home.", "Nunca use Spravato em casa.", "pt-BR", set()),
    ("Never use Spravato at home.", "务必在家使用 Spravato。", "zh-Hans", {"negation"}),
    ("Never use Spravato at home.", "切勿在家使用 Spravato。", "zh-Hans", set()),
    ("Never use Spravato at home.", "لا تستخدم Spravato في المنزل أبدًا.", "ar", set()),
    ("Never use Spravato at home.", "استخدم Spravato في المنزل دائمًا.", "ar", {"negation"}),
    ("Never use Spravato at home.", "Không bao giờ dùng Spravato tại nhà.", "vi", set()),
    ("Never use Spravato at home.", "Luôn dùng Spravato tại nhà.", "vi", {"negation"}),
    (
        "Spravato should not be used by people who have an aneurysm.",
        "Spravato debe ser usado por personas que tienen un aneurisma.",
        "es",
        {"negation"},
    ),
    (
        "If you miss a dose, do not take two doses.",
        "Si olvida una dosis, tome dos dosis.",
        "es",
        {"negation"},
    ),
    (
        "If you miss a dose, do not take two doses.",
        "Si olvida una dosis, no tome dos dosis.",
        "es",
        set(),
    ),
    ("It is not approved for children.", "É aprovado para crianças.", "pt-BR", {"negation"}),
    ("It is not approved for children.", "Não é aprovado para crianças.", "pt-BR", set()),
    ("It is not approved for children.", "它已获准用于儿童。", "zh-Hans", {"negation"}),
    ("It is not approved for children.", "它未获准用于儿童。", "zh-Hans", set()),
    ("It is not approved for children.", "غير معتمد للأطفال.", "ar", set()),
    ("It is not approved for children.", "معتمد للأطفال.", "ar", {"negation"}),
    ("Do not eat anything.", "Não coma nada.", "pt-BR", set()),  # negative concord: more is usual
    ("Never use it at home.", "No lo use nunca en casa.", "es", set()),
    ("Do not drive and do not drink.", "No conduzca y beba.", "es", {"negation"}),  # one dropped
    ("Take it with food.", "No lo tome con alimentos.", "es", {"negation"}),  # one added
    ("Take it with food.", "不要随餐服用。", "zh-Hans", {"negation"}),
    ("Take it with food.", "لا تتناوله مع الطعام.", "ar", {"negation"}),
    ("You may feel discomfort.", "您可能会感到不适。", "zh-Hans", set()),  # 不适: not a negator
    ("This is very important.", "这非常重要。", "zh-Hans", set()),  # 非常: "very"
    ("Are you taking other medicines?", "Bạn có đang dùng thuốc khác không?", "vi", set()),
    ("Rest. Do not drive.", "Descanse. Conduzca.", "es", {"negation"}),  # sentence by sentence
    ("Rest. Do not drive.", "No descanse. Conduzca.", "es", {"negation"}),  # moved: both differ
    # sentence count (confirm), by ICU's sentence breaks
    ("Rest at home.", "Descanse en casa. Beba agua.", "es", {"sentence-count"}),
    ("Rest at home. Drink water.", "Descanse en casa y beba agua.", "es", {"sentence-count"}),
    ("Rest at home. Drink water.", "Descanse en casa. Beba agua.", "es", set()),
    ("Rest at home.", "在家休息。请多喝水。", "zh-Hans", {"sentence-count"}),
    ("Rest at home. Drink water.", "在家休息。多喝水。", "zh-Hans", set()),
    ("Rest at home.", "استرح في المنزل. اشرب الماء.", "ar", {"sentence-count"}),
    ("Rest at home. Drink water?", "استرح في المنزل. هل تشرب الماء؟", "ar", set()),
    ("Take it, e.g. with food.", "Tómelo, p. ej. con alimentos.", "es", set()),  # abbreviations
    ("Take 0.5 mL. Then rest.", "Tome 0,5 mL. Depois descanse.", "pt-BR", set()),
]


@pytest.mark.parametrize(("source", "target", "locale", "expected"), CASES)
def test_check_table(source: str, target: str, locale: str, expected: set[str]) -> None:
    unit = Unit((source,), (target,), locale, TERMS, glossary=TERMINOLOGY.glossary(locale))
    assert {f.check for f in run_checks(unit)} == expected


def test_the_table_is_broad() -> None:
    assert len(CASES) >= 60
    assert {locale for *_, locale, _ in CASES} >= {"es", "pt-BR", "zh-Hans", "ar"}
    assert {check for *_, expected in CASES for check in expected} >= set(REGISTRY) - {
        "plurals",
        "empty",
    }


# The page's reference definitions (`[guide]: https://example.org/guide`), kept out of the msgid.
REFERENCES = (
    Target("https://example.org/guide", "", "GUIDE"),
    Target("https://example.org/faq", "Questions", "FAQ"),
)


@pytest.mark.parametrize(
    ("source", "target", "expected"),
    [
        ("Read the [guide][guide].", "Lea la [guía][guide].", set()),
        ("Read the [guide][guide].", "Lea la [guía][GUIDE].", set()),  # labels: any case
        ("Read the [guide][guide].", "Lea la [guía](https://example.org/guide).", set()),
        ("Read the [guide][guide].", "Lea la [guía][faq].", {"links"}),  # another definition
        ("Read the [guide][guide].", "Lea la [guía].", {"links"}),  # a label translated: no link
        ("Read the [guide][guide].", "Lea la guía.", {"links"}),
        ("Read the [guide][guide].", "Lea la [guía](https://evil.example).", {"links"}),
        ("Read it.", "Lea la [guía][guide].", {"links"}),  # a link the English does not have
        ("See [*the* guide][guide].", "Vea [la *guía*][guide].", set()),
        ("See [*the* guide][guide].", "Vea [la guía][guide].", {"markup"}),
        ("[FAQ][faq] and [guide][guide].", "[Guía][guide] y [preguntas][faq].", set()),
        ("Read the [guide][nowhere].", "Lea la [guía][nowhere].", set()),  # not a link in either
    ],
)
def test_reference_links_are_checked_by_their_target(
    source: str, target: str, expected: set[str]
) -> None:
    unit = Unit((source,), (target,), "es", TERMS, REFERENCES)
    assert {f.check for f in run_checks(unit) if f.severity is Severity.ERROR} == expected


ONE, MANY = "{count} part is in English.", "{count} parts are in English."


@pytest.mark.parametrize(
    ("locale", "forms", "expected"),
    [
        ("es", ("{count} parte.", "{count} de partes.", "{count} partes."), set()),
        ("es", ("{count} parte.", "{count} partes."), {"plurals"}),
        ("zh-Hans", ("{count} 个部分。",), set()),
        ("zh-Hans", ("{count} 个部分。", "{count} 个部分。"), {"plurals"}),
        (
            "ar",
            ("{count} .", "{count} .", "{count} .", "{count} .", "{count} .", "{count} ."),
            set(),
        ),
        ("ar", ("{count} .", "{count} ."), {"plurals"}),
        ("pt-BR", ("{count} parte.", "", "{count} partes."), {"empty"}),
        ("pt-BR", ("{count} parte.", "{count} de partes.", "partes."), {"placeholders"}),
    ],
)
def test_plural_messages(locale: str, forms: tuple[str, ...], expected: set[str]) -> None:
    found = {
        f.check
        for f in run_checks(Unit((ONE, MANY), forms, locale))
        if f.severity is Severity.ERROR
    }
    assert found == expected


@pytest.mark.parametrize("locale", ["es", "pt-BR", "zh-Hans", "ar", "vi"])
def test_plural_count_comes_from_cldr(locale: str) -> None:
    wanted = get_plural(Locale.parse(locale, sep="-")).num_plurals
    assert not blocking(Unit((ONE, MANY), ("{count} x.",) * wanted, locale))
    assert blocking(Unit((ONE, MANY), ("{count} x.",) * (wanted + 1), locale))


def test_every_check_is_registered_with_a_severity() -> None:
    errors = {c.id for c in REGISTRY.values() if c.severity is Severity.ERROR}
    assert errors == {
        "invisible",
        "padding",
        "digit-scripts",
        "numbers",
        "units",
        "do-not-translate",
        "links",
        "link-titles",
        "link-text",
        "addresses",
        "terminology",
        "look-alikes",
        "markup",
        "raw-html",
        "placeholders",
        "plurals",
        "empty",
    }
    confirm = {c.id for c in REGISTRY.values() if c.severity is Severity.CONFIRM}
    assert confirm == {"negation", "sentence-count"}
    assert {c.id for c in REGISTRY.values()} - errors - confirm == {
        "whitespace",
        "untranslated-copy",
        "length",
        "end-punctuation",
    }


# Confirm findings on the shipped translations, each a correct translation a reviewer confirms:
# "off-label" has no negator in English; Spanish says "no aprobados en su ficha técnica".
SHIPPED_TO_CONFIRM = {("es", "negation", "certain off-label purposes")}


def test_no_finding_on_the_shipped_translations() -> None:
    """The checks' false positives on the shipped, correct translations: no error or warning,
    and only the listed texts held for a reviewer's confirmation."""
    from service.site.store import load_tree

    tree = load_tree(REPO)
    checked, to_confirm = 0, set()
    for (locale, domain), catalog in tree.catalogs.items():
        page = tree.ui if domain == "ui" else tree.pages[domain]
        assert page is not None
        for entry in catalog.entries.values():
            segment = page.segment(entry.msgid, entry.msgctxt)
            if entry.translated and segment:
                checked += 1
                unit = Unit.of(
                    segment,
                    entry.msgstr,
                    locale,
                    tree.config.do_not_translate,
                    tree.config.terminology,
                )
                found = run_checks(unit)
                assert [f for f in found if f.severity is not Severity.CONFIRM] == [], (
                    locale,
                    entry.msgid,
                )
                to_confirm |= {
                    (locale, f.check, next(k for _, _, k in SHIPPED_TO_CONFIRM if k in entry.msgid))
                    for f in found
                }
    assert checked > 60
    assert to_confirm == SHIPPED_TO_CONFIRM


# A locale with one plural form (zh, vi) says every count with it: its form is checked against
# the plural English, which says the general case (the singular may spell "one" out).
@pytest.mark.parametrize(
    ("english", "locale", "form", "expected"),
    [
        (("{count} dose", "{count} doses every 8 hours"), "zh-Hans", "{count} 剂", {"numbers"}),
        (
            ("{count} dose every 8 hours", "{count} doses every 8 hours"),
            "zh-Hans",
            "{count} 剂",
            {"numbers"},
        ),
        (
            ("{count} dose every 8 hours", "{count} doses every 8 hours"),
            "zh-Hans",
            "每 8 小时 {count} 剂",
            set(),
        ),
        (
            ("One dose every 8 hours", "{count} doses every 8 hours"),
            "zh-Hans",
            "每 8 小时 {count} 剂",
            set(),
        ),
        (
            ("{count} dose every 8 hours", "{count} doses every 8 hours"),
            "vi",
            "{count} liều",
            {"numbers"},
        ),
        (
            ("{count} dose every 8 hours", "{count} doses every 8 hours"),
            "vi",
            "{count} liều mỗi 8 giờ",
            set(),
        ),
    ],
)
def test_a_one_form_locale_is_checked_against_the_plural_english(
    english: tuple[str, str], locale: str, form: str, expected: set[str]
) -> None:
    found = {
        f.check for f in run_checks(Unit(english, (form,), locale)) if f.severity is Severity.ERROR
    }
    assert found == expected
