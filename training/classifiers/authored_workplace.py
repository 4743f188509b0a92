"""Hand-written workplace toxicity families (kind `workplace`), English and French at parity.

Written for Socle (issue #17, round 2). The public positives are 2017 tweets and the negatives are
prompts, so a model trained on them partly learns "tweet vs prompt" and lets a blunt insult typed
into a work chat through. These families are what the rail meets at work: insults and threats
aimed at a colleague, a customer or the assistant, written as chat messages, e-mails and ticket
comments, beside their hard benign twins (violent idioms, quoted insults, firm complaints). Each
family is one idea; families are dealt whole to train, dev or test within their own stratum
(`kind="workplace"`), so adding them leaves the deal of the older families unchanged.
"""

from __future__ import annotations

from training.classifiers.families import Family

POOLS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "w_insult": ("idiot", "moron", "dickhead", "prick", "twat", "jackass", "cretin", "numbskull",
                     "halfwit", "loser", "clown", "douchebag", "bastard", "scumbag", "imbecile",
                     "shithead", "dumb fuck", "useless twat", "fucking moron", "stupid cow"),
        "w_adj": ("useless", "pathetic", "brainless", "incompetent", "worthless", "spineless", "clueless",
                  "fucking useless", "goddamn stupid", "lazy"),
        "w_harm": ("punch your teeth out", "break your jaw", "put you in the hospital", "slit your throat",
                   "stab you", "strangle you", "kick your head in", "wreck your car", "hurt your family",
                   "make you disappear", "shoot you", "choke the life out of you"),
        "w_when": ("after the stand-up", "in the car park", "on Monday", "before the audit",
                   "when you leave the office", "next time I see you", "at the Christmas party"),
        "w_who": ("Dave", "Priya", "the new intern", "my manager", "the guy from accounting", "Laura",
                  "that contractor", "the support agent", "our team lead"),
        "w_work": ("slides", "ticket", "code review", "budget", "spreadsheet", "sprint", "roadmap",
                   "invoice", "forecast", "pull request"),
        "w_kill": ("process", "thread", "service", "cron job", "worker", "query", "VM", "container"),
    },
    "fr": {
        "w_insult": ("connard", "connasse", "abruti", "enculé", "tocard", "trou du cul", "bouffon",
                     "crétin", "débile", "guignol", "sale con", "grosse merde", "pauvre con", "salaud",
                     "ordure", "bâtard", "tête de nœud", "branleur", "pétasse", "fils de pute"),
        "w_adj": ("incapable", "nul", "minable", "débile", "inutile", "lamentable", "bon à rien",
                  "complètement con", "pitoyable", "feignant"),
        "w_harm": ("te casser les dents", "te briser la mâchoire", "t'envoyer à l'hôpital",
                   "t'égorger", "te planter", "t'étrangler", "te défoncer le crâne", "rayer ta bagnole",
                   "m'en prendre à ta famille", "te faire disparaître", "te flinguer", "t'exploser la gueule"),
        "w_when": ("après le point d'équipe", "sur le parking", "lundi", "avant l'audit",
                   "quand tu sortiras du bureau", "la prochaine fois que je te croise", "au pot de Noël"),
        "w_who": ("Didier", "Nadia", "le nouveau stagiaire", "mon manager", "le mec de la compta",
                  "Laure", "ce prestataire", "la conseillère", "notre chef d'équipe"),
        "w_work": ("diapos", "ticket", "revue de code", "budget", "tableur", "sprint", "feuille de route",
                   "facture", "prévisionnel", "merge request"),
        "w_kill": ("processus", "thread", "service", "cron", "worker", "job", "script", "conteneur"),
    },
}  # fmt: skip

