# ruff: noqa: E501, RUF001 - a frozen character table
"""PostgreSQL: `rapport_search_fold(text)`, the SQL twin of `rapport.core.text.search_fold`.

The search index of contacts is written in Python, but the lead search's trigram index and the
migrations that rebuild the indexes fold in SQL. The table below is `search_fold` applied to
every character of the Latin, Greek and Cyrillic blocks and the combining marks, frozen here
(a migration never imports app code); `lower()` first, then the letters that fold to two,
then one `translate()`. tests/core/test_search_fold.py checks both agree on PostgreSQL.
SQLite calls the Python function itself (registered on each connection by core.sqlite).
"""

from django.db import migrations

# Letters that fold to two letters (after lower()).
MULTI = {
    "æ": "ae",
    "þ": "th",
    "ß": "ss",
    "ĳ": "ij",
    "ŀ": "l·",
    "œ": "oe",
    "ǆ": "dz",
    "ǉ": "lj",
    "ǌ": "nj",
    "ǣ": "ae",
    "ǳ": "dz",
    "ǽ": "ae",
    "ẚ": "aʾ",
}
# translate(): each of FROM becomes the letter of TO at the same place; those past its end
# (apostrophes, combining marks, the hard sign) are dropped.
FROM = (
    "ÀàÁáÂâÃãÄäÅåÇçÈèÉéÊêËëÌìÍíÎîÏïÐðÑñÒòÓóÔôÕõÖöØøÙùÚúÛûÜüÝýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖ"
    "ėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľŁłŃńŅņŇňŉŊŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŨũŪūŬŭŮů"
    "ŰűŲųŴŵŶŷŸŹźŻżŽžſƁƂƄƆƇƉƊƋƎƏƐƑƓƔƖƗƘƜƝƟƠơƢƤƦƧƩƬƮƯưƱƲƳƵƷƸƼǍǎǏǐǑǒǓǔǕǖǗǘǙǚǛǜǞǟǠǡǤǦǧǨǩǪ"
    "ǫǬǭǮǯǰǴǵǶǷǸǹǺǻǾǿȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕȖȗȘșȚțȜȞȟȠȢȤȦȧȨȩȪȫȬȭȮȯȰȱȲȳȺȻȽȾɁɃɄɅɆɈɊɌɎͰͲͶ"
    "ͺ;Ϳ΄΅Άά·ΈέΉήΊίΌόΎύΏώΐΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩΪϊΫϋΰςϏϐϑϒϓϔϕϖϘϚϜϞϠϢϤϦϨϪϬϮϰϱϲϴϵϷϹϺϽ"
    "ϾϿЀѐЁёЂЃѓЄєЅІіЇїЈЉЊЋЌќЍѝЎўЏАБВГДЕЖЗИЙйКЛМНОПРСТУФХЦЧШЩЫыЬЭэЮЯѠѢѤѦѨѪѬѮѰѲѴѶѷѸѺѼѾҀҊ"
    "ҌҎҐґҒҔҖҘҚҜҞҠҢҤҦҨҪҬҮҰҲҴҶҸҺҼҾӀӁӂӃӅӇӉӋӍӐӑӒӓӔӖӗӘӚӛӜӝӞӟӠӢӣӤӥӦӧӨӪӫӬӭӮӯӰӱӲӳӴӵӶӸӹӺӼӾԀԂԄԆ"
    "ԈԊԌԎԐԒԔԖԘԚԜԞԠԢԤԦԨԪԬԮḀḁḂḃḄḅḆḇḈḉḊḋḌḍḎḏḐḑḒḓḔḕḖḗḘḙḚḛḜḝḞḟḠḡḢḣḤḥḦḧḨḩḪḫḬḭḮḯḰḱḲḳḴḵḶḷḸḹḺḻ"
    "ḼḽḾḿṀṁṂṃṄṅṆṇṈṉṊṋṌṍṎṏṐṑṒṓṔṕṖṗṘṙṚṛṜṝṞṟṠṡṢṣṤṥṦṧṨṩṪṫṬṭṮṯṰṱṲṳṴṵṶṷṸṹṺṻṼṽṾṿẀẁẂẃẄẅẆẇẈẉẊẋ"
    "ẌẍẎẏẐẑẒẓẔẕẖẗẘẙẛẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠ"
    "ỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹỺỼỾͅ´ʹЪъ̡̢̧̨̛̖̗̘̙̜̝̞̟̠̣̤̥̦̩̪̫̬̭̮̀́̂̃̄̅̆̇̈̉̊̋̌̍̎̏̐̑̒̓̔̕̚"
    "̴̵̶̷̸̯̰̱̲̳̹̺̻̼͇͈͉͍͎̽̾̿̀́͂̓̈́͆͊͋͌͏͓͔͕͖͙͚͐͑͒͗͛ͣͤͥͦͧͨͩͪͫͬͭͮͯ͘͜͟͢͝͞͠͡'’ʼ‘`ʹ′ʻ"
)
TO = (
    "aaaaaaaaaaaacceeeeeeeeiiiiiiiiddnnoooooooooooouuuuuuuuyyyaaaaaaccccccccddddeeeee"
    "eeeeegggggggghhhhiiiiiiiiiijjkkllllllllnnnnnnnŋoooooorrrrrrssssssssttttŧuuuuuuuu"
    "uuuuwwyyyzzzzzzsɓƃƅɔƈɖɗƌǝəɛƒɠɣɩɨƙɯɲɵooƣƥʀƨʃƭʈuuʊʋƴƶʒƹƽaaiioouuuuuuuuuuaaaaǥggkko"
    "oooʒʒjggƕƿnnaaooaaaaeeeeiiiioooorrrruuuussttȝhhƞȣȥaaeeooooooooyyⱥȼƚⱦɂƀʉʌɇɉɋɍɏͱͳͷ"
    " ;ϳ  αα·εεηηιιοουυωωιαβγδεζηθικλμνξοπρστυφχψωιιυυυσϗβθΥΥΥφπϙϛϝϟϡϣϥϧϩϫϭϯκρςθεϸςϻͻ"
    "ͼͽееееђггееѕиииијљњћккииууџабвгдежзиииклмнопрстуфхцчшщииьееюяѡѣѥѧѩѫѭѯѱѳѵѵѵѹѻѽѿҁҋ"
    "ҍҏггғҕҗҙқҝҟҡңҥҧҩҫҭүұҳҵҷҹһҽҿӏжжӄӆӈӊӌӎааааӕееәәәжжззӡииииооөөөееууууууччӷииӻӽӿԁԃԅԇ"
    "ԉԋԍԏԑԓԕԗԙԛԝԟԡԣԥԧԩԫԭԯaabbbbbbccddddddddddeeeeeeeeeeffgghhhhhhhhhhiiiikkkkkkllllll"
    "llmmmmmmnnnnnnnnoooooooopppprrrrrrrrssssssssssttttttttuuuuuuuuuuvvvvwwwwwwwwwwxx"
    "xxyyzzzzzzhtwysaaaaaaaaaaaaaaaaaaaaaaaaeeeeeeeeeeeeeeeeiiiiooooooooooooooooooooo"
    "ooouuuuuuuuuuuuuuyyyyyyyyỻỽỿι "
)


def _literal(text):
    return "'" + text.replace("'", "''") + "'"


def function_sql():
    folded = "lower(value)"
    for letter, replacement in MULTI.items():
        folded = f"replace({folded}, {_literal(letter)}, {_literal(replacement)})"
    return (
        "CREATE OR REPLACE FUNCTION rapport_search_fold(value text) RETURNS text "
        "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE "
        f"AS $$SELECT translate({folded}, {_literal(FROM)}, {_literal(TO)})$$"
    )


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(function_sql())


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS rapport_search_fold(text)")


class Migration(migrations.Migration):
    dependencies = [("core", "0004_no_redundant_indexes")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
