"""The messages of the win-back, birthday, life-event and complaint scenarios (library.py),
per language, as in library_trips.py."""

from rapport.automation.library_trips import EN_TEAM, LT_TEAM, RU_TEAM, TRIP, UK_TEAM, Message

OFFER_RU = "{% if next_best_offer %} — например, «{{ next_best_offer }}»{% endif %}"
OFFER_UK = "{% if next_best_offer %} — наприклад, «{{ next_best_offer }}»{% endif %}"

CARE: dict[str, dict[str, Message]] = {
    "win_back": {
        "en": (
            "We miss you, {{ first_name }}: {{ promo_value }} off your next trip",
            (
                "Hello {{ first_name }},",
                f"It has been a while since your last trip with us{TRIP}, and we miss you.",
                "To welcome you back, here is a personal code for {{ promo_value }} off your "
                "next booking: {{ promo_code }}\nIt is valid until {{ promo_valid_to }}.",
                "And if we let you down somehow, please tell us why. Two questions, one minute, "
                "and it really helps us do better:\n{{ survey_url }}",
                "Hope to see you again soon!\n{{ manager_name|default:'" + EN_TEAM + "' }}",
            ),
        ),
        "ru": (
            "Мы скучаем, {{ first_name }}: скидка {{ promo_value }} на следующую поездку",
            (
                "Здравствуйте, {{ first_name }}!",
                f"С вашей последней поездки с нами{TRIP} прошло немало времени, и мы по вам "
                "скучаем.",
                "Чтобы встретить вас снова, дарим персональный промокод на скидку "
                "{{ promo_value }} на следующее бронирование: {{ promo_code }}\nОн действует до "
                "{{ promo_valid_to }}.",
                "А если мы вас чем-то разочаровали, пожалуйста, расскажите почему. Два вопроса, "
                "одна минута — и это правда помогает нам стать лучше:\n{{ survey_url }}",
                "Надеемся скоро увидеться!\n{{ manager_name|default:'" + RU_TEAM + "' }}",
            ),
        ),
        "uk": (
            "Ми сумуємо, {{ first_name }}: знижка {{ promo_value }} на наступну подорож",
            (
                "Добрий день, {{ first_name }}!",
                f"Від вашої останньої подорожі з нами{TRIP} минуло чимало часу, і ми за вами "
                "сумуємо.",
                "Щоб зустріти вас знову, даруємо персональний промокод на знижку "
                "{{ promo_value }} на наступне бронювання: {{ promo_code }}\nВін діє до "
                "{{ promo_valid_to }}.",
                "А якщо ми вас чимось розчарували, будь ласка, розкажіть чому. Два запитання, "
                "одна хвилина — і це справді допомагає нам ставати кращими:\n{{ survey_url }}",
                "Сподіваємося незабаром побачитися!\n{{ manager_name|default:'" + UK_TEAM + "' }}",
            ),
        ),
        "lt": (
            "Pasiilgome Jūsų, {{ first_name }}: {{ promo_value }} nuolaida kitai kelionei",
            (
                "Sveiki, {{ first_name }},",
                f"Nuo paskutinės Jūsų kelionės su mumis{TRIP} praėjo nemažai laiko, ir mes "
                "Jūsų pasiilgome.",
                "Kviečiame sugrįžti: štai asmeninis kodas, suteikiantis {{ promo_value }} "
                "nuolaidą kitam užsakymui: {{ promo_code }}\nJis galioja iki "
                "{{ promo_valid_to }}.",
                "O jei kuo nors Jus nuvylėme, prašome papasakoti, kodėl. Du klausimai, viena "
                "minutė — ir tai tikrai padeda mums tobulėti:\n{{ survey_url }}",
                "Tikimės greitai vėl susitikti!\n{{ manager_name|default:'" + LT_TEAM + "' }}",
            ),
        ),
    },
    "win_back_reminder": {
        "en": (
            "{{ first_name }}, your code {{ promo_code }} is still waiting",
            (
                "Hello {{ first_name }},",
                "Just a reminder: your personal code {{ promo_code }} for {{ promo_value }} off "
                "is valid until {{ promo_valid_to }}. Reply to this e-mail and we will find a "
                "trip to your liking.",
                "{{ manager_name|default:'" + EN_TEAM + "' }}",
            ),
        ),
        "ru": (
            "{{ first_name }}, ваш промокод {{ promo_code }} всё ещё ждёт",
            (
                "Здравствуйте, {{ first_name }}!",
                "Напоминаем: ваш персональный промокод {{ promo_code }} на скидку "
                "{{ promo_value }} действует до {{ promo_valid_to }}. Ответьте на это письмо, и "
                "мы подберём поездку по душе.",
                "{{ manager_name|default:'" + RU_TEAM + "' }}",
            ),
        ),
        "uk": (
            "{{ first_name }}, ваш промокод {{ promo_code }} досі чекає",
            (
                "Добрий день, {{ first_name }}!",
                "Нагадуємо: ваш персональний промокод {{ promo_code }} на знижку "
                "{{ promo_value }} діє до {{ promo_valid_to }}. Дайте відповідь на цей лист, і "
                "ми підберемо подорож до душі.",
                "{{ manager_name|default:'" + UK_TEAM + "' }}",
            ),
        ),
        "lt": (
            "{{ first_name }}, Jūsų kodas {{ promo_code }} vis dar laukia",
            (
                "Sveiki, {{ first_name }},",
                "Primename: Jūsų asmeninis kodas {{ promo_code }}, suteikiantis "
                "{{ promo_value }} nuolaidą, galioja iki {{ promo_valid_to }}. Atsakykite į šį "
                "laišką, ir parinksime kelionę pagal Jūsų norus.",
                "{{ manager_name|default:'" + LT_TEAM + "' }}",
            ),
        ),
    },
    "birthday": {
        "en": (
            "Happy birthday, {{ first_name }}!",
            (
                "Dear {{ first_name }},",
                "Happy birthday from all of us! May the year ahead bring you many new places, "
                "warm seas and good company.",
                "Our gift to you is {{ promo_value }} off your next trip with the code "
                "{{ promo_code }}. It is valid until {{ promo_valid_to }}: perhaps a birthday "
                "trip is just the thing?",
                "With warm wishes,\n{{ manager_name|default:'" + EN_TEAM + "' }}",
            ),
        ),
        "ru": (
            "С днём рождения, {{ first_name }}!",
            (
                "Здравствуйте, {{ first_name }}!",
                "Поздравляем вас с днём рождения! Пусть этот год подарит много новых мест, "
                "тёплое море и хорошую компанию.",
                "В подарок — скидка {{ promo_value }} на следующую поездку по промокоду "
                "{{ promo_code }}. Он действует до {{ promo_valid_to }} — может быть, самое время "
                "отправиться в путешествие в честь дня рождения?",
                "С тёплыми пожеланиями,\n{{ manager_name|default:'" + RU_TEAM + "' }}",
            ),
        ),
        "uk": (
            "З днем народження, {{ first_name }}!",
            (
                "Добрий день, {{ first_name }}!",
                "Щиро вітаємо вас із днем народження! Нехай цей рік подарує багато нових місць, "
                "тепле море й добру компанію.",
                "Наш подарунок — знижка {{ promo_value }} на наступну подорож за промокодом "
                "{{ promo_code }}. Він діє до {{ promo_valid_to }} — можливо, саме час вирушити "
                "в подорож на честь дня народження?",
                "З теплими побажаннями,\n{{ manager_name|default:'" + UK_TEAM + "' }}",
            ),
        ),
        "lt": (
            "Su gimtadieniu, {{ first_name }}!",
            (
                "Sveiki, {{ first_name }},",
                "Nuoširdžiai sveikiname su gimtadieniu! Tegul šie metai dovanoja daug naujų "
                "vietų, šiltą jūrą ir gerą kompaniją.",
                "Mūsų dovana — {{ promo_value }} nuolaida kitai kelionei su kodu "
                "{{ promo_code }}. Jis galioja iki {{ promo_valid_to }} — gal pats metas "
                "gimtadienio kelionei?",
                "Šilčiausi linkėjimai\n{{ manager_name|default:'" + LT_TEAM + "' }}",
            ),
        ),
    },
    "baby_congrats": {
        "en": (
            "Congratulations on your new arrival, {{ first_name }}!",
            (
                "Dear {{ first_name }},",
                "Congratulations on the birth of your child! We wish your family good health, "
                "calm nights and many happy moments together.",
                "When you are ready for your first trip together, we will help you plan it with "
                "the little one in mind: family hotels with a cot in the room, short flights "
                "and a child seat in every transfer.",
                "Warm wishes,\n{{ manager_name|default:'" + EN_TEAM + "' }}",
            ),
        ),
        "ru": (
            "Поздравляем с рождением малыша, {{ first_name }}!",
            (
                "Здравствуйте, {{ first_name }}!",
                "Поздравляем вас с рождением ребёнка! Желаем вашей семье здоровья, спокойных "
                "ночей и множества счастливых моментов вместе.",
                "Когда будете готовы к первому совместному путешествию, мы поможем спланировать "
                "его с учётом малыша: семейные отели с детской кроваткой в номере, короткие "
                "перелёты и детское кресло в каждом трансфере.",
                "С тёплыми пожеланиями,\n{{ manager_name|default:'" + RU_TEAM + "' }}",
            ),
        ),
        "uk": (
            "Вітаємо з народженням малюка, {{ first_name }}!",
            (
                "Добрий день, {{ first_name }}!",
                "Щиро вітаємо вас із народженням дитини! Бажаємо вашій родині здоров’я, "
                "спокійних ночей і багато щасливих моментів разом.",
                "Коли будете готові до першої спільної подорожі, ми допоможемо спланувати її з "
                "урахуванням малюка: сімейні готелі з дитячим ліжечком у номері, короткі "
                "перельоти й дитяче крісло в кожному трансфері.",
                "З теплими побажаннями,\n{{ manager_name|default:'" + UK_TEAM + "' }}",
            ),
        ),
        "lt": (
            "Sveikiname su mažylio gimimu, {{ first_name }}!",
            (
                "Sveiki, {{ first_name }},",
                "Nuoširdžiai sveikiname su vaikelio gimimu! Linkime Jūsų šeimai sveikatos, "
                "ramių naktų ir daug laimingų akimirkų kartu.",
                "Kai būsite pasiruošę pirmajai bendrai kelionei, padėsime ją suplanuoti "
                "atsižvelgdami į mažylį: šeimoms draugiški viešbučiai su vaikiška lovyte "
                "kambaryje, trumpi skrydžiai ir vaikiška kėdutė kiekviename pervežime.",
                "Šilčiausi linkėjimai\n{{ manager_name|default:'" + LT_TEAM + "' }}",
            ),
        ),
    },
    "baby_family_tours": {
        "en": (
            "{{ first_name }}, ready for your first family trip?",
            (
                "Hello {{ first_name }},",
                "Travelling with a baby is easier than it seems when everything is arranged in "
                "advance. We have picked family tours with short flights, hotels that welcome "
                "the youngest guests and kids' clubs{% if next_best_offer %}, such as "
                "{{ next_best_offer }}{% endif %}.",
                "We will book a child seat for every transfer and ask the hotel to put a cot in "
                "your room.",
                "Reply to this e-mail and we will suggest a few options for your dates.",
                "{{ manager_name|default:'" + EN_TEAM + "' }}",
            ),
        ),
        "ru": (
            "{{ first_name }}, готовы к первому семейному путешествию?",
            (
                "Здравствуйте, {{ first_name }}!",
                "Путешествовать с малышом проще, чем кажется, если всё подготовить заранее. Мы "
                "подобрали семейные туры с короткими перелётами, отелями для самых маленьких "
                f"гостей и детскими клубами{OFFER_RU}.",
                "Мы забронируем детское кресло для каждого трансфера и попросим отель поставить "
                "кроватку в ваш номер.",
                "Ответьте на это письмо, и мы предложим несколько вариантов на ваши даты.",
                "{{ manager_name|default:'" + RU_TEAM + "' }}",
            ),
        ),
        "uk": (
            "{{ first_name }}, готові до першої сімейної подорожі?",
            (
                "Добрий день, {{ first_name }}!",
                "Подорожувати з малюком простіше, ніж здається, якщо все підготувати "
                "заздалегідь. Ми дібрали сімейні тури з короткими перельотами, готелями для "
                f"найменших гостей і дитячими клубами{OFFER_UK}.",
                "Ми забронюємо дитяче крісло для кожного трансферу й попросимо готель поставити "
                "ліжечко у ваш номер.",
                "Дайте відповідь на цей лист, і ми запропонуємо кілька варіантів на ваші дати.",
                "{{ manager_name|default:'" + UK_TEAM + "' }}",
            ),
        ),
        "lt": (
            "{{ first_name }}, ar pasiruošę pirmajai šeimos kelionei?",
            (
                "Sveiki, {{ first_name }},",
                "Keliauti su mažyliu lengviau, nei atrodo, jei viskas suplanuota iš anksto. "
                "Atrinkome šeimos keliones su trumpais skrydžiais, mažiesiems svečiams "
                "pritaikytais viešbučiais ir vaikų klubais{% if next_best_offer %} — "
                "pavyzdžiui, „{{ next_best_offer }}“{% endif %}.",
                "Užsakysime vaikišką kėdutę kiekvienam pervežimui ir paprašysime viešbučio "
                "pastatyti lovytę Jūsų kambaryje.",
                "Atsakykite į šį laišką, ir pasiūlysime kelis variantus Jūsų datoms.",
                "{{ manager_name|default:'" + LT_TEAM + "' }}",
            ),
        ),
    },
    "complaint_check": {
        "en": (
            "{{ first_name }}, is everything all right now?",
            (
                "Hello {{ first_name }},",
                "A couple of days ago we resolved the issue you raised with us. We would like "
                "to make sure that everything really is in order now.",
                "If something is still not right, just reply to this e-mail"
                "{% if manager_name %} or call {{ manager_name }}{% endif %}, and we will take "
                "care of it straight away.",
                f"Thank you for your patience,\n{EN_TEAM}",
            ),
        ),
        "ru": (
            "{{ first_name }}, теперь всё в порядке?",
            (
                "Здравствуйте, {{ first_name }}!",
                "Пару дней назад мы решили вопрос, с которым вы к нам обращались. Хотим "
                "убедиться, что теперь действительно всё в порядке.",
                "Если что-то всё ещё не так, просто ответьте на это письмо{% if manager_name %} "
                "или позвоните менеджеру — {{ manager_name }}{% endif %}, и мы сразу этим "
                "займёмся.",
                f"Спасибо за терпение,\n{RU_TEAM}",
            ),
        ),
        "uk": (
            "{{ first_name }}, тепер усе гаразд?",
            (
                "Добрий день, {{ first_name }}!",
                "Кілька днів тому ми розв’язали питання, з яким ви до нас зверталися. Хочемо "
                "переконатися, що тепер справді все гаразд.",
                "Якщо щось досі не так, просто дайте відповідь на цей лист{% if manager_name %} "
                "або зателефонуйте менеджеру — {{ manager_name }}{% endif %}, і ми одразу цим "
                "займемося.",
                f"Дякуємо за терпіння,\n{UK_TEAM}",
            ),
        ),
        "lt": (
            "{{ first_name }}, ar dabar viskas gerai?",
            (
                "Sveiki, {{ first_name }},",
                "Prieš porą dienų išsprendėme klausimą, dėl kurio kreipėtės. Norime įsitikinti, "
                "kad dabar tikrai viskas gerai.",
                "Jei kas nors vis dar ne taip, tiesiog atsakykite į šį laišką, ir iškart tuo "
                "pasirūpinsime.{% if manager_name %} Jums mielai padės {{ manager_name }}."
                "{% endif %}",
                f"Ačiū už kantrybę\n{LT_TEAM}",
            ),
        ),
    },
}
