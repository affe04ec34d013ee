using LlmOps.Evaluator.Features.Checks;

namespace LlmOps.Evaluator.Tests.Unit.Checks;

/// <summary>A labelled set of short assistant answers, and the texts that must stay undecided.</summary>
public class LanguageDetectorTests
{
    public static TheoryData<string, string> Labelled => new()
    {
        { "en", "Sure! To reset your password, open the settings page and click on \"Forgot password\". You will receive an email with a link." },
        { "en", "The capital of Australia is Canberra, not Sydney as many people think." },
        { "en", "I recommend using a virtual environment for this project, so that the dependencies don't conflict with the system packages." },
        { "en", "Here is a summary of the article: the authors argue that remote work has increased productivity in most teams." },
        { "en", "You can cancel your subscription at any time. Your plan stays active until the end of the billing period." },
        { "en", "That error usually means the file is missing. Check the path and try again." },
        { "es", "¡Claro! Para restablecer tu contraseña, abre la página de configuración y haz clic en \"Olvidé mi contraseña\"." },
        { "es", "La capital de Australia es Canberra, no Sídney como mucha gente piensa." },
        { "es", "Te recomiendo usar un entorno virtual para este proyecto, así las dependencias no entran en conflicto con el sistema." },
        { "es", "Puedes cancelar tu suscripción en cualquier momento. Tu plan sigue activo hasta el final del periodo de facturación." },
        { "es", "Ese error suele significar que falta el archivo. Revisa la ruta y vuelve a intentarlo." },
        { "es", "¿Quieres que te prepare un resumen más corto del informe?" },
        { "fr", "Bien sûr ! Pour réinitialiser votre mot de passe, ouvrez la page des paramètres et cliquez sur « Mot de passe oublié »." },
        { "fr", "La capitale de l'Australie est Canberra, et non Sydney comme beaucoup de gens le pensent." },
        { "fr", "Je vous recommande d'utiliser un environnement virtuel pour ce projet, afin que les dépendances n'entrent pas en conflit." },
        { "fr", "Vous pouvez annuler votre abonnement à tout moment. Votre forfait reste actif jusqu'à la fin de la période de facturation." },
        { "fr", "Cette erreur signifie généralement que le fichier est introuvable. Vérifiez le chemin et réessayez." },
        { "fr", "Voici un résumé de l'article : les auteurs pensent que le télétravail a augmenté la productivité." },
        { "de", "Klar! Um dein Passwort zurückzusetzen, öffne die Einstellungen und klicke auf „Passwort vergessen“." },
        { "de", "Die Hauptstadt von Australien ist Canberra, nicht Sydney, wie viele Leute glauben." },
        { "de", "Ich empfehle dir, für dieses Projekt eine virtuelle Umgebung zu verwenden, damit sich die Abhängigkeiten nicht mit den Systempaketen überschneiden." },
        { "de", "Sie können Ihr Abonnement jederzeit kündigen. Ihr Tarif bleibt bis zum Ende des Abrechnungszeitraums aktiv." },
        { "de", "Dieser Fehler bedeutet meistens, dass die Datei fehlt. Prüfe den Pfad und versuche es erneut." },
        { "de", "Hier ist eine Zusammenfassung des Artikels: Die Autoren meinen, dass Homeoffice die Produktivität gesteigert hat." },
        { "it", "Certo! Per reimpostare la password, apri la pagina delle impostazioni e fai clic su \"Password dimenticata\"." },
        { "it", "La capitale dell'Australia è Canberra, non Sydney come pensano in molti." },
        { "it", "Ti consiglio di usare un ambiente virtuale per questo progetto, così le dipendenze non entrano in conflitto con il sistema." },
        { "it", "Puoi annullare l'abbonamento in qualsiasi momento. Il tuo piano resta attivo fino alla fine del periodo di fatturazione." },
        { "it", "Questo errore di solito significa che manca il file. Controlla il percorso e riprova." },
        { "it", "Ecco un riassunto dell'articolo: gli autori sostengono che il lavoro da remoto ha aumentato la produttività." },
        { "pt", "Claro! Para redefinir sua senha, abra a página de configurações e clique em \"Esqueci minha senha\"." },
        { "pt", "A capital da Austrália é Canberra, e não Sydney como muita gente pensa." },
        { "pt", "Recomendo usar um ambiente virtual para este projeto, assim as dependências não entram em conflito com os pacotes do sistema." },
        { "pt", "Você pode cancelar sua assinatura a qualquer momento. Seu plano continua ativo até o fim do período de cobrança." },
        { "pt", "Esse erro geralmente significa que o arquivo está faltando. Verifique o caminho e tente novamente." },
        { "pt", "Aqui está um resumo do artigo: os autores defendem que o trabalho remoto aumentou a produtividade das equipes." },
        { "nl", "Natuurlijk! Om je wachtwoord te herstellen, open je de instellingen en klik je op \"Wachtwoord vergeten\"." },
        { "nl", "De hoofdstad van Australië is Canberra, niet Sydney zoals veel mensen denken." },
        { "nl", "Ik raad je aan om voor dit project een virtuele omgeving te gebruiken, zodat de afhankelijkheden niet botsen met het systeem." },
        { "nl", "U kunt uw abonnement op elk moment opzeggen. Uw pakket blijft actief tot het einde van de factuurperiode." },
        { "nl", "Deze fout betekent meestal dat het bestand ontbreekt. Controleer het pad en probeer het opnieuw." },
        { "nl", "Hier is een samenvatting van het artikel: de auteurs stellen dat thuiswerken de productiviteit heeft verhoogd." },
        { "sv", "Självklart! För att återställa ditt lösenord öppnar du inställningarna och klickar på \"Glömt lösenord\"." },
        { "sv", "Huvudstaden i Australien är Canberra, inte Sydney som många tror." },
        { "sv", "Jag rekommenderar att du använder en virtuell miljö för det här projektet, så att beroendena inte krockar med systemet." },
        { "sv", "Du kan säga upp ditt abonnemang när som helst. Din plan är aktiv till slutet av faktureringsperioden." },
        { "sv", "Det här felet betyder oftast att filen saknas. Kontrollera sökvägen och försök igen." },
        { "sv", "Här är en sammanfattning av artikeln: författarna menar att distansarbete har ökat produktiviteten." },
        { "pl", "Jasne! Aby zresetować hasło, otwórz stronę ustawień i kliknij \"Nie pamiętam hasła\"." },
        { "pl", "Stolicą Australii jest Canberra, a nie Sydney, jak myśli wiele osób." },
        { "pl", "Polecam użyć środowiska wirtualnego dla tego projektu, aby zależności nie kolidowały z pakietami systemowymi." },
        { "pl", "Możesz anulować subskrypcję w dowolnym momencie. Twój plan pozostaje aktywny do końca okresu rozliczeniowego." },
        { "pl", "Ten błąd zwykle oznacza, że brakuje pliku. Sprawdź ścieżkę i spróbuj ponownie." },
        { "pl", "Oto podsumowanie artykułu: autorzy twierdzą, że praca zdalna zwiększyła produktywność zespołów." },
        { "tr", "Tabii! Şifrenizi sıfırlamak için ayarlar sayfasını açın ve \"Şifremi unuttum\" bağlantısına tıklayın." },
        { "tr", "Avustralya'nın başkenti Sidney değil, Canberra'dır; birçok kişi bunu yanlış bilir." },
        { "tr", "Bu proje için sanal bir ortam kullanmanızı öneririm, böylece bağımlılıklar sistem paketleriyle çakışmaz." },
        { "tr", "Aboneliğinizi istediğiniz zaman iptal edebilirsiniz. Planınız fatura döneminin sonuna kadar aktif kalır." },
        { "tr", "Bu hata genellikle dosyanın eksik olduğu anlamına gelir. Yolu kontrol edin ve tekrar deneyin." },
        { "tr", "İşte makalenin bir özeti: yazarlar uzaktan çalışmanın verimliliği artırdığını savunuyor." },
        { "zh", "当然可以！要重置密码，请打开设置页面并点击“忘记密码”。" },
        { "zh", "澳大利亚的首都是堪培拉，而不是很多人以为的悉尼。" },
        { "zh", "这个错误通常表示文件不存在。请检查路径后再试一次。" },
        { "ja", "もちろんです！パスワードをリセットするには、設定ページを開いて「パスワードを忘れた」をクリックしてください。" },
        { "ja", "オーストラリアの首都はシドニーではなくキャンベラです。" },
        { "ja", "このエラーは通常、ファイルが見つからないことを意味します。パスを確認してもう一度お試しください。" },
        { "ko", "물론입니다! 비밀번호를 재설정하려면 설정 페이지를 열고 \"비밀번호 찾기\"를 클릭하세요." },
        { "ko", "호주의 수도는 시드니가 아니라 캔버라입니다." },
        { "ko", "이 오류는 보통 파일이 없다는 뜻입니다. 경로를 확인하고 다시 시도해 주세요." },
        { "ru", "Конечно! Чтобы сбросить пароль, откройте страницу настроек и нажмите «Забыли пароль»." },
        { "ru", "Столица Австралии — Канберра, а не Сидней, как думают многие." },
        { "ru", "Эта ошибка обычно означает, что файл отсутствует. Проверьте путь и попробуйте снова." },
        { "uk", "Звісно! Щоб скинути пароль, відкрийте сторінку налаштувань і натисніть «Забули пароль»." },
        { "uk", "Столиця Австралії — Канберра, а не Сідней, як думає багато людей." },
        { "uk", "Ця помилка зазвичай означає, що файл відсутній. Перевірте шлях і спробуйте ще раз." },
        { "ar", "بالتأكيد! لإعادة تعيين كلمة المرور، افتح صفحة الإعدادات وانقر على \"نسيت كلمة المرور\"." },
        { "ar", "عاصمة أستراليا هي كانبرا وليست سيدني كما يعتقد الكثيرون." },
        { "ar", "هذا الخطأ يعني عادةً أن الملف غير موجود. تحقق من المسار وحاول مرة أخرى." },
        { "he", "בטח! כדי לאפס את הסיסמה, פתח את דף ההגדרות ולחץ על \"שכחתי סיסמה\"." },
        { "he", "בירת אוסטרליה היא קנברה ולא סידני כפי שרבים חושבים." },
        { "he", "השגיאה הזו בדרך כלל אומרת שהקובץ חסר. בדוק את הנתיב ונסה שוב." },
        { "el", "Φυσικά! Για να επαναφέρετε τον κωδικό σας, ανοίξτε τη σελίδα ρυθμίσεων και πατήστε «Ξέχασα τον κωδικό»." },
        { "el", "Η πρωτεύουσα της Αυστραλίας είναι η Καμπέρα και όχι το Σίδνεϊ, όπως πιστεύουν πολλοί." },
        { "el", "Αυτό το σφάλμα συνήθως σημαίνει ότι λείπει το αρχείο. Ελέγξτε τη διαδρομή και δοκιμάστε ξανά." },
        { "hi", "ज़रूर! अपना पासवर्ड रीसेट करने के लिए सेटिंग्स पेज खोलें और \"पासवर्ड भूल गए\" पर क्लिक करें।" },
        { "hi", "ऑस्ट्रेलिया की राजधानी कैनबरा है, सिडनी नहीं, जैसा कि बहुत से लोग सोचते हैं।" },
        { "hi", "इस त्रुटि का आमतौर पर मतलब है कि फ़ाइल मौजूद नहीं है। पथ जांचें और फिर से प्रयास करें।" },
        { "th", "ได้เลย! หากต้องการรีเซ็ตรหัสผ่าน ให้เปิดหน้าการตั้งค่าแล้วคลิก \"ลืมรหัสผ่าน\"" },
        { "th", "เมืองหลวงของออสเตรเลียคือแคนเบอร์รา ไม่ใช่ซิดนีย์อย่างที่หลายคนเข้าใจ" },
        { "th", "ข้อผิดพลาดนี้มักหมายความว่าไม่พบไฟล์ โปรดตรวจสอบเส้นทางแล้วลองอีกครั้ง" },
    };

