//! How many SMS segments a text costs, and in which encoding (CARRIERS.md 1b). GSM-7 when every
//! character is in the GSM 03.38 basic set or its extension table (which costs two septets, an
//! escape and the character); otherwise UCS-2, counted in UTF-16 units. One segment holds 160
//! septets or 70 units; a multipart message holds 153 or 67 per part, and a part never splits an
//! escape pair or a surrogate pair. No maintained crate does this, so it is written here.

use std::collections::HashMap;
use std::sync::LazyLock;

/// The GSM 03.38 basic character set (the escape code 0x1B excluded: it is not a character).
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/// The extension table: each costs two septets.
const GSM7_EXTENSION: &str = "^{}\\[~]|€\u{c}";

const GSM7_SINGLE: usize = 160;
const GSM7_PART: usize = 153;
const UCS2_SINGLE: usize = 70;
const UCS2_PART: usize = 67;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Gsm7,
    Ucs2,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Gsm7 => "GSM-7",
            Encoding::Ucs2 => "UCS-2",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Encoding::Gsm7, Encoding::Ucs2]
            .into_iter()
            .find(|e| e.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segments {
    pub encoding: Encoding,
    pub count: u32,
}

/// Septets per GSM-7 character, built once so each lookup is a hash probe, not a scan.
static GSM7_SEPTETS: LazyLock<HashMap<char, usize>> = LazyLock::new(|| {
    GSM7_BASIC
        .chars()
        .map(|c| (c, 1))
        .chain(GSM7_EXTENSION.chars().map(|c| (c, 2)))
        .collect()
});

/// Septets a character costs in GSM-7, or `None` if GSM-7 cannot carry it.
fn gsm7_septets(c: char) -> Option<usize> {
    GSM7_SEPTETS.get(&c).copied()
}

pub fn segments(text: &str) -> Segments {
    let gsm: Option<Vec<usize>> = text.chars().map(gsm7_septets).collect();
    let (encoding, weights, single, part) = match gsm {
        Some(w) => (Encoding::Gsm7, w, GSM7_SINGLE, GSM7_PART),
        None => (
            Encoding::Ucs2,
            text.chars().map(char::len_utf16).collect(),
            UCS2_SINGLE,
            UCS2_PART,
        ),
    };
    Segments {
        encoding,
        count: pack(&weights, single, part),
    }
}

/// Parts needed: one if everything fits a single segment, else greedy packing that never splits
/// a character (an escape pair or a surrogate pair counts as one indivisible weight).
fn pack(weights: &[usize], single: usize, part: usize) -> u32 {
    let total: usize = weights.iter().sum();
    if total <= single {
        return 1;
    }
    let mut parts = 1u32;
    let mut used = 0usize;
    for &w in weights {
        if used + w > part {
            parts += 1;
            used = 0;
        }
        used += w;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(text: &str) -> (Encoding, u32) {
        let s = segments(text);
        (s.encoding, s.count)
    }

    #[test]
    fn gsm7_fits_160_then_153_per_part() {
        assert_eq!(seg(""), (Encoding::Gsm7, 1));
        assert_eq!(seg(&"a".repeat(160)), (Encoding::Gsm7, 1));
        assert_eq!(seg(&"a".repeat(161)), (Encoding::Gsm7, 2));
        assert_eq!(seg(&"a".repeat(306)), (Encoding::Gsm7, 2));
        assert_eq!(seg(&"a".repeat(307)), (Encoding::Gsm7, 3));
        assert_eq!(seg("Hello @£$¥ ÄÖÑÜ §¿ à\n"), (Encoding::Gsm7, 1));
    }

    #[test]
    fn extension_characters_cost_two_septets_and_never_split() {
        assert_eq!(seg(&"€".repeat(80)), (Encoding::Gsm7, 1));
        // 81 × 2 = 162 septets: 76 escapes fill 152 of a part's 153; the 77th moves on.
        assert_eq!(seg(&"€".repeat(81)), (Encoding::Gsm7, 2));
        // 152 plain + one escape pair: the pair would straddle 153, so it opens part two.
        let text = format!("{}{}", "a".repeat(152), "{".repeat(5));
        assert_eq!(seg(&text), (Encoding::Gsm7, 2));
        let text = format!("{}^", "a".repeat(159));
        assert_eq!(seg(&text), (Encoding::Gsm7, 2));
        for c in ['^', '{', '}', '\\', '[', '~', ']', '|', '€'] {
            assert_eq!(gsm7_septets(c), Some(2), "{c}");
        }
    }

    #[test]
    fn one_non_gsm_character_makes_it_ucs2() {
        assert_eq!(seg(&format!("{}ж", "a".repeat(69))), (Encoding::Ucs2, 1));
        assert_eq!(seg(&format!("{}ж", "a".repeat(70))), (Encoding::Ucs2, 2));
        assert_eq!(seg(&"ж".repeat(134)), (Encoding::Ucs2, 2));
        assert_eq!(seg(&"ж".repeat(135)), (Encoding::Ucs2, 3));
        // ç is not GSM-7 (only Ç is).
        assert_eq!(seg("ç").0, Encoding::Ucs2);
    }

    #[test]
    fn astral_emoji_are_two_units_and_never_split() {
        assert_eq!(seg(&"😀".repeat(35)), (Encoding::Ucs2, 1));
        // 36 × 2 = 72 units: 33 emoji fill 66 of 67; the 34th cannot be split.
        assert_eq!(seg(&"😀".repeat(36)), (Encoding::Ucs2, 2));
        assert_eq!(seg(&"😀".repeat(67)), (Encoding::Ucs2, 3));
    }

    proptest::proptest! {
        #[test]
        fn counts_are_monotonic_and_bounded(text in "[a-z€😀ж ]{0,400}") {
            let s = segments(&text);
            let units: usize = text.chars().map(char::len_utf16).sum();
            proptest::prop_assert!(s.count >= 1);
            proptest::prop_assert!(s.count as usize <= units.max(1));
            let longer = format!("{text}a");
            proptest::prop_assert!(segments(&longer).count >= s.count || segments(&longer).encoding != s.encoding);
        }
    }
}