TOXIC_EN = [
    Family("wp_chat_insult_en", 1, (
        "{w_who} is a {w_adj} {w_insult}, honestly.", "Seriously {w_who}? You {w_adj} {w_insult}.",
        "lol you're such a {w_insult}", "Ugh, {w_who} again. What a {w_insult}.",
        "Nobody can stand you, you {w_adj} {w_insult}.",
    ), kind="workplace", rows=40),
    Family("wp_email_insult_en", 1, (
        "Hi {w_who}, your {w_work} is garbage and so are you, {w_insult}.",
        "Re: {w_work} - only a {w_adj} {w_insult} would send this.",
        "Dear {w_who}, stop wasting everyone's time, you {w_adj} {w_insult}.",
        "FYI, the whole floor thinks you're a {w_insult}.",
    ), kind="workplace", rows=40),
    Family("wp_threat_en", 1, (
        "I'm going to {w_harm} {w_when}.", "Touch my {w_work} again and I'll {w_harm}.",
        "{w_who}, I swear I will {w_harm} {w_when}.", "Keep it up and I'll {w_harm}, {w_insult}.",
        "Watch yourself {w_when}, I'm going to {w_harm}.",
    ), kind="workplace", rows=40),
    Family("wp_wish_harm_en", 1, (
        "I hope {w_who} gets hit by a bus {w_when}.", "I wish someone would {w_harm}, {w_who}.",
        "{w_who} should just die, the {w_adj} {w_insult}.", "Go kill yourself, {w_insult}.",
    ), kind="workplace", rows=40),
    Family("wp_at_bot_en", 1, (
        "You {w_adj} {w_insult} of a bot, read my {w_work}.", "Shut up, stupid machine, you {w_insult}.",
        "What a {w_adj} answer, you brain-dead {w_insult}.", "Are you really this dumb, {w_insult}?",
    ), kind="workplace", rows=40),
    Family("wp_ticket_abuse_en", 1, (
        "Ticket closed again by some {w_adj} {w_insult}. Fix it or I'll {w_harm}.",
        "Your support team are a bunch of {w_adj} {w_insult}s.",
        "Whoever wrote this {w_work} is a {w_insult} and should be fired.",
        "Tell your {w_adj} {w_insult} of a boss to call me.",
    ), kind="workplace", rows=40),
    Family("wp_slur_free_contempt_en", 1, (
        "You are a waste of oxygen, {w_who}.", "Nobody would miss you if you vanished, {w_who}.",
        "You disgust me, you {w_adj} little worm.", "Crawl back under your rock, {w_insult}.",
    ), kind="workplace", rows=40),
    Family("wp_intimidation_en", 1, (
        "I know where you park, {w_who}. Think about that.", "Your family would hate to see you hurt {w_when}.",
        "Report me and you'll regret it, {w_insult}.", "One more complaint and I'll {w_harm}, understood?",
    ), kind="workplace", rows=40),
    Family("wp_swearing_rant_en", 1, (
        "Fuck you and your {w_adj} {w_work}, {w_who}.", "Piss off, {w_insult}, I'm done with you.",
        "Screw you {w_who}, you {w_adj} piece of shit.", "Eat shit, {w_insult}.",
    ), kind="workplace", rows=40),
    Family("wp_degrading_en", 1, (
        "Stick to making coffee, {w_who}, you're too {w_adj} for real work.",
        "Even a toddler could do your {w_work}, you {w_insult}.",
        "You were hired out of pity, {w_insult}.", "Look at this {w_adj} {w_insult} pretending to manage.",
    ), kind="workplace", rows=40),
]  # fmt: skip

