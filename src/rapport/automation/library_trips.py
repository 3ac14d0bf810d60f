"""The messages of the welcome series and the trip scenarios (library.py), written per
language: a message is data the marketer edits after installing, not an interface string, so
it is not in the translation catalogs. Each is (subject, paragraphs); the body is the
paragraphs joined by blank lines. Placeholders are those `actions.template_context` fills."""

Message = tuple[str, tuple[str, ...]]

EN_TEAM = "Your travel team"
RU_TEAM = "Ваша команда путешествий"
UK_TEAM = "Ваша команда подорожей"
LT_TEAM = "Jūsų kelionių komanda"
TRIP = "{% if last_trip %} ({{ last_trip }}){% endif %}"

TRIPS: dict[str, dict[str, Message]] = {
    "welcome_thanks": {
        "en": (
            "Thank you for your first booking, {{ first_name }}!",
            (
                "Hello {{ first_name }},",
                f"Thank you for choosing us for your trip{TRIP}. We are glad to have you with us.",
                "Before you leave we will send you everything you need to know. If you have any "
                "questions, just reply to this e-mail{% if manager_name %} or call "
                "{{ manager_name }}, your personal manager{% endif %}.",
                f"Best wishes,\n{EN_TEAM}",
            ),
        ),
        "ru": (
            "Спасибо за первое бронирование, {{ first_name }}!",
            (
                "Здравствуйте, {{ first_name }}!",
                f"Спасибо, что выбрали нас для своего путешествия{TRIP}. Мы рады, что вы с нами.",
                "Перед поездкой мы пришлём всё, что нужно знать. Если появятся вопросы, просто "
                "ответьте на это письмо{% if manager_name %} или позвоните вашему персональному "
                "менеджеру — {{ manager_name }}{% endif %}.",
                f"С наилучшими пожеланиями,\n{RU_TEAM}",
            ),
        ),
        "uk": (
            "Дякуємо за перше бронювання, {{ first_name }}!",
            (
                "Добрий день, {{ first_name }}!",
                f"Дякуємо, що обрали нас для своєї подорожі{TRIP}. Ми раді, що ви з нами.",
                "Перед поїздкою ми надішлемо все, що потрібно знати. Якщо виникнуть запитання, "
                "просто дайте відповідь на цей лист{% if manager_name %} або зателефонуйте "
                "вашому персональному менеджеру — {{ manager_name }}{% endif %}.",
                f"З найкращими побажаннями,\n{UK_TEAM}",
            ),
        ),
        "lt": (
            "Ačiū už pirmąjį užsakymą, {{ first_name }}!",
            (
                "Sveiki, {{ first_name }},",
                f"Dėkojame, kad kelionei{TRIP} pasirinkote mus. Džiaugiamės, kad esate su mumis.",
                "Prieš išvykimą atsiųsime viską, ką reikia žinoti. Jei kiltų klausimų, tiesiog "
                "atsakykite į šį laišką.{% if manager_name %} Jums mielai padės "
                "{{ manager_name }}.{% endif %}",
                f"Geriausi linkėjimai\n{LT_TEAM}",
            ),
        ),
    },
    "welcome_tips": {
        "en": (
            "{{ first_name }}, a few tips before you travel",
            (
                "Hello {{ first_name }},",
                "Here are a few things our travellers find useful:",
                "- Check that your passport is valid for at least six months after your return.\n"
                "- Take out travel insurance early: it covers a cancelled trip, not only the "
                "trip itself.\n"
                "- Keep copies of your documents on your phone and in your e-mail.\n"
                "- Ask us about transfers, excursions and seats on the plane: they are easier "
                "to arrange in advance.",
                "We are always here when you want to plan the next trip.",
                EN_TEAM,
            ),
        ),
        "ru": (
            "{{ first_name }}, несколько советов перед поездкой",
            (
                "Здравствуйте, {{ first_name }}!",
                "Вот несколько вещей, которые наши путешественники считают полезными:",
                "- Проверьте, что паспорт действителен ещё минимум полгода после возвращения.\n"
                "- Оформите страховку заранее: она покрывает и отмену поездки, а не только "
                "саму поездку.\n"
                "- Сохраните копии документов в телефоне и в электронной почте.\n"
                "- Спросите нас о трансферах, экскурсиях и местах в самолёте: всё это проще "
                "организовать заранее.",
                "Мы всегда рядом, когда захотите спланировать следующее путешествие.",
                RU_TEAM,
            ),
        ),
        "uk": (
            "{{ first_name }}, кілька порад перед поїздкою",
            (
                "Добрий день, {{ first_name }}!",
                "Ось кілька речей, які наші мандрівники вважають корисними:",
                "- Перевірте, що паспорт дійсний ще щонайменше пів року після повернення.\n"
                "- Оформіть страховку заздалегідь: вона покриває й скасування поїздки, а не "
                "лише саму подорож.\n"
                "- Збережіть копії документів у телефоні та в електронній пошті.\n"
                "- Запитайте нас про трансфери, екскурсії та місця в літаку: усе це простіше "
                "організувати заздалегідь.",
                "Ми завжди поруч, коли захочете спланувати наступну подорож.",
                UK_TEAM,
            ),
        ),
        "lt": (
            "{{ first_name }}, keli patarimai prieš kelionę",
            (
                "Sveiki, {{ first_name }},",
                "Štai keli dalykai, kurie mūsų keliautojams praverčia:",
                "- Patikrinkite, ar pasas galios dar bent pusę metų po grįžimo.\n"
                "- Kelionių draudimą įsigykite iš anksto: jis apima ir kelionės atšaukimą, ne "
                "tik pačią kelionę.\n"
                "- Dokumentų kopijas laikykite telefone ir el. pašte.\n"
                "- Paklauskite mūsų apie pervežimus, ekskursijas ir vietas lėktuve: juos "
                "lengviau suderinti iš anksto.",
                "Visada mielai padėsime suplanuoti ir kitą kelionę.",
                LT_TEAM,
            ),
        ),
    },
    "pre_trip": {
        "en": (
            "Your trip is a week away: a checklist",
            (
                "Hello {{ first_name }},",
                f"Your trip{TRIP} starts in a week. Here is a short checklist so that nothing "
                "is left behind:",
                "- Passports (valid for six months after your return) and visas, if needed\n"
                "- Tickets, hotel vouchers and your insurance policy, printed or on your phone\n"
                "- Bank cards: tell your bank you are travelling\n"
                "- Chargers, adapters and any medicines you take\n"
                "- Online check-in opens 24–48 hours before the flight",
                "If anything has changed or you have a question, reply to this e-mail"
                "{% if manager_name %} or call {{ manager_name }}{% endif %}.",
                f"Have a wonderful trip!\n{EN_TEAM}",
            ),
        ),
        "ru": (
            "До поездки неделя: чек-лист",
            (
                "Здравствуйте, {{ first_name }}!",
                f"Ваша поездка{TRIP} начинается через неделю. Вот короткий чек-лист, чтобы "
                "ничего не забыть:",
                "- Загранпаспорта (действительные ещё полгода после возвращения) и визы, если "
                "нужны\n"
                "- Билеты, ваучеры на отель и страховой полис — распечатанные или в телефоне\n"
                "- Банковские карты: предупредите банк о поездке\n"
                "- Зарядки, переходники и лекарства, которые вы принимаете\n"
                "- Онлайн-регистрация открывается за 24–48 часов до вылета",
                "Если что-то изменилось или есть вопросы, ответьте на это письмо"
                "{% if manager_name %} или позвоните менеджеру — {{ manager_name }}{% endif %}.",
                f"Прекрасной поездки!\n{RU_TEAM}",
            ),
        ),
        "uk": (
            "До поїздки тиждень: чек-лист",
            (
                "Добрий день, {{ first_name }}!",
                f"Ваша поїздка{TRIP} починається через тиждень. Ось короткий чек-лист, щоб "
                "нічого не забути:",
                "- Закордонні паспорти (дійсні ще пів року після повернення) і візи, якщо "
                "потрібні\n"
                "- Квитки, ваучери на готель і страховий поліс — роздруковані або в телефоні\n"
                "- Банківські картки: попередьте банк про поїздку\n"
                "- Зарядні пристрої, перехідники й ліки, які ви приймаєте\n"
                "- Онлайн-реєстрація відкривається за 24–48 годин до вильоту",
                "Якщо щось змінилося або є запитання, дайте відповідь на цей лист"
                "{% if manager_name %} чи зателефонуйте менеджеру — {{ manager_name }}"
                "{% endif %}.",
                f"Чудової подорожі!\n{UK_TEAM}",
            ),
        ),
        "lt": (
            "Iki kelionės liko savaitė: ką pasiruošti",
            (
                "Sveiki, {{ first_name }},",
                f"Jūsų kelionė{TRIP} prasideda po savaitės. Štai trumpas sąrašas, kad nieko "
                "nepamirštumėte:",
                "- Pasai (galiojantys dar pusę metų po grįžimo) ir, jei reikia, vizos\n"
                "- Bilietai, viešbučio vaučeriai ir draudimo polisas — atspausdinti arba "
                "telefone\n"
                "- Banko kortelės: praneškite bankui apie kelionę\n"
                "- Įkrovikliai, adapteriai ir vaistai, kuriuos vartojate\n"
                "- Registracija internetu prasideda likus 24–48 valandoms iki skrydžio",
                "Jei kas nors pasikeitė ar turite klausimų, atsakykite į šį laišką."
                "{% if manager_name %} Jums mielai padės {{ manager_name }}.{% endif %}",
                f"Geros kelionės!\n{LT_TEAM}",
            ),
        ),
    },
    "trip_feedback": {
        "en": (
            "Welcome back, {{ first_name }}! How was your trip?",
            (
                "Hello {{ first_name }},",
                f"Welcome home! We hope your trip{TRIP} was everything you wished for.",
                "Would you tell us how it went? It takes a minute, and every answer helps us "
                "choose better hotels and guides:\n{{ survey_url }}",
                f"Thank you!\n{EN_TEAM}",
            ),
        ),
        "ru": (
            "С возвращением, {{ first_name }}! Как прошла поездка?",
            (
                "Здравствуйте, {{ first_name }}!",
                f"С возвращением домой! Надеемся, поездка{TRIP} оправдала все ожидания.",
                "Расскажете, как всё прошло? Это займёт минуту, а каждый ответ помогает нам "
                "выбирать лучшие отели и гидов:\n{{ survey_url }}",
                f"Спасибо!\n{RU_TEAM}",
            ),
        ),
        "uk": (
            "З поверненням, {{ first_name }}! Як минула подорож?",
            (
                "Добрий день, {{ first_name }}!",
                f"З поверненням додому! Сподіваємося, подорож{TRIP} виправдала всі очікування.",
                "Розкажете, як усе минуло? Це займе хвилину, а кожна відповідь допомагає нам "
                "обирати кращі готелі та гідів:\n{{ survey_url }}",
                f"Дякуємо!\n{UK_TEAM}",
            ),
        ),
        "lt": (
            "Sveiki sugrįžę, {{ first_name }}! Kaip sekėsi kelionėje?",
            (
                "Sveiki, {{ first_name }},",
                f"Sveiki sugrįžę namo! Tikimės, kad kelionė{TRIP} pateisino visus lūkesčius.",
                "Gal papasakotumėte, kaip sekėsi? Tai užtruks minutę, o kiekvienas atsakymas "
                "padeda mums rinktis geresnius viešbučius ir gidus:\n{{ survey_url }}",
                f"Ačiū!\n{LT_TEAM}",
            ),
        ),
    },
    "trip_next": {
        "en": (
            "{{ first_name }}, where to next?",
            (
                "Hello {{ first_name }},",
                "The best time to plan the next trip is while the last one is still fresh."
                "{% if next_best_offer %} We think you would enjoy {{ next_best_offer }}: "
                "travellers with trips like yours often choose it next.{% else %} Tell us where "
                "you would like to go, and we will put together a few ideas for you.{% endif %}",
                "Reply to this e-mail and we will check dates and prices for you."
                "{% if manager_name %} {{ manager_name }} will get back to you personally."
                "{% endif %}",
                EN_TEAM,
            ),
        ),
        "ru": (
            "{{ first_name }}, куда отправимся дальше?",
            (
                "Здравствуйте, {{ first_name }}!",
                "Лучшее время планировать следующую поездку — пока впечатления от прошлой ещё "
                "свежи.{% if next_best_offer %} Думаем, вам понравится предложение "
                "«{{ next_best_offer }}»: путешественники с похожими поездками часто выбирают "
                "его следующим.{% else %} Расскажите, куда хотели бы поехать, и мы подберём для "
                "вас несколько идей.{% endif %}",
                "Ответьте на это письмо, и мы проверим даты и цены.{% if manager_name %} "
                "{{ manager_name }} свяжется с вами лично.{% endif %}",
                RU_TEAM,
            ),
        ),
        "uk": (
            "{{ first_name }}, куди вирушимо далі?",
            (
                "Добрий день, {{ first_name }}!",
                "Найкращий час планувати наступну подорож — поки враження від минулої ще "
                "свіжі.{% if next_best_offer %} Думаємо, вам сподобається пропозиція "
                "«{{ next_best_offer }}»: мандрівники зі схожими подорожами часто обирають її "
                "наступною.{% else %} Розкажіть, куди хотіли б поїхати, і ми підберемо для вас "
                "кілька ідей.{% endif %}",
                "Дайте відповідь на цей лист, і ми перевіримо дати та ціни."
                "{% if manager_name %} {{ manager_name }} зв’яжеться з вами особисто.{% endif %}",
                UK_TEAM,
            ),
        ),
        "lt": (
            "{{ first_name }}, kur keliausime toliau?",
            (
                "Sveiki, {{ first_name }},",
                "Geriausias metas planuoti kitą kelionę — kol įspūdžiai dar švieži."
                "{% if next_best_offer %} Manome, kad Jums patiks pasiūlymas "
                "„{{ next_best_offer }}“: panašiai keliavę klientai dažnai renkasi būtent jį."
                "{% else %} Parašykite, kur norėtumėte keliauti, ir parinksime Jums keletą "
                "idėjų.{% endif %}",
                "Atsakykite į šį laišką, ir patikrinsime datas bei kainas.{% if manager_name %} "
                "Su Jumis asmeniškai susisieks {{ manager_name }}.{% endif %}",
                LT_TEAM,
            ),
        ),
    },
}
