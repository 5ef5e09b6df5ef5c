//! The text of a message: required, not blank, at most 1,600 characters.

/// Longest body accepted, in characters (Twilio's own limit for a concatenated SMS).
pub const MAX_BODY_CHARS: usize = 1600;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageBody(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageBodyError {
    #[error("'Body' must not be empty.")]
    Empty,
    #[error("'Body' must be {MAX_BODY_CHARS} characters or fewer. You entered {0} characters.")]
    TooLong(usize),
}

impl MessageBody {
    pub fn parse(text: &str) -> Result<Self, MessageBodyError> {
        if text.trim().is_empty() {
            return Err(MessageBodyError::Empty);
        }
        let chars = text.chars().count();
        if chars > MAX_BODY_CHARS {
            return Err(MessageBodyError::TooLong(chars));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_bodies_are_rejected() {
        assert_eq!(MessageBody::parse(""), Err(MessageBodyError::Empty));
        assert_eq!(MessageBody::parse(" \n\t"), Err(MessageBodyError::Empty));
    }

    #[test]
    fn length_is_counted_in_characters_not_bytes() {
        let emoji = "😀".repeat(MAX_BODY_CHARS);
        assert!(MessageBody::parse(&emoji).is_ok());
        let too_long = "a".repeat(MAX_BODY_CHARS + 1);
        assert_eq!(
            MessageBody::parse(&too_long),
            Err(MessageBodyError::TooLong(MAX_BODY_CHARS + 1))
        );
    }
}
