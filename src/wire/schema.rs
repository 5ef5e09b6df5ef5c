//! Static descriptions of the contract's types: what metadata, generated client types and the
//! OpenAPI document are built from. Each operation names its request and response type here, so
//! every description comes from the same registry that routes requests.

/// A property type.
#[derive(Debug, Clone, Copy)]
pub enum Ty {
    String,
    Int,
    Bool,
    Enum(&'static EnumDef),
    Dto(&'static DtoDef),
    List(&'static Ty),
}

impl Ty {
    /// The C#-style name ServiceStack's metadata uses (`string`, `List<string>`, `MessageInfo`).
    pub fn type_name(&self) -> String {
        match self {
            Ty::String => "string".to_owned(),
            Ty::Int => "int".to_owned(),
            Ty::Bool => "bool".to_owned(),
            Ty::Enum(e) => e.name.to_owned(),
            Ty::Dto(d) => d.name.to_owned(),
            Ty::List(inner) => format!("List<{}>", inner.type_name()),
        }
    }
}

#[derive(Debug)]
pub struct EnumDef {
    pub name: &'static str,
    pub namespace: &'static str,
    pub members: &'static [&'static str],
}

/// Where the metadata page says a request property comes from (descriptive only, R27).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Path,
    Query,
    Body,
    Form,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Path => "path",
            Source::Query => "query",
            Source::Body => "body",
            Source::Form => "form",
        }
    }
}

#[derive(Debug)]
pub struct FieldDef {
    pub name: &'static str,
    pub ty: Ty,
    /// What the Evo metadata pages say (`[ApiMember(IsRequired)]`); evo's own validation rules
    /// are in `rules`.
    pub required: bool,
    pub source: Source,
    pub description: &'static str,
    pub rules: Rules,
}

/// What evo's validation accepts for a property, for the OpenAPI document.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    pub required: bool,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    /// An ECMA-262 pattern the whole value matches.
    pub pattern: Option<Pattern>,
    pub minimum: Option<i64>,
    /// Accepted values of a string (case-insensitively by evo).
    pub one_of: &'static [&'static str],
}

/// A pattern: fixed, or computed once (phone numbers, from the libphonenumber metadata).
#[derive(Debug, Clone, Copy)]
pub enum Pattern {
    Fixed(&'static str),
    Computed(fn() -> String),
}

impl Pattern {
    pub fn text(&self) -> String {
        match self {
            Pattern::Fixed(p) => (*p).to_owned(),
            Pattern::Computed(f) => f(),
        }
    }
}

impl Rules {
    pub const NONE: Rules = Rules {
        required: false,
        min_length: None,
        max_length: None,
        pattern: None,
        minimum: None,
        one_of: &[],
    };
}

impl FieldDef {
    pub const fn new(name: &'static str, ty: Ty, source: Source) -> Self {
        Self {
            name,
            ty,
            required: false,
            source,
            description: "",
            rules: Rules::NONE,
        }
    }

    pub const fn describe(mut self, description: &'static str) -> Self {
        self.description = description;
        self
    }

    pub const fn rules(mut self, rules: Rules) -> Self {
        self.rules = rules;
        self
    }
}

#[derive(Debug)]
pub struct DtoDef {
    pub name: &'static str,
    pub namespace: &'static str,
    pub description: &'static str,
    /// Properties in declaration order (inherited ones included, base first).
    pub fields: &'static [FieldDef],
}

impl DtoDef {
    /// Every enum and DTO this type refers to, itself first, each once.
    pub fn referenced(&'static self) -> Vec<TypeRef> {
        let mut seen = Vec::new();
        collect(TypeRef::Dto(self), &mut seen);
        seen
    }
}

/// A named type in a description.
#[derive(Debug, Clone, Copy)]
pub enum TypeRef {
    Dto(&'static DtoDef),
    Enum(&'static EnumDef),
}

impl TypeRef {
    pub fn name(&self) -> &'static str {
        match self {
            TypeRef::Dto(d) => d.name,
            TypeRef::Enum(e) => e.name,
        }
    }
}

fn collect(t: TypeRef, seen: &mut Vec<TypeRef>) {
    if seen.iter().any(|s| s.name() == t.name()) {
        return;
    }
    seen.push(t);
    if let TypeRef::Dto(d) = t {
        for f in d.fields {
            collect_ty(&f.ty, seen);
        }
    }
}

fn collect_ty(ty: &Ty, seen: &mut Vec<TypeRef>) {
    match ty {
        Ty::Enum(e) => collect(TypeRef::Enum(e), seen),
        Ty::Dto(d) => collect(TypeRef::Dto(d), seen),
        Ty::List(inner) => collect_ty(inner, seen),
        Ty::String | Ty::Int | Ty::Bool => {}
    }
}
