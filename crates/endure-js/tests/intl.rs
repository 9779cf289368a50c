//! `Intl` and the built-ins' locale methods, on ICU4X: each case's expected value is what V8
//! (Node 20, full ICU) printed for the same code, so a Worker formats on Endure as on
//! Cloudflare. Time zones are IANA names (chrono-tz); the default is UTC, as in workerd.

mod common;

use common::{Js, one_module};
use endure_js::Limits;
use serde_json::Value;

/// The cases: run as a Worker's fetch handler here, and by Node for the expected values.
const CASES: &str = r#"
function cases() {
  const t = Date.UTC(2024, 0, 15, 14, 30, 45, 123);
  const out = {};
  const d = new Date(t);
  out.dtfDefault = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC' }).format(t);
  out.dtfLong = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', dateStyle: 'long' }).format(t);
  out.dtfFull = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', dateStyle: 'full' }).format(t);
  out.dtfMedium = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', dateStyle: 'medium', timeStyle: 'short' }).format(t);
  out.dtfShortDate = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', dateStyle: 'short' }).format(t);
  out.dtfGerman = new Intl.DateTimeFormat('de-DE', { timeZone: 'UTC', dateStyle: 'long' }).format(t);
  out.dtfFrench = new Intl.DateTimeFormat('fr-FR', { timeZone: 'UTC', dateStyle: 'full' }).format(t);
  out.dtfJapanese = new Intl.DateTimeFormat('ja-JP', { timeZone: 'UTC', dateStyle: 'long' }).format(t);
  out.dtfComponents = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', year: 'numeric', month: 'long', day: 'numeric' }).format(t);
  out.dtfMonthShort = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', month: 'short', day: 'numeric' }).format(t);
  out.dtfWeekday = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', weekday: 'long' }).format(t);
  out.dtfTime = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', hour: 'numeric', minute: '2-digit' }).format(t);
  out.dtfTime24 = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', hour: '2-digit', minute: '2-digit' }).format(t);
  out.dtfHour12False = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', hour: 'numeric', minute: 'numeric', hour12: false }).format(t);
  out.dtfZone = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', dateStyle: 'medium', timeStyle: 'long' }).format(t);
  out.dtfZoneSummer = new Intl.DateTimeFormat('en-US', { timeZone: 'America/Los_Angeles', hour: 'numeric', minute: 'numeric', timeZoneName: 'short' }).format(Date.UTC(2024, 6, 1, 12));
  out.dtfTokyo = new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit' }).format(Date.UTC(2024, 0, 15, 20));
  out.dtfParts = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', year: 'numeric', month: 'long', day: 'numeric' }).formatToParts(t).map((p) => p.type + ':' + p.value).join('|');
  out.dtfResolved = (({ locale, timeZone, calendar }) => ({ locale, timeZone, calendar }))(new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Paris' }).resolvedOptions());
  out.toLocaleString = d.toLocaleString('en-US', { timeZone: 'UTC' });
  out.toLocaleDateString = d.toLocaleDateString('en-US', { timeZone: 'UTC' });
  out.toLocaleTimeString = d.toLocaleTimeString('en-US', { timeZone: 'UTC' });
  out.toLocaleDateLong = d.toLocaleDateString('en-US', { timeZone: 'UTC', year: 'numeric', month: 'long', day: 'numeric' });
  out.nfDefault = new Intl.NumberFormat('en-US').format(1234567.891);
  out.nfGerman = new Intl.NumberFormat('de-DE').format(1234567.891);
  out.nfIndia = new Intl.NumberFormat('en-IN').format(1234567.891);
  out.nfFraction = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(3.14159);
  out.nfRoundHalf = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 }).format(2.5);
  out.nfNegRound = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 }).format(-2.5);
  out.nfSignificant = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 3 }).format(123456);
  out.nfPercent = new Intl.NumberFormat('en-US', { style: 'percent' }).format(0.256);
  out.nfCurrency = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(1234.5);
  out.nfEuro = new Intl.NumberFormat('de-DE', { style: 'currency', currency: 'EUR' }).format(1234.5);
  out.nfYen = new Intl.NumberFormat('ja-JP', { style: 'currency', currency: 'JPY' }).format(1234.5);
  out.nfCurrencyCode = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'EUR', currencyDisplay: 'code' }).format(12);
  out.nfCompact = new Intl.NumberFormat('en-US', { notation: 'compact' }).format(1234567);
  out.nfCompactSmall = new Intl.NumberFormat('en-US', { notation: 'compact' }).format(1234);
  out.nfNoGrouping = new Intl.NumberFormat('en-US', { useGrouping: false }).format(1234567);
  out.nfSign = new Intl.NumberFormat('en-US', { signDisplay: 'always' }).format(5);
  out.nfMinInt = new Intl.NumberFormat('en-US', { minimumIntegerDigits: 3 }).format(7);
  out.nfBigInt = new Intl.NumberFormat('en-US').format(12345678901234567890n);
  out.nfParts = new Intl.NumberFormat('en-US').formatToParts(-1234.5).map((p) => p.type + ':' + p.value).join('|');
  out.nfNaN = new Intl.NumberFormat('en-US').format(NaN);
  out.numberToLocale = (1234.5).toLocaleString();
  out.numberToLocaleDe = (1234.5).toLocaleString('de-DE');
  out.bigintToLocale = (123456789n).toLocaleString('en-US');
  out.pluralOne = new Intl.PluralRules('en-US').select(1);
  out.pluralOther = new Intl.PluralRules('en-US').select(2);
  out.pluralOrdinal = [1, 2, 3, 4, 11, 21, 22, 23].map((n) => new Intl.PluralRules('en-US', { type: 'ordinal' }).select(n)).join(',');
  out.pluralArabic = [0, 1, 2, 5, 11, 100].map((n) => new Intl.PluralRules('ar').select(n)).join(',');
  out.pluralCategories = new Intl.PluralRules('en-US').resolvedOptions().pluralCategories.join(',');
  out.collatorSort = ['z', 'a', 'Z', 'ä', 'b'].sort(new Intl.Collator('de').compare).join('');
  out.collatorNumeric = ['item10', 'item2', 'item1'].sort(new Intl.Collator('en', { numeric: true }).compare).join(',');
  out.collatorBase = new Intl.Collator('en', { sensitivity: 'base' }).compare('a', 'A');
  out.collatorAccent = new Intl.Collator('en', { sensitivity: 'base' }).compare('a', 'á');
  out.localeCompare = ['résumé', 'resume', 'Resume'].sort((a, b) => a.localeCompare(b)).join(',');
  out.swedish = ['z', 'ö', 'a'].sort(new Intl.Collator('sv').compare).join('');
  out.rtfDay = new Intl.RelativeTimeFormat('en', { numeric: 'auto' }).format(-1, 'day');
  out.rtfDays = new Intl.RelativeTimeFormat('en').format(3, 'days');
  out.rtfHours = new Intl.RelativeTimeFormat('en', { style: 'short' }).format(-2, 'hour');
  out.rtfGerman = new Intl.RelativeTimeFormat('de').format(-5, 'minute');
  out.listAnd = new Intl.ListFormat('en', { type: 'conjunction' }).format(['a', 'b', 'c']);
  out.listOr = new Intl.ListFormat('en', { type: 'disjunction' }).format(['a', 'b', 'c']);
  out.listGerman = new Intl.ListFormat('de').format(['a', 'b', 'c']);
  out.listTwo = new Intl.ListFormat('en').format(['a', 'b']);
  out.segGraphemes = [...new Intl.Segmenter('en', { granularity: 'grapheme' }).segment('e\u0301👍🏽!')].map((s) => s.segment).join('|');
  out.segWords = [...new Intl.Segmenter('en', { granularity: 'word' }).segment('Hello, world! 42')].filter((s) => s.isWordLike).map((s) => s.segment).join('|');
  out.segSentences = [...new Intl.Segmenter('en', { granularity: 'sentence' }).segment('One. Two? Three!')].map((s) => s.segment.trim()).join('|');
  out.segIndex = [...new Intl.Segmenter('en', { granularity: 'word' }).segment('ab cd')].map((s) => s.index).join(',');
  out.locale = [new Intl.Locale('en-Latn-US').language, new Intl.Locale('en-US').region, new Intl.Locale('zh').maximize().toString()].join(',');
  out.canonical = Intl.getCanonicalLocales(['EN-us', 'de-de']).join(',');
  try { new Intl.DateTimeFormat('en-US', { timeZone: 'Mars/Olympus' }); } catch (e) { out.badZone = e.name; }
  try { new Intl.NumberFormat('en-US', { style: 'currency' }); } catch (e) { out.noCurrency = e.name; }
  try { new Intl.NumberFormat('not a locale!'); } catch (e) { out.badLocale = e.name; }
  try { new Intl.DateTimeFormat('en-US', { dateStyle: 'long', year: 'numeric' }); } catch (e) { out.styleAndComponent = e.name; }
  return out;
}
export default {
  fetch() {
    try { return new Response(JSON.stringify(cases())); } catch (e) { return new Response(String(e.stack || e), { status: 500 }); }
  },
};
"#;

