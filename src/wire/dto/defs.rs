//! The contract's types as static descriptions (contract section b; descriptions from the Evo
//! Voice metadata pages).

use crate::wire::schema::{DtoDef, EnumDef, FieldDef, Pattern, Rules, Source, Ty};
use crate::wire::value::ns;

const STRINGS: Ty = Ty::List(&Ty::String);

/// Plain text (`domain::is_plain_text`) with something other than white space in it.
const PLAIN_TEXT: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\uFFFE\\uFFFF]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\uFFFE\\uFFFF][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\uFFFE\\uFFFF]*$";

/// RFC 3339 (seconds 00-59, days up to 28 so every month has them) or a plain date.
const AFTER_DATE: &str = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9]))?$";

/// Something other than white space: a blank id is refused ('Id' must not be empty).
const NOT_BLANK: &str = "^[\\s\\S]*\\S[\\s\\S]*$";

/// An id in the path: required, and not blank.
const PATH_ID_RULES: Rules = Rules {
    required: true,
    min_length: Some(1),
    pattern: Some(Pattern::Fixed(NOT_BLANK)),
    ..Rules::NONE
};

const AFTER_DATE_RULES: Rules = Rules {
    pattern: Some(Pattern::Fixed(AFTER_DATE)),
    ..Rules::NONE
};

pub static MESSAGE_DIRECTIONS: EnumDef = EnumDef {
    name: "MessageDirections",
    namespace: ns::MESSAGING,
    members: &["Incoming", "Outgoing"],
};

pub static SORT_ORDERS: EnumDef = EnumDef {
    name: "SortOrders",
    namespace: ns::API,
    members: &["Ascend", "Descend"],
};

pub static SEND_MESSAGE: DtoDef = DtoDef {
    name: "SendMessage",
    namespace: ns::SESSIONS,
    description: "",
    fields: &[
        FieldDef::new("SessionId", Ty::String, Source::Path).describe(
            "The ID of the session you want to post a message to. Specify either this or EndpointId+ToAddress",
        ),
        FieldDef::new("EndpointId", Ty::String, Source::Body)
            .describe(
                "The ID of the endpoint you want to post a message to. Typically the ID of a phone number endpoint. Not used if SessionId is specified",
            )
            .rules(Rules {
                required: true,
                min_length: Some(1),
                ..Rules::NONE
            }),
        FieldDef::new("ToAddress", Ty::String, Source::Body)
            .describe(
                "The address of the party you want to send a message to, e.g. +15556667777. Not used if SessionId is specified",
            )
            .rules(Rules {
                required: true,
                pattern: Some(Pattern::Computed(crate::domain::e164_pattern)),
                ..Rules::NONE
            }),
        FieldDef::new("Body", Ty::String, Source::Body)
            .describe("The body of the message")
            .rules(Rules {
                required: true,
                min_length: Some(1),
                max_length: Some(1600),
                pattern: Some(Pattern::Fixed(PLAIN_TEXT)),
                ..Rules::NONE
            }),
    ],
};

pub static MESSAGE_INFO: DtoDef = DtoDef {
    name: "MessageInfo",
    namespace: ns::MESSAGING,
    description: "",
    fields: &[
        FieldDef::new("Id", Ty::String, Source::Form),
        FieldDef::new("AccountId", Ty::String, Source::Form),
        FieldDef::new("CustomerId", Ty::String, Source::Form),
        FieldDef::new("EndpointId", Ty::String, Source::Form),
        FieldDef::new("EndpointDisplayName", Ty::String, Source::Form),
        FieldDef::new("Date", Ty::String, Source::Form),
        FieldDef::new("Direction", Ty::Enum(&MESSAGE_DIRECTIONS), Source::Form),
        FieldDef::new("OtherAddress", Ty::String, Source::Form),
        FieldDef::new("Sender", Ty::String, Source::Form),
        FieldDef::new("Text", Ty::String, Source::Form),
        FieldDef::new("IsUnread", Ty::Bool, Source::Form),
    ],
};