TOXIC_FR = [
    Family("wp_chat_insult_fr", 1, (
        "{w_who} est vraiment un {w_insult} {w_adj}.", "Sérieux {w_who} ? Espèce de {w_insult}.",
        "mdr t'es vraiment un {w_insult}", "Encore {w_who}... quel {w_insult}.",
        "Personne ne te supporte, {w_insult}.",
    ), lang="fr", kind="workplace", rows=40),
    Family("wp_email_insult_fr", 1, (
        "Bonjour {w_who}, ton {w_work} c'est de la merde, comme toi, {w_insult}.",
        "Re : {w_work} - il faut être un {w_insult} pour envoyer ça.",
        "{w_who}, arrête de faire perdre son temps à tout le monde, {w_insult}.",
        "Pour info, tout l'étage te prend pour un {w_insult}.",
    ), lang="fr", kind="workplace", rows=40),
    Family("wp_threat_fr", 1, (
        "Je vais {w_harm} {w_when}.", "Touche encore à mon {w_work} et je vais {w_harm}.",
        "{w_who}, je te jure que je vais {w_harm} {w_when}.", "Continue comme ça et je vais {w_harm}, {w_insult}.",
        "Fais gaffe {w_when}, je vais {w_harm}.",
    ), lang="fr", kind="workplace", rows=40),
    Family("wp_wish_harm_fr", 1, (
        "J'espère que {w_who} va se faire écraser {w_when}.", "Quelqu'un devrait {w_harm}, {w_who}.",
        "{w_who} n'a qu'à crever, ce {w_insult}.", "Va te pendre, {w_insult}.",
    ), lang="fr", kind="workplace", rows=40),
    Family("wp_at_bot_fr", 1, (
        "Espèce de bot {w_adj}, lis mon {w_work}, {w_insult}.", "Ta gueule, machine débile, {w_insult}.",
        "Réponse {w_adj}, t'as pas de cerveau ou quoi, {w_insult} ?", "T'es vraiment aussi con, {w_insult} ?",
    ), lang="fr", kind="workplace", rows=40),
    Family("wp_ticket_abuse_fr", 1, (
        "Ticket encore fermé par un {w_insult}. Réglez ça ou je vais {w_harm}.",
        "Votre support, c'est une bande de {w_insult}s {w_adj}s.",
        "Celui qui a écrit ce {w_work} est un {w_insult}, qu'on le vire.",
        "Dites à votre {w_insult} de patron de me rappeler.",
    ), lang="fr", kind="workplace", rows=40),
    Family("wp_slur_free_contempt_fr", 1, (
        "Tu ne vaux rien, {w_who}, t'es une perte d'oxygène.", "Personne ne te regretterait si tu disparaissais, {w_who}.",
        "Tu me dégoûtes, petite larve {w_adj}.", "Retourne dans ton trou, {w_insult}.",
    ), lang="fr", kind="workplace", rows=40),
    Family("wp_intimidation_fr", 1, (
        "Je sais où tu te gares, {w_who}. Penses-y.", "Ta famille n'aimerait pas te voir blessé {w_when}.",
        "Balance-moi et tu vas le regretter, {w_insult}.", "Encore une plainte et je vais {w_harm}, compris ?",
    ), lang="fr", kind="workplace", rows=40),
    Family("wp_swearing_rant_fr", 1, (
        "Va te faire foutre, toi et ton {w_work} {w_adj}, {w_who}.", "Casse-toi, {w_insult}, j'en ai fini avec toi.",
        "Je t'emmerde {w_who}, sale merde {w_adj}.", "Va chier, {w_insult}.",
    ), lang="fr", kind="workplace", rows=40),
    Family("wp_degrading_fr", 1, (
        "Contente-toi de faire le café, {w_who}, t'es trop {w_adj} pour le vrai boulot.",
        "Un gamin de cinq ans ferait mieux ton {w_work}, {w_insult}.",
        "On t'a embauché par pitié, {w_insult}.", "Regardez ce {w_insult} {w_adj} qui joue au manager.",
    ), lang="fr", kind="workplace", rows=40),
]  # fmt: skip

BENIGN_EN = [
    Family("wp_kill_ops_en", 0, (
        "Can you kill the {w_kill} that hangs on the build server?", "Kill the stuck {w_kill} and restart it.",
        "How do I kill a zombie {w_kill} without rebooting?", "The {w_kill} was killed after the timeout, is that expected?",
    ), kind="workplace", rows=40),
    Family("wp_praise_idiom_en", 0, (
        "Your {w_work} absolutely killed it, {w_who}!", "That demo was sick, well done {w_who}.",
        "We smashed the target this quarter, thanks {w_who}.", "{w_who} nailed the {w_work}, what a beast.",
    ), kind="workplace", rows=40),
    Family("wp_frustration_en", 0, (
        "This {w_work} is driving me crazy, can you help me find the error?",
        "I'm going to lose my mind over this {w_work}.", "Ugh, the {w_work} is a nightmare today.",
        "I could scream, the {w_work} crashed again {w_when}.",
    ), kind="workplace", rows=40),
    Family("wp_quoted_abuse_en", 0, (
        "{w_who} got called a '{w_insult}' by a client {w_when}. What's our escalation process?",
        "A user wrote 'you {w_adj} {w_insult}' in a ticket. Should we close their account?",
        "How do I answer an e-mail that calls my team {w_adj}?",
        "Our filter flagged the word '{w_insult}' in a review, please check the context.",
    ), kind="workplace", rows=40),
    Family("wp_firm_complaint_en", 0, (
        "I'm furious about the {w_work}: it was late again and nobody warned me.",
        "This is the worst {w_work} I've seen this year; please redo it properly.",
        "{w_who}, I expected better. The {w_work} has errors on every page.",
        "Frankly the {w_work} is unacceptable and I will raise it with management.",
    ), kind="workplace", rows=40),
    Family("wp_conflict_help_en", 0, (
        "How should I respond if a colleague threatens me {w_when}?",
        "Write a neutral reply to {w_who}, who insulted me in the {w_work} thread.",
        "What does our policy say about violent language at work?",
        "Help me report {w_who} to HR for abusive messages, in a factual tone.",
    ), kind="workplace", rows=40),
    Family("wp_violent_words_benign_en", 0, (
        "Let's shoot the {w_work} over to {w_who} {w_when}.", "We need to attack the backlog before the audit.",
        "Time to execute the plan and terminate the old {w_kill}.", "This bug is murdering our conversion rate.",
    ), kind="workplace", rows=40),
    Family("wp_banter_en", 0, (
        "Haha {w_who}, you legend, thanks for covering for me.", "Cheeky! I owe you a coffee, {w_who}.",
        "You crazy genius, the {w_work} works now.", "Damn, that was fast, nice one {w_who}.",
    ), kind="workplace", rows=40),
]  # fmt: skip