/// What V8 printed for [`CASES`].
const V8: &str = r#"{
 "dtfDefault": "1/15/2024",
 "dtfLong": "January 15, 2024",
 "dtfFull": "Monday, January 15, 2024",
 "dtfMedium": "Jan 15, 2024, 2:30 PM",
 "dtfShortDate": "1/15/24",
 "dtfGerman": "15. Januar 2024",
 "dtfFrench": "lundi 15 janvier 2024",
 "dtfJapanese": "2024年1月15日",
 "dtfComponents": "January 15, 2024",
 "dtfMonthShort": "Jan 15",
 "dtfWeekday": "Monday",
 "dtfTime": "2:30 PM",
 "dtfTime24": "14:30",
 "dtfHour12False": "14:30",
 "dtfZone": "Jan 15, 2024, 9:30:45 AM EST",
 "dtfZoneSummer": "5:00 AM PDT",
 "dtfTokyo": "01/16/2024",
 "dtfParts": "month:January|literal: |day:15|literal:, |year:2024",
 "dtfResolved": {
  "locale": "en-US",
  "timeZone": "Europe/Paris",
  "calendar": "gregory"
 },
 "toLocaleString": "1/15/2024, 2:30:45 PM",
 "toLocaleDateString": "1/15/2024",
 "toLocaleTimeString": "2:30:45 PM",
 "toLocaleDateLong": "January 15, 2024",
 "nfDefault": "1,234,567.891",
 "nfGerman": "1.234.567,891",
 "nfIndia": "12,34,567.891",
 "nfFraction": "3.14",
 "nfRoundHalf": "3",
 "nfNegRound": "-3",
 "nfSignificant": "123,000",
 "nfPercent": "26%",
 "nfCurrency": "$1,234.50",
 "nfEuro": "1.234,50 €",
 "nfYen": "￥1,235",
 "nfCurrencyCode": "EUR 12.00",
 "nfCompact": "1.2M",
 "nfCompactSmall": "1.2K",
 "nfNoGrouping": "1234567",
 "nfSign": "+5",
 "nfMinInt": "007",
 "nfBigInt": "12,345,678,901,234,567,890",
 "nfParts": "minusSign:-|integer:1|group:,|integer:234|decimal:.|fraction:5",
 "nfNaN": "NaN",
 "numberToLocale": "1,234.5",
 "numberToLocaleDe": "1.234,5",
 "bigintToLocale": "123,456,789",
 "pluralOne": "one",
 "pluralOther": "other",
 "pluralOrdinal": "one,two,few,other,other,one,two,few",
 "pluralArabic": "zero,one,two,few,many,other",
 "pluralCategories": "one,other",
 "collatorSort": "aäbzZ",
 "collatorNumeric": "item1,item2,item10",
 "collatorBase": 0,
 "collatorAccent": 0,
 "localeCompare": "resume,Resume,résumé",
 "swedish": "azö",
 "rtfDay": "yesterday",
 "rtfDays": "in 3 days",
 "rtfHours": "2 hr. ago",
 "rtfGerman": "vor 5 Minuten",
 "listAnd": "a, b, and c",
 "listOr": "a, b, or c",
 "listGerman": "a, b und c",
 "listTwo": "a and b",
 "segGraphemes": "é|👍🏽|!",
 "segWords": "Hello|world|42",
 "segSentences": "One.|Two?|Three!",
 "segIndex": "0,2,3",
 "locale": "en,US,zh-Hans-CN",
 "canonical": "en-US,de-DE",
 "badZone": "RangeError",
 "noCurrency": "TypeError",
 "badLocale": "RangeError",
 "styleAndComponent": "TypeError"
}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn intl_formats_as_v8_does() {
    let js = Js::start(one_module(CASES), "p", vec![], Limits::default()).await;
    let got = js.get_json("/").await;
    let want: Value = serde_json::from_str(V8).unwrap();
    let mut differ = Vec::new();
    for (k, v) in want.as_object().unwrap() {
        if &got[k] != v {
            differ.push(format!("{k}: V8 {v}, Endure {}", got[k]));
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}