/// `ListRequest<T>`'s paging fields (contract b.3), shared by every list operation.
macro_rules! list_request_fields {
    ($($own:expr),* $(,)?) => {
        &[
            FieldDef::new("Page", Ty::Int, Source::Query).describe("The page of data to retrieve, 0 based").rules(Rules { minimum: Some(0), ..Rules::NONE }),
            FieldDef::new("All", Ty::Bool, Source::Query).describe("If you want all objects to be returned. This should be used with care"),
            FieldDef::new("CountPerPage", Ty::Int, Source::Query).describe("The number per page to retrieve"),
            FieldDef::new("SpecificIds", STRINGS, Source::Query).describe("Specific IDs"),
            FieldDef::new("SortField", Ty::String, Source::Query).describe("Specify a sort field: date or id").rules(Rules { one_of: &["date", "id"], ..Rules::NONE }),
            FieldDef::new("SortOrder", Ty::Enum(&SORT_ORDERS), Source::Query).describe("Specify a sort order"),
            FieldDef::new("SimplifiedPaging", Ty::Bool, Source::Query).describe("Disables total / page counts - improves performance. Returns only data. If there is no more data, Items will be empty array"),
            $($own),*
        ]
    };
}

/// `ListResponse<T>`'s fields (contract b.3).
macro_rules! list_response_fields {
    ($item:ident) => {
        &[
            FieldDef::new("Items", Ty::List(&Ty::Dto(&$item)), Source::Form).describe("The items"),
            FieldDef::new("TotalCount", Ty::Int, Source::Form)
                .describe("The total number of items"),
            FieldDef::new("TotalPages", Ty::Int, Source::Form)
                .describe("The total number of pages"),
            FieldDef::new("HasMorePages", Ty::Bool, Source::Form)
                .describe("Are there more pages of items? Used with simplified paging"),
        ]
    };
}

pub static LIST_MESSAGES: DtoDef = DtoDef {
    name: "ListMessages",
    namespace: ns::MESSAGING,
    description: "Lists all messages",
    fields: list_request_fields![
        FieldDef::new("AccountIds", STRINGS, Source::Query).describe("Filter by account"),
        FieldDef::new("CustomerIds", STRINGS, Source::Query).describe("Filter by customer"),
        FieldDef::new("EndpointIds", STRINGS, Source::Query).describe("Filter by endpoint"),
        FieldDef::new("ConversationIds", STRINGS, Source::Query).describe("Filter by conversation"),
        FieldDef::new("AfterDate", Ty::String, Source::Query)
            .describe("Only messages after this date (RFC 3339 or YYYY-MM-DD)")
            .rules(AFTER_DATE_RULES),
    ],
};

pub static LIST_RESPONSE_OF_MESSAGE_INFO: DtoDef = DtoDef {
    name: "ListResponseOfMessageInfo",
    namespace: ns::API,
    description: "ListResponse<MessageInfo>",
    fields: list_response_fields!(MESSAGE_INFO),
};

pub static LIST_CONVERSATIONS: DtoDef = DtoDef {
    name: "ListConversations",
    namespace: ns::MESSAGING,
    description: "Lists conversations, most recent first (at most 500)",
    fields: &[
        FieldDef::new("AccountIds", STRINGS, Source::Query).describe("Filter by account"),
        FieldDef::new("EndpointIds", STRINGS, Source::Query).describe("Filter by endpoint"),
        FieldDef::new("CustomerIds", STRINGS, Source::Query).describe("Filter by customer"),
        FieldDef::new("AfterDate", Ty::String, Source::Query)
            .describe("Only conversations with a message after this date")
            .rules(AFTER_DATE_RULES),
        FieldDef::new("UnreadOnly", Ty::Bool, Source::Query)
            .describe("Only conversations with unread messages (evo extension)"),
    ],
};

pub static CONVERSATION_INFO: DtoDef = DtoDef {
    name: "ConversationInfo",
    namespace: ns::MESSAGING,
    description: "",
    fields: &[
        FieldDef::new("Id", Ty::String, Source::Form),
        FieldDef::new("EndpointId", Ty::String, Source::Form),
        FieldDef::new("OtherAddress", Ty::String, Source::Form),
        FieldDef::new("MostRecentMessage", Ty::Dto(&MESSAGE_INFO), Source::Form),
        FieldDef::new("UnreadCount", Ty::Int, Source::Form)
            .describe("Unread incoming messages (evo extension)"),
    ],
};