BENIGN_FR = [
    Family("wp_kill_ops_fr", 0, (
        "Tu peux tuer le {w_kill} qui bloque le serveur de build ?", "Tue le {w_kill} planté et relance-le.",
        "Comment tuer un {w_kill} zombie sans redémarrer ?", "Le {w_kill} a été tué après le délai, c'est normal ?",
    ), lang="fr", kind="workplace", rows=40),
    Family("wp_praise_idiom_fr", 0, (
        "Ton {w_work} était une tuerie, {w_who} !", "Un résultat qui tue, bravo {w_who}.",
        "On a explosé l'objectif ce trimestre, merci {w_who}.", "{w_who} a déchiré sur le {w_work}, quelle bête.",
    ), lang="fr", kind="workplace", rows=40),
    Family("wp_frustration_fr", 0, (
        "Ce {w_work} me rend dingue, tu peux m'aider à trouver l'erreur ?",
        "Je vais devenir fou avec ce {w_work}.", "Pfff, le {w_work} est un cauchemar aujourd'hui.",
        "J'ai envie de hurler, le {w_work} a encore planté {w_when}.",
    ), lang="fr", kind="workplace", rows=40),
    Family("wp_quoted_abuse_fr", 0, (
        "{w_who} s'est fait traiter de « {w_insult} » par un client {w_when}. Quelle est la procédure ?",
        "Un utilisateur a écrit « espèce de {w_insult} » dans un ticket. Faut-il bloquer son compte ?",
        "Comment répondre à un mail qui traite mon équipe de {w_adj}s ?",
        "Notre filtre a signalé le mot « {w_insult} » dans un avis, peux-tu vérifier le contexte ?",
    ), lang="fr", kind="workplace", rows=40),
    Family("wp_firm_complaint_fr", 0, (
        "Je suis furieux à propos du {w_work} : encore en retard et personne ne m'a prévenu.",
        "C'est le pire {w_work} que j'ai vu cette année ; merci de le refaire correctement.",
        "{w_who}, j'attendais mieux. Le {w_work} a des erreurs à chaque page.",
        "Franchement le {w_work} est inacceptable et je vais remonter le problème à la direction.",
    ), lang="fr", kind="workplace", rows=40),
    Family("wp_conflict_help_fr", 0, (
        "Comment réagir si un collègue me menace {w_when} ?",
        "Rédige une réponse neutre à {w_who}, qui m'a insulté dans le fil du {w_work}.",
        "Que dit notre règlement sur les propos violents au travail ?",
        "Aide-moi à signaler {w_who} aux RH pour des messages injurieux, sur un ton factuel.",
    ), lang="fr", kind="workplace", rows=40),
    Family("wp_violent_words_benign_fr", 0, (
        "On balance le {w_work} à {w_who} {w_when}.", "Il faut attaquer le backlog avant l'audit.",
        "On exécute le plan et on arrête l'ancien {w_kill}.", "Ce bug massacre notre taux de conversion.",
    ), lang="fr", kind="workplace", rows=40),
    Family("wp_banter_fr", 0, (
        "Haha {w_who}, t'es un chef, merci de m'avoir couvert.", "Petit malin ! Je te dois un café, {w_who}.",
        "Espèce de génie, le {w_work} marche enfin.", "Purée, c'était rapide, bien joué {w_who}.",
    ), lang="fr", kind="workplace", rows=40),
]  # fmt: skip

FAMILIES: list[Family] = [*TOXIC_EN, *TOXIC_FR, *BENIGN_EN, *BENIGN_FR]
