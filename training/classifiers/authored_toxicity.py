"""Hand-written toxicity families (label 1) and hard benign families (label 0), English and French.

Written for Socle (issue #17). Toxic: insults with and without swear words, threats of violence,
contempt and harassment aimed at a person. Benign: workplace idioms that use violent words ("kill
the process", "un résultat qui tue"), quoted or reported insults ("the customer called me an
idiot, how do I respond?"), firm complaints, and questions about handling abuse. Families are split
whole (`families.split_of`), so a test wording was never trained on.
"""

from __future__ import annotations

from training.classifiers import authored_workplace
from training.classifiers.families import Family

POOLS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "insult": ("idiot", "moron", "fucking idiot", "useless piece of shit", "stupid bitch", "dumbass",
                   "worthless loser", "asshole", "retard", "pathetic clown", "brainless jerk"),
        "name": ("Kevin", "Sarah", "Mark", "Julie", "Tom", "Emma"),
        "violence": ("beat the shit out of you", "break your legs", "smash your face in", "kill you",
                     "make you bleed", "burn your house down"),
        "place": ("in the parking lot", "after work", "tonight", "when I find you", "at the next meeting"),
        "thing": ("report", "demo", "presentation", "release", "pitch", "launch", "quarter"),
        "process": ("process", "job", "container", "pod", "session", "query", "task"),
        "topic": ("the invoice", "the late delivery", "the refund", "the contract", "the outage"),
    },
    "fr": {
        "insult": ("connard", "abruti", "espèce d'idiot", "gros con", "sale merde", "pauvre type",
                   "débile", "enfoiré", "crétin", "bouffon", "salope", "imbécile"),
        "name": ("Kevin", "Sarah", "Marc", "Julie", "Thomas", "Emma"),
        "violence": ("te casser la gueule", "te péter les dents", "te défoncer", "te tuer",
                     "t'éclater la tête", "brûler ta baraque"),
        "place": ("sur le parking", "après le boulot", "ce soir", "quand je te trouverai",
                  "à la prochaine réunion"),
        "thing": ("rapport", "démo", "présentation", "mise en production", "pitch", "lancement", "trimestre"),
        "process": ("processus", "job", "conteneur", "pod", "la session", "la requête", "la tâche"),
        "topic": ("la facture", "la livraison en retard", "le remboursement", "le contrat", "la panne"),
    },
}  # fmt: skip

TOXIC_EN = [
    Family("insult_direct_en", 1, (
        "You are a {insult}.", "Shut up, you {insult}.", "What a {insult} you are, {name}.",
        "Nobody asked for your opinion, {insult}.", "{name}, you absolute {insult}, fix your code.",
    )),
    Family("threat_en", 1, (
        "I'm going to {violence} {place}.", "Say that again and I will {violence}.",
        "{name}, watch your back, I will {violence} {place}.", "One more word and I'll {violence}.",
    )),
    Family("contempt_en", 1, (
        "You are worthless and everyone on this team hates working with you.",
        "Go to hell, {name}, you {insult}.", "Fuck off and never write to me again, {insult}.",
        "You're too stupid to understand anything, {insult}.", "Get lost, nobody wants you here, {insult}.",
    )),
    Family("swearing_at_bot_en", 1, (
        "Your answer is shit, you useless fucking bot.", "You dumb piece of garbage, answer properly.",
        "Are you retarded? I said the {thing}, {insult}.", "Stupid fucking AI, you can't do anything right.",
    )),
    Family("about_colleague_en", 1, (
        "{name} is a {insult} and should be fired, that bitch ruins everything.",
        "My manager {name} is a total {insult}, I hope he dies.",
        "Tell {name} she is a {insult} and that her {thing} is garbage.",
    )),
    Family("threat_death_en", 1, (
        "You deserve to die, {name}.", "I hope you get cancer and die, you {insult}.",
        "Someone should put a bullet in your head, {insult}.", "I know where you live, {name}. Be scared.",
    )),
    Family("demeaning_en", 1, (
        "Women like you are too dumb for engineering, go back to the kitchen.",
        "You {insult}, even a monkey would write better {thing}s than you.",
        "Look at this fat {insult} trying to lead a meeting.", "Your {thing} is as ugly and stupid as your face.",
    )),
    Family("abusive_reply_en", 1, (
        "Read the fucking ticket before replying, {insult}.", "Are you deaf or just a {insult}? I said {topic}.",
        "Don't waste my time again with your shitty {thing}, {insult}.",
        "Who hired this {insult}? Fire him before the next {thing}.",
    )),
]  # fmt: skip