pub static LIST_CONVERSATIONS_RESPONSE: DtoDef = DtoDef {
    name: "ListConversationsResponse",
    namespace: ns::MESSAGING,
    description: "",
    fields: &[FieldDef::new(
        "Conversations",
        Ty::List(&Ty::Dto(&CONVERSATION_INFO)),
        Source::Form,
    )],
};

pub static AUTHENTICATE: DtoDef = DtoDef {
    name: "Authenticate",
    namespace: ns::SERVICESTACK,
    description: "Sign in with a user name and password (provider 'credentials'), read the current session (GET) or sign out (provider 'logout')",
    fields: &[
        FieldDef::new("provider", Ty::String, Source::Path)
            .describe("AuthProvider, e.g. credentials"),
        FieldDef::new("UserName", Ty::String, Source::Body),
        FieldDef::new("Password", Ty::String, Source::Body),
        FieldDef::new("RememberMe", Ty::Bool, Source::Body),
    ],
};

pub static RESPONSE_ERROR: DtoDef = DtoDef {
    name: "ResponseError",
    namespace: ns::SERVICESTACK,
    description: "",
    fields: &[
        FieldDef::new("ErrorCode", Ty::String, Source::Form),
        FieldDef::new("FieldName", Ty::String, Source::Form),
        FieldDef::new("Message", Ty::String, Source::Form),
    ],
};

pub static RESPONSE_STATUS: DtoDef = DtoDef {
    name: "ResponseStatus",
    namespace: ns::SERVICESTACK,
    description: "",
    fields: &[
        FieldDef::new("ErrorCode", Ty::String, Source::Form),
        FieldDef::new("Message", Ty::String, Source::Form),
        FieldDef::new("StackTrace", Ty::String, Source::Form),
        FieldDef::new("Errors", Ty::List(&Ty::Dto(&RESPONSE_ERROR)), Source::Form),
    ],
};

pub static ERROR_RESPONSE: DtoDef = DtoDef {
    name: "ErrorResponse",
    namespace: ns::SERVICESTACK,
    description: "",
    fields: &[FieldDef::new(
        "ResponseStatus",
        Ty::Dto(&RESPONSE_STATUS),
        Source::Form,
    )],
};

pub static AUTHENTICATE_RESPONSE: DtoDef = DtoDef {
    name: "AuthenticateResponse",
    namespace: ns::SERVICESTACK,
    description: "",
    fields: &[
        FieldDef::new("UserId", Ty::String, Source::Form),
        FieldDef::new("SessionId", Ty::String, Source::Form),
        FieldDef::new("UserName", Ty::String, Source::Form),
        FieldDef::new("DisplayName", Ty::String, Source::Form),
        FieldDef::new("ReferrerUrl", Ty::String, Source::Form),
        FieldDef::new("BearerToken", Ty::String, Source::Form),
        FieldDef::new("RefreshToken", Ty::String, Source::Form),
        FieldDef::new("ProfileUrl", Ty::String, Source::Form),
        FieldDef::new("Roles", STRINGS, Source::Form),
        FieldDef::new("Permissions", STRINGS, Source::Form),
        FieldDef::new("ResponseStatus", Ty::Dto(&RESPONSE_STATUS), Source::Form),
    ],
};

pub static GET_AUTH_STATUS: DtoDef = DtoDef {
    name: "GetAuthStatus",
    namespace: ns::AUTHENTICATION,
    description: "Gets the current authenticated status or null",
    fields: &[],
};

pub static USER_INFO: DtoDef = DtoDef {
    name: "UserInfo",
    namespace: ns::AUTHENTICATION,
    description: "",
    fields: &[
        FieldDef::new("Id", Ty::String, Source::Form),
        FieldDef::new("IsAuthenticated", Ty::Bool, Source::Form),
        FieldDef::new("FirstName", Ty::String, Source::Form),
        FieldDef::new("LastName", Ty::String, Source::Form),
        FieldDef::new("Name", Ty::String, Source::Form),
        FieldDef::new("AvatarUrl", Ty::String, Source::Form),
        FieldDef::new("EmailAddress", Ty::String, Source::Form),
        FieldDef::new("Roles", STRINGS, Source::Form),
        FieldDef::new("AccountIds", STRINGS, Source::Form),
        FieldDef::new("AccountNames", STRINGS, Source::Form),
        FieldDef::new("DashboardPermissions", STRINGS, Source::Form),
    ],
};

