//! evo's opt-out management (issue #6): ListOptOuts, DeleteOptOut and their descriptions.

use crate::domain::OptOut;
use crate::error::Error;
use crate::wire::fields::{Fields, FromFields};
use crate::wire::schema::{DtoDef, FieldDef, Pattern, Rules, Source, Ty};
use crate::wire::value::{Dto, Object, ns};

const ENDPOINT_ID_RULES: Rules = Rules {
    required: true,
    min_length: Some(1),
    ..Rules::NONE
};

pub static LIST_OPT_OUTS: DtoDef = DtoDef {
    name: "ListOptOuts",
    namespace: ns::ENDPOINTS,
    description: "Lists the addresses that opted out of an endpoint's messages, oldest first (evo extension)",
    fields: &[FieldDef::new("EndpointId", Ty::String, Source::Path)
        .describe("The ID of the phone number endpoint")
        .rules(ENDPOINT_ID_RULES)],
};

pub static DELETE_OPT_OUT: DtoDef = DtoDef {
    name: "DeleteOptOut",
    namespace: ns::ENDPOINTS,
    description: "Lifts an opt-out, so the endpoint may send to the address again (evo extension)",
    fields: &[
        FieldDef::new("EndpointId", Ty::String, Source::Path)
            .describe("The ID of the phone number endpoint")
            .rules(ENDPOINT_ID_RULES),
        FieldDef::new("Address", Ty::String, Source::Path)
            .describe(
                "The opted-out address in E.164, e.g. +15556667777 (%2B15556667777 in a path)",
            )
            .rules(Rules {
                required: true,
                pattern: Some(Pattern::Computed(crate::domain::e164_pattern)),
                ..Rules::NONE
            }),
    ],
};

pub static OPT_OUT_INFO: DtoDef = DtoDef {
    name: "OptOutInfo",
    namespace: ns::ENDPOINTS,
    description: "",
    fields: &[
        FieldDef::new("Address", Ty::String, Source::Form)
            .describe("The address that may not be sent SMS from the endpoint"),
        FieldDef::new("DateCreated", Ty::String, Source::Form)
            .describe("When it opted out (or was opted out by an administrator)"),
    ],
};

pub static LIST_OPT_OUTS_RESPONSE: DtoDef = DtoDef {
    name: "ListOptOutsResponse",
    namespace: ns::ENDPOINTS,
    description: "",
    fields: &[FieldDef::new(
        "OptOuts",
        Ty::List(&Ty::Dto(&OPT_OUT_INFO)),
        Source::Form,
    )],
};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListOptOuts {
    pub endpoint_id: Option<String>,
}

impl FromFields for ListOptOuts {
    fn from_fields(f: &Fields) -> Result<Self, Error> {
        Ok(Self {
            endpoint_id: f.text("EndpointId").map(str::to_owned),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeleteOptOut {
    pub endpoint_id: Option<String>,
    pub address: Option<String>,
}

impl FromFields for DeleteOptOut {
    fn from_fields(f: &Fields) -> Result<Self, Error> {
        Ok(Self {
            endpoint_id: f.text("EndpointId").map(str::to_owned),
            address: f.text("Address").map(str::to_owned),
        })
    }
}

pub struct OptOutInfo<'a>(pub &'a OptOut);

impl Dto for OptOutInfo<'_> {
    fn to_wire(&self) -> Object {
        Object::new(OPT_OUT_INFO.name, ns::ENDPOINTS)
            .field("Address", self.0.address.as_str())
            .field("DateCreated", self.0.created.to_rfc3339())
    }
}

pub struct ListOptOutsResponse(pub Vec<OptOut>);

impl Dto for ListOptOutsResponse {
    fn to_wire(&self) -> Object {
        let items: Vec<Object> = self.0.iter().map(|o| OptOutInfo(o).to_wire()).collect();
        Object::new(LIST_OPT_OUTS_RESPONSE.name, ns::ENDPOINTS)
            .field("OptOuts", items)
            .list_of("OptOuts", &OPT_OUT_INFO)
    }
}