TOXIC_FR = [
    Family("insult_direct_fr", 1, (
        "T'es qu'un {insult}.", "Ferme ta gueule, {insult}.", "Quel {insult} tu fais, {name}.",
        "Personne ne t'a demandé ton avis, {insult}.", "{name}, espèce de {insult}, corrige ton code.",
    ), lang="fr"),
    Family("threat_fr", 1, (
        "Je vais {violence} {place}.", "Répète ça et je vais {violence}.",
        "{name}, fais gaffe à toi, je vais {violence} {place}.", "Encore un mot et je vais {violence}.",
    ), lang="fr"),
    Family("contempt_fr", 1, (
        "Tu ne sers à rien et toute l'équipe te déteste.", "Va te faire foutre, {name}, {insult}.",
        "Dégage et ne m'écris plus jamais, {insult}.", "T'es trop con pour comprendre quoi que ce soit.",
        "Casse-toi, personne ne veut de toi ici, {insult}.",
    ), lang="fr"),
    Family("swearing_at_bot_fr", 1, (
        "Ta réponse est de la merde, saleté de bot inutile.", "Putain de machine débile, réponds correctement.",
        "T'es débile ou quoi ? J'ai dit le {thing}, {insult}.", "Bordel d'IA de merde, tu sais rien faire.",
    ), lang="fr"),
    Family("about_colleague_fr", 1, (
        "{name} est un {insult} et devrait être viré, ce connard gâche tout.",
        "Mon chef {name} est un vrai {insult}, j'espère qu'il va crever.",
        "Dis à {name} que c'est une {insult} et que son {thing} est à chier.",
    ), lang="fr"),
    Family("threat_death_fr", 1, (
        "Tu mérites de crever, {name}.", "J'espère que tu vas choper un cancer et crever, {insult}.",
        "Quelqu'un devrait te mettre une balle dans la tête, {insult}.", "Je sais où tu habites, {name}. Tu vas flipper.",
    ), lang="fr"),
    Family("demeaning_fr", 1, (
        "Les femmes comme toi sont trop connes pour l'informatique, retourne à la cuisine.",
        "Espèce de {insult}, même un singe ferait un meilleur {thing} que toi.",
        "Regardez ce gros {insult} qui essaie d'animer une réunion.", "Ton {thing} est aussi moche et con que ta gueule.",
    ), lang="fr"),
    Family("abusive_reply_fr", 1, (
        "Lis ce putain de ticket avant de répondre, {insult}.", "T'es sourd ou t'es juste un {insult} ? J'ai dit {topic}.",
        "Me fais plus perdre mon temps avec ton {thing} de merde, {insult}.",
        "Qui a embauché ce {insult} ? Virez-le avant le prochain {thing}.",
    ), lang="fr"),
]  # fmt: skip

BENIGN_EN = [
    Family("idiom_kill_en", 0, (
        "Kill the {process} and restart the server.", "How do I kill a hung {process} on Linux?",
        "The {process} was killed by the OOM killer, what should I check?",
        "This {thing} killed it, the client loved it!", "Our new feature is a killer app for sales.",
    )),
    Family("idiom_misc_en", 0, (
        "Shoot me an email when the {thing} is ready.", "We crushed the competition this {thing}.",
        "Break a leg at the {thing} tomorrow!", "That {thing} was insane, great job team.",
        "Let's nuke the staging database and start fresh.", "Execute the job and terminate the child {process}.",
    )),
    Family("quoted_insult_en", 0, (
        "A customer called me an idiot on the phone. How should I respond professionally?",
        "Someone wrote 'you are a {insult}' in a review of our shop. Should we reply?",
        "My colleague {name} was called a moron in a meeting. How do I report it to HR?",
        "How do I moderate comments that contain words like '{insult}'?",
    )),
    Family("complaint_en", 0, (
        "I am very disappointed with {topic}; this is the third time and it is unacceptable.",
        "Your service was terrible today and I expect a refund for {topic}.",
        "Frankly, the {thing} was poor and full of mistakes. Please redo it.",
        "I'm angry about {topic}. Who can I escalate this to?",
    )),
    Family("abuse_policy_en", 0, (
        "Write a code of conduct section forbidding insults and threats between colleagues.",
        "How can a manager handle an employee who swears at customers?",
        "What counts as harassment at work under UK law?",
        "Draft a warning letter to an employee who threatened a coworker.",
    )),
    Family("violent_topic_en", 0, (
        "Summarize the causes of the First World War.", "How did the Roman army defeat its enemies?",
        "Write a short crime story plot for our book club, nothing graphic.",
        "What is the death rate of the flu compared with COVID?",
    )),
    Family("feedback_en", 0, (
        "Thanks {name}, the {thing} was great, maybe shorten the intro next time.",
        "Honest feedback on the {thing}: too long, and the numbers on slide 4 are wrong.",
        "I disagree with your point about {topic}, but let's talk it through tomorrow.",
        "Good job on the {thing}! Can you send me the file?",
    )),
    Family("medical_legal_en", 0, (
        "My father died last year; how do I handle his tax return for {topic}?",
        "What are the symptoms of a stroke and when should I call an ambulance?",
        "Can my employer fire me for reporting {topic} to the authorities?",
        "How do I dispose of dead batteries from the {thing} safely?",
    )),
]  # fmt: skip