/// evo extension: a message's delivery details (`GET /messages/{Id}/delivery`).
pub static GET_MESSAGE_DELIVERY: DtoDef = DtoDef {
    name: "GetMessageDelivery",
    namespace: ns::MESSAGING,
    description: "Gets the delivery details of an outgoing message (evo extension)",
    fields: &[FieldDef::new("Id", Ty::String, Source::Path)
        .describe("The ID of the message")
        .rules(PATH_ID_RULES)],
};

pub static DELIVERY_INFO: DtoDef = DtoDef {
    name: "DeliveryInfo",
    namespace: ns::MESSAGING,
    description: "Delivery details of an outgoing message (evo extension)",
    fields: &[
        FieldDef::new("MessageId", Ty::String, Source::Form),
        FieldDef::new("Status", Ty::String, Source::Form).describe(
            "Queued, Sending, Unknown (reconciling), Sent, Delivered, Undelivered, Failed or Expired",
        ),
        FieldDef::new("Segments", Ty::Int, Source::Form).describe("SMS segments the body costs"),
        FieldDef::new("Encoding", Ty::String, Source::Form).describe("GSM-7 or UCS-2"),
        FieldDef::new("CarrierSid", Ty::String, Source::Form)
            .describe("The carrier's id for the message, once it has taken it"),
        FieldDef::new("Attempts", Ty::Int, Source::Form)
            .describe("Hand-offs to the carrier attempted"),
        FieldDef::new("LastError", Ty::String, Source::Form)
            .describe("Why the last attempt failed, or why the message failed or expired"),
        FieldDef::new("DateCreated", Ty::String, Source::Form),
        FieldDef::new("DateUpdated", Ty::String, Source::Form),
        FieldDef::new("DateSent", Ty::String, Source::Form)
            .describe("When the carrier took the message"),
        FieldDef::new("DateFinished", Ty::String, Source::Form)
            .describe("When the message reached a final state"),
    ],
};

// Sessions (contract a.2, b.4). Voice-only fields keep their defaults for Chat sessions.

pub static SESSION_DIAL_STATE: EnumDef = EnumDef {
    name: "SessionDialState",
    namespace: ns::SESSIONS,
    members: &["None", "Active"],
};

pub static SESSION_CALL_STATE: EnumDef = EnumDef {
    name: "SessionCallState",
    namespace: ns::SESSIONS,
    members: &["Disconnected", "Ringing", "Connected", "Hold", "Passive"],
};

pub static SESSION_QUEUE_STATES: EnumDef = EnumDef {
    name: "SessionQueueStates",
    namespace: ns::SESSIONS,
    members: &[
        "None",
        "Queued",
        "Ringing",
        "Connected",
        "Hold",
        "Disconnected",
    ],
};

pub static FLOW_CHANNELS: EnumDef = EnumDef {
    name: "FlowChannels",
    namespace: ns::API,
    members: &["Voice", "Chat", "Fax"],
};

pub static SESSION_HOLD_REASONS: EnumDef = EnumDef {
    name: "SessionHoldReasons",
    namespace: ns::SESSIONS,
    members: &["None", "Transferring"],
};

pub static CUSTOMER_BREADCRUMB: DtoDef = DtoDef {
    name: "CustomerBreadcrumb",
    namespace: ns::API,
    description: "",
    fields: &[
        FieldDef::new("Id", Ty::String, Source::Form),
        FieldDef::new("Name", Ty::String, Source::Form),
    ],
};

