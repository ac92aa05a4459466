//! Nix's base-32 encoding.
//!
//! This is not RFC 4648 base32: the alphabet omits `e`, `o`, `u` and `t`,
//! and bytes are consumed from the *end* of the input, so the first
//! character printed holds the most significant bits of the last byte.
//! Nix prints a 32-byte SHA-256 as 52 characters and a 20-byte store path
//! digest as 32.

/// The 32 characters Nix uses, in digit order.
pub const ALPHABET: &[u8; 32] = b"0123456789abcdfghijklmnpqrsvwxyz";

/// Maps an ASCII byte to its digit, or `0xff` when it is not in [`ALPHABET`].
const DECODE: [u8; 256] = {
    let mut table = [0xffu8; 256];
    let mut i = 0;
    while i < 32 {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Why a string is not valid nixbase32 for the requested length.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The input has a character outside the alphabet.
    #[error("invalid character {character:?} at offset {offset}")]
    InvalidCharacter {
        /// The offending character.
        character: char,
        /// Its byte offset in the input.
        offset: usize,
    },
    /// The input has the wrong length for the requested number of bytes.
    #[error("expected {expected} characters, got {actual}")]
    WrongLength {
        /// Characters needed to encode the requested bytes.
        expected: usize,
        /// Characters given.
        actual: usize,
    },
    /// The first character sets bits beyond the decoded length.
    #[error("the leading character sets bits beyond the hash length")]
    Overflow,
}

/// Number of characters needed to encode `len` bytes.
#[must_use]
pub const fn encoded_len(len: usize) -> usize {
    if len == 0 { 0 } else { (len * 8 - 1) / 5 + 1 }
}

/// Number of bytes a string of `len` characters decodes to.
#[must_use]
pub const fn decoded_len(len: usize) -> usize {
    len * 5 / 8
}

/// Encodes `input` as nixbase32.
#[must_use]
pub fn encode(input: &[u8]) -> String {
    let len = encoded_len(input.len());
    let mut out = Vec::with_capacity(len);
    for n in (0..len).rev() {
        let b = n * 5;
        let i = b / 8;
        let j = b % 8;
        let low = u16::from(input[i]) >> j;
        let high = if i + 1 < input.len() {
            u16::from(input[i + 1]) << (8 - j)
        } else {
            0
        };
        out.push(ALPHABET[usize::from((low | high) & 0x1f)]);
    }
    // Every byte pushed comes from ALPHABET, which is ASCII.
    String::from_utf8(out).unwrap_or_default()
}

/// Decodes a nixbase32 string into exactly `len` bytes, with Nix's rules:
/// the string must be [`encoded_len`]`(len)` characters long and must not
/// set bits past the end of the output.
pub fn decode_exact(input: &[u8], len: usize) -> Result<Vec<u8>, DecodeError> {
    let expected = encoded_len(len);
    if input.len() != expected {
        return Err(DecodeError::WrongLength {
            expected,
            actual: input.len(),
        });
    }
    let mut out = vec![0u8; len];
    for (n, &c) in input.iter().rev().enumerate() {
        let digit = DECODE[usize::from(c)];
        if digit == 0xff {
            return Err(DecodeError::InvalidCharacter {
                character: char::from(c),
                offset: input.len() - n - 1,
            });
        }
        let b = n * 5;
        let i = b / 8;
        let j = b % 8;
        out[i] |= digit << j;
        let carry = u16::from(digit) >> (8 - j);
        if i + 1 < len {
            out[i + 1] |= carry as u8;
        } else if carry != 0 {
            return Err(DecodeError::Overflow);
        }
    }
    Ok(out)
}

/// Decodes a nixbase32 string of any valid length; the output has
/// [`decoded_len`] bytes.
pub fn decode(input: &[u8]) -> Result<Vec<u8>, DecodeError> {
    let len = decoded_len(input.len());
    if encoded_len(len) != input.len() {
        return Err(DecodeError::WrongLength {
            expected: encoded_len(len),
            actual: input.len(),
        });
    }
    decode_exact(input, len)
}

/// Whether `c` is a nixbase32 digit.
#[must_use]
pub fn is_digit(c: u8) -> bool {
    DECODE[usize::from(c)] != 0xff
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_values() {
        // sha256("") as Nix prints it.
        let digest = [
            0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f,
            0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b,
            0x78, 0x52, 0xb8, 0x55,
        ];
        assert_eq!(
            encode(&digest),
            "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73"
        );
        assert_eq!(
            decode_exact(b"0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73", 32).unwrap(),
            digest
        );
        assert_eq!(encode(&[]), "");
        assert_eq!(encode(&[0x1f]), "0z");
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(
            decode_exact(b"e0", 1),
            Err(DecodeError::InvalidCharacter {
                character: 'e',
                offset: 0
            })
        );
        // "z" in the leading position of a 1-byte value would need 10 bits.
        assert_eq!(decode_exact(b"zz", 1), Err(DecodeError::Overflow));
        assert!(matches!(
            decode_exact(b"000", 1),
            Err(DecodeError::WrongLength { .. })
        ));
    }

    proptest! {
        #[test]
        fn round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            let text = encode(&bytes);
            prop_assert_eq!(text.len(), encoded_len(bytes.len()));
            prop_assert_eq!(decode_exact(text.as_bytes(), bytes.len()).unwrap(), bytes);
        }
    }
}
