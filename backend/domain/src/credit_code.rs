//! The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from a
//! 31-character alphabet, the last one a check character over the first 17.

use crate::message::Message;
use serde::Serialize;

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// A unified social credit code whose check character is right. Upper-cased on parse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct CreditCode(String);

impl CreditCode {
    pub fn parse(raw: &str) -> Result<CreditCode, Message> {
        let s = raw.trim().to_ascii_uppercase();
        if s.chars().count() != 18 {
            return Err(Message::new(
                "统一社会信用代码应为18位",
                "the unified social credit code has 18 characters",
            ));
        }
        let mut values = Vec::with_capacity(18);
        for c in s.bytes() {
            match ALPHABET.iter().position(|a| *a == c) {
                Some(v) => values.push(v as u32),
                None => {
                    return Err(Message::new(
                        format!("统一社会信用代码含有无效字符 '{}'", c as char),
                        format!("invalid character '{}' in the credit code", c as char),
                    ));
                }
            }
        }
        if check_value(&values[..17]) != values[17] {
            return Err(Message::new(
                "统一社会信用代码校验位不正确",
                "the credit code's check character is wrong",
            ));
        }
        Ok(CreditCode(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn check_value(first17: &[u32]) -> u32 {
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    (31 - sum % 31) % 31
}

/// Completes 17 valid characters with their check character (used by the demo data and tests).
pub fn with_check_character(first17: &str) -> String {
    let values: Vec<u32> = first17
        .bytes()
        .map(|c| {
            ALPHABET
                .iter()
                .position(|a| *a == c)
                .expect("valid character") as u32
        })
        .collect();
    assert_eq!(values.len(), 17, "need 17 characters");
    let check = ALPHABET[check_value(&values) as usize] as char;
    format!("{first17}{check}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_published_example_code_is_valid() {
        // An example code printed in GB 32100-2015 style references.
        assert!(CreditCode::parse("91350100M000100Y43").is_ok());
        assert_eq!(
            CreditCode::parse(" 91350100m000100y43 ").unwrap().as_str(),
            "91350100M000100Y43"
        );
    }

    #[test]
    fn a_wrong_check_character_length_or_letter_is_refused() {
        assert!(
            CreditCode::parse("91350100M000100Y44")
                .unwrap_err()
                .contains("check")
        );
        assert!(
            CreditCode::parse("91350100M000100Y4")
                .unwrap_err()
                .contains("18")
        );
        // I, O, S, V and Z are not in the alphabet.
        assert!(
            CreditCode::parse("91350100M000100O43")
                .unwrap_err()
                .contains("'O'")
        );
    }

    proptest! {
        #[test]
        fn every_completed_code_parses_and_any_changed_check_fails(idx in proptest::collection::vec(0usize..31, 17), delta in 1usize..31) {
            let first: String = idx.iter().map(|i| ALPHABET[*i] as char).collect();
            let code = with_check_character(&first);
            prop_assert!(CreditCode::parse(&code).is_ok());
            let last = ALPHABET.iter().position(|a| *a == code.as_bytes()[17]).unwrap();
            let other = ALPHABET[(last + delta) % 31] as char;
            let bad = format!("{first}{other}");
            prop_assert!(CreditCode::parse(&bad).is_err());
        }
    }
}
