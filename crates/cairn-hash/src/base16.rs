//! Lowercase hexadecimal, as Nix prints it (and parses, in either case).

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Why a string is not valid base16.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// A character is not a hexadecimal digit.
    #[error("invalid character {character:?} at offset {offset}")]
    InvalidCharacter {
        /// The offending character.
        character: char,
        /// Its byte offset in the input.
        offset: usize,
    },
    /// The input has an odd number of characters.
    #[error("odd number of characters ({0})")]
    OddLength(usize),
}

/// Encodes `input` as lowercase hexadecimal.
#[must_use]
pub fn encode(input: &[u8]) -> String {
    // Bytes first, then one check that they are text (they are: ASCII
    // digits), cheaper than a `String::push` (and its capacity check) per
    // character.
    let mut out = vec![0; input.len() * 2];
    for (pair, &b) in out.chunks_exact_mut(2).zip(input) {
        pair[0] = DIGITS[usize::from(b >> 4)];
        pair[1] = DIGITS[usize::from(b & 0xf)];
    }
    String::from_utf8(out).expect("hexadecimal digits are ASCII")
}

fn digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Decodes hexadecimal in either case.
pub fn decode(input: &[u8]) -> Result<Vec<u8>, DecodeError> {
    if !input.len().is_multiple_of(2) {
        return Err(DecodeError::OddLength(input.len()));
    }
    let bad = |offset: usize| DecodeError::InvalidCharacter {
        character: char::from(input[offset]),
        offset,
    };
    input
        .chunks_exact(2)
        .enumerate()
        .map(|(i, pair)| {
            let high = digit(pair[0]).ok_or_else(|| bad(2 * i))?;
            let low = digit(pair[1]).ok_or_else(|| bad(2 * i + 1))?;
            Ok(high << 4 | low)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_case() {
        assert_eq!(encode(&[0x00, 0xab, 0xff]), "00abff");
        assert_eq!(decode(b"00ABff").unwrap(), vec![0x00, 0xab, 0xff]);
        assert_eq!(decode(b"0"), Err(DecodeError::OddLength(1)));
        assert_eq!(
            decode(b"0g"),
            Err(DecodeError::InvalidCharacter {
                character: 'g',
                offset: 1
            })
        );
    }
}