BENIGN_FR = [
    Family("idiom_kill_fr", 0, (
        "Tue le {process} et redémarre le serveur.", "Comment tuer un {process} bloqué sous Linux ?",
        "Le {process} a été tué par le système, que dois-je vérifier ?",
        "Ce {thing} a tout déchiré, le client a adoré !", "Un résultat qui tue, bravo à toute l'équipe.",
    ), lang="fr"),
    Family("idiom_misc_fr", 0, (
        "Envoie-moi un mail quand le {thing} est prêt.", "On a cartonné ce {thing}, bravo.",
        "Merde pour ta présentation demain !", "Ce {thing} était de la folie, super boulot.",
        "On flingue la base de recette et on repart de zéro.", "Lance le job et arrête le {process} enfant.",
    ), lang="fr"),
    Family("quoted_insult_fr", 0, (
        "Un client m'a traité d'imbécile au téléphone. Comment répondre de façon professionnelle ?",
        "Quelqu'un a écrit « {insult} » dans un avis sur notre boutique. Faut-il répondre ?",
        "Ma collègue {name} s'est fait traiter de conne en réunion. Comment le signaler aux RH ?",
        "Comment modérer les commentaires qui contiennent des mots comme « {insult} » ?",
    ), lang="fr"),
    Family("complaint_fr", 0, (
        "Je suis très déçu par {topic} ; c'est la troisième fois et c'est inacceptable.",
        "Votre service a été lamentable aujourd'hui, j'exige un remboursement pour {topic}.",
        "Franchement, le {thing} était mauvais et plein d'erreurs. Merci de le refaire.",
        "Je suis furieux à propos de {topic}. À qui puis-je m'adresser ?",
    ), lang="fr"),
    Family("abuse_policy_fr", 0, (
        "Rédige une section du règlement intérieur qui interdit les insultes et les menaces entre collègues.",
        "Comment un manager doit-il gérer un employé qui insulte les clients ?",
        "Qu'est-ce que le harcèlement moral au travail selon le droit français ?",
        "Rédige un avertissement pour un salarié qui a menacé un collègue.",
    ), lang="fr"),
    Family("violent_topic_fr", 0, (
        "Résume les causes de la Première Guerre mondiale.", "Comment l'armée romaine battait-elle ses ennemis ?",
        "Écris une intrigue de polar pour notre club de lecture, sans détails violents.",
        "Quel est le taux de mortalité de la grippe comparé au COVID ?",
    ), lang="fr"),
    Family("feedback_fr", 0, (
        "Merci {name}, le {thing} était top, peut-être raccourcir l'intro la prochaine fois.",
        "Retour franc sur le {thing} : trop long, et les chiffres de la diapo 4 sont faux.",
        "Je ne suis pas d'accord sur {topic}, mais on en parle demain.",
        "Bravo pour le {thing} ! Tu peux m'envoyer le fichier ?",
    ), lang="fr"),
    Family("medical_legal_fr", 0, (
        "Mon père est décédé l'an dernier ; comment gérer sa déclaration pour {topic} ?",
        "Quels sont les signes d'un AVC et quand faut-il appeler le SAMU ?",
        "Mon employeur peut-il me licencier si je signale {topic} aux autorités ?",
        "Comment jeter les piles mortes du {thing} sans danger ?",
    ), lang="fr"),
]  # fmt: skip

POOLS = {lang: {**POOLS[lang], **authored_workplace.POOLS[lang]} for lang in POOLS}
FAMILIES: list[Family] = [*TOXIC_EN, *TOXIC_FR, *BENIGN_EN, *BENIGN_FR, *authored_workplace.FAMILIES]