pub static SESSION_INFO: DtoDef = DtoDef {
    name: "SessionInfo",
    namespace: ns::SESSIONS,
    description: "",
    fields: &[
        FieldDef::new("DialState", Ty::Enum(&SESSION_DIAL_STATE), Source::Form),
        FieldDef::new("CallState", Ty::Enum(&SESSION_CALL_STATE), Source::Form),
        FieldDef::new("QueueState", Ty::Enum(&SESSION_QUEUE_STATES), Source::Form),
        FieldDef::new("AccountId", Ty::String, Source::Form),
        FieldDef::new("AccountName", Ty::String, Source::Form),
        FieldDef::new("CustomerId", Ty::String, Source::Form),
        FieldDef::new(
            "CustomerBreadcrumb",
            Ty::List(&Ty::Dto(&CUSTOMER_BREADCRUMB)),
            Source::Form,
        ),
        FieldDef::new("CustomerName", Ty::String, Source::Form),
        FieldDef::new("EndpointId", Ty::String, Source::Form),
        FieldDef::new("EndpointName", Ty::String, Source::Form),
        FieldDef::new("DateCompleted", Ty::String, Source::Form),
        FieldDef::new("Destination", Ty::String, Source::Form),
        FieldDef::new("ToAddress", Ty::String, Source::Form),
        FieldDef::new("FromAddress", Ty::String, Source::Form),
        FieldDef::new("FromName", Ty::String, Source::Form),
        FieldDef::new("AnsweredByName", Ty::String, Source::Form),
        FieldDef::new("QueueMemberId", Ty::String, Source::Form),
        FieldDef::new("Channel", Ty::Enum(&FLOW_CHANNELS), Source::Form),
        FieldDef::new("Ended", Ty::Bool, Source::Form),
        FieldDef::new("Outcome", Ty::String, Source::Form),
        FieldDef::new("CallSid", Ty::String, Source::Form),
        FieldDef::new("ConsoleData", Ty::String, Source::Form),
        FieldDef::new("HoldQueueName", Ty::String, Source::Form),
        FieldDef::new("HeldByUserId", Ty::String, Source::Form),
        FieldDef::new("HoldReason", Ty::Enum(&SESSION_HOLD_REASONS), Source::Form),
        FieldDef::new("ConferenceSid", Ty::String, Source::Form),
        FieldDef::new("Id", Ty::String, Source::Form),
        FieldDef::new("DateCreated", Ty::String, Source::Form),
        FieldDef::new("DateLastModified", Ty::String, Source::Form),
        FieldDef::new("CreatedBy", Ty::String, Source::Form),
        FieldDef::new("LastModifiedBy", Ty::String, Source::Form),
    ],
};

const SESSION_ID_PATH: FieldDef = FieldDef::new("SessionId", Ty::String, Source::Path)
    .describe("The ID of the session")
    .rules(PATH_ID_RULES);

pub static LIST_SESSIONS: DtoDef = DtoDef {
    name: "ListSessions",
    namespace: ns::SESSIONS,
    description: "Lists sessions, most recent first (evo: Chat sessions)",
    fields: list_request_fields![
        FieldDef::new("AccountIds", STRINGS, Source::Query).describe("Filter by account"),
        FieldDef::new("SearchArchive", Ty::Bool, Source::Query)
            .describe("Search the archive too (evo keeps every session in one place)"),
        FieldDef::new("StartDate", Ty::String, Source::Query)
            .describe("Sessions created on or after this date (YYYY-MM-DD or RFC 3339)")
            .rules(AFTER_DATE_RULES),
        FieldDef::new("EndDate", Ty::String, Source::Query)
            .describe("Sessions created on or before this date (YYYY-MM-DD or RFC 3339)")
            .rules(AFTER_DATE_RULES),
        FieldDef::new("CustomerIds", STRINGS, Source::Query).describe("Filter by customer"),
        FieldDef::new("EndpointIds", STRINGS, Source::Query).describe("Filter by endpoint"),
        FieldDef::new("From", Ty::String, Source::Query)
            .describe("The remote address contains this"),
        FieldDef::new("To", Ty::String, Source::Query)
            .describe("The endpoint's number contains this"),
        FieldDef::new("Log", Ty::String, Source::Query).describe(
            "Text search in the session log (evo keeps no voice log: no session matches)"
        ),
        FieldDef::new("ParentSessionId", Ty::String, Source::Query)
            .describe("Child sessions of this one (Chat sessions have none)"),
    ],
};

pub static LIST_RESPONSE_OF_SESSION_INFO: DtoDef = DtoDef {
    name: "ListResponseOfSessionInfo",
    namespace: ns::API,
    description: "ListResponse<SessionInfo>",
    fields: list_response_fields!(SESSION_INFO),
};

pub static GET_SESSION: DtoDef = DtoDef {
    name: "GetSession",
    namespace: ns::SESSIONS,
    description: "Gets a session",
    fields: &[SESSION_ID_PATH],
};

