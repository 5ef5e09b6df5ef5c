//! Identifier newtypes, so an account id can never be passed where a message id belongs.
//! Ids are opaque strings on the wire; evo mints UUIDv7 (time-ordered) ones.

macro_rules! id_type {
    ($($name:ident),* $(,)?) => {$(
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn generate() -> Self {
                Self(uuid::Uuid::now_v7().simple().to_string())
            }

            /// Wraps an id read from storage or from a request. Unknown ids simply match nothing.
            pub fn from_string(s: impl Into<String>) -> Self {
                Self(s.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}

id_type!(
    AccountId,
    CustomerId,
    UserId,
    EndpointId,
    ConversationId,
    SessionId,
    MessageId,
    ApiKeyId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_distinct_and_time_ordered() {
        let a = MessageId::generate();
        let b = MessageId::generate();
        assert_ne!(a, b);
        assert!(a < b, "UUIDv7 ids sort by creation time");
        assert_eq!(a.as_str().len(), 32);
    }
}