    [Theory]
    [MemberData(nameof(Labelled))]
    public void Labelled_answer_is_detected_in_its_language(string language, string text)
    {
        var guess = LanguageDetector.Detect(text);

        Assert.Equal(language, guess.Language);
        Assert.InRange(guess.Confidence, 0.01, 1);
    }

    [Fact]
    public void Labelled_set_has_at_least_five_answers_per_latin_language_and_sixty_in_all()
    {
        var languages = Labelled.Select(row => row.Data.Item1).ToList();

        Assert.True(languages.Count >= 60);
        Assert.All(new[] { "en", "es", "fr", "de", "it", "pt", "nl", "sv", "pl", "tr" }, language => Assert.True(languages.Count(l => l == language) >= 5, language));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n\t ")]
    [InlineData("OK")]
    [InlineData("Yes, done.")]
    [InlineData("42")]
    [InlineData("3.14159 2.71828 1,000,000 -7 +33 (555) 123-4567")]
    [InlineData("https://example.com/some/path?query=1 www.example.org")]
    [InlineData("```\nfor i in range(10):\n    print(i)\n```")]
    [InlineData("你好")]
    [InlineData("!!! ??? ...")]
    [InlineData("Xyzzy plugh frobnicate")]
    public void Short_empty_or_wordless_text_is_undecided(string text)
    {
        Assert.Equal(LanguageGuess.Undecided, LanguageDetector.Detect(text));
    }

    [Theory]
    [InlineData("en", "The French have a nice expression for it, \"joie de vivre\", and I think it describes the mood of the film well.")]
    [InlineData("de", "Das nennt man auf Englisch \"the elephant in the room\": ein Problem, über das niemand sprechen will.")]
    [InlineData("es", "En inglés se dice \"break a leg\" para desear suerte antes de una actuación, y no tiene nada de negativo.")]
    [InlineData("en", "In Russian you would say «спасибо», which simply means thank you, and it is used in every situation.")]
    public void Quoted_foreign_words_do_not_outweigh_the_dominant_language(string language, string text)
    {
        Assert.Equal(language, LanguageDetector.Detect(text).Language);
    }

    [Fact]
    public void Code_urls_and_numbers_are_ignored()
    {
        var text = "Voici la commande à lancer pour installer le paquet :\n```bash\npip install requests --upgrade && echo \"the install is done and it works for you\"\n```\nVoir https://the-docs.example.com/how-to/install-it-with-the-cli pour les détails, version 2.31.0.";

        Assert.Equal("fr", LanguageDetector.Detect(text).Language);
    }

    [Fact]
    public void Confidence_is_higher_for_a_clear_answer_than_for_a_borderline_one()
    {
        var clear = LanguageDetector.Detect("This is the answer to your question, and it is the one that I would give to anyone who asks me about it.");
        var borderline = LanguageDetector.Detect("Pizza in Roma is good.");

        Assert.Equal("en", clear.Language);
        Assert.True(clear.Confidence > borderline.Confidence, $"{clear.Confidence} vs {borderline.Confidence}");
    }
}