const SESSION_INFOS: Ty = Ty::Dto(&SESSION_INFO);
const SESSIONS_FIELD: &[FieldDef] = &[FieldDef::new(
    "Sessions",
    Ty::List(&SESSION_INFOS),
    Source::Form,
)];

const OPEN_SESSIONS: &str =
    "The open Chat sessions of the endpoints in your accounts (evo has no agent assignment yet)";

pub static GET_MY_SESSIONS: DtoDef = DtoDef {
    name: "GetMySessions",
    namespace: ns::SESSIONS,
    description: OPEN_SESSIONS,
    fields: &[],
};

pub static GET_MY_SESSIONS_RESPONSE: DtoDef = DtoDef {
    name: "GetMySessionsResponse",
    namespace: ns::SESSIONS,
    description: "",
    fields: SESSIONS_FIELD,
};

pub static GET_ACTIVE_SESSIONS: DtoDef = DtoDef {
    name: "GetActiveSessions",
    namespace: ns::SESSIONS,
    description: OPEN_SESSIONS,
    fields: &[],
};

pub static GET_ACTIVE_SESSIONS_RESPONSE: DtoDef = DtoDef {
    name: "GetActiveSessionsResponse",
    namespace: ns::SESSIONS,
    description: "",
    fields: SESSIONS_FIELD,
};

pub static END_SESSION: DtoDef = DtoDef {
    name: "EndSession",
    namespace: ns::SESSIONS,
    description: "Ends a session; the next message from its address opens a new one (Evo's voice-only CallSid is not taken: evo has no calls)",
    fields: &[SESSION_ID_PATH],
};

pub static GET_CHAT_TRANSCRIPT: DtoDef = DtoDef {
    name: "GetChatTranscript",
    namespace: ns::SESSIONS,
    description: "The session's messages, oldest first; reading it as a User marks them read",
    fields: &[
        SESSION_ID_PATH,
        FieldDef::new("IncludeHistorical", Ty::Bool, Source::Query)
            .describe("Add the conversation's earlier sessions"),
        FieldDef::new("HistoricalCutOffDate", Ty::String, Source::Query)
            .describe("Earlier messages from this date on (at most 6 months back)")
            .rules(AFTER_DATE_RULES),
    ],
};

pub static CHAT_TRANSCRIPT_MESSAGE: DtoDef = DtoDef {
    name: "ChatTranscriptMessage",
    namespace: ns::SESSIONS,
    description: "",
    fields: &[
        FieldDef::new("Date", Ty::String, Source::Form),
        FieldDef::new("From", Ty::String, Source::Form),
        FieldDef::new("Body", Ty::String, Source::Form),
        FieldDef::new("MediaUri", Ty::String, Source::Form),
        FieldDef::new("MediaContentType", Ty::String, Source::Form),
    ],
};

pub static GET_CHAT_TRANSCRIPT_RESPONSE: DtoDef = DtoDef {
    name: "GetChatTranscriptResponse",
    namespace: ns::SESSIONS,
    description: "",
    fields: &[FieldDef::new(
        "Messages",
        Ty::List(&Ty::Dto(&CHAT_TRANSCRIPT_MESSAGE)),
        Source::Form,
    )],
};

/// evo extension (contract Q12): read state.
const SET_UNREAD_FIELDS: &[FieldDef] = &[
    FieldDef::new("Id", Ty::String, Source::Path).rules(PATH_ID_RULES),
    FieldDef::new("IsUnread", Ty::Bool, Source::Body)
        .describe("false marks read, true marks unread")
        .rules(Rules {
            required: true,
            ..Rules::NONE
        }),
];

pub static PATCH_CONVERSATION: DtoDef = DtoDef {
    name: "PatchConversation",
    namespace: ns::MESSAGING,
    description: "Marks every message of a conversation read (isUnread false), or its latest incoming message unread (evo extension)",
    fields: SET_UNREAD_FIELDS,
};

pub static PATCH_MESSAGE: DtoDef = DtoDef {
    name: "PatchMessage",
    namespace: ns::MESSAGING,
    description: "Marks one message read or unread (evo extension)",
    fields: SET_UNREAD_FIELDS,
};
