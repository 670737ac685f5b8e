//! Provider-defined functions (protocol 6.5, Terraform 1.8+): a signature
//! and a call from known arguments to a value. Terraform checks the
//! arguments' types and null-ness against the signature before it calls,
//! and returns unknown itself while an argument is unknown, since no
//! parameter here accepts unknown values.

use super::proto;
use super::value::{Type, Value};

/// One parameter of a function.
#[derive(Clone, Debug)]
pub struct Parameter {
    pub name: String,
    pub ty: Type,
    pub description: String,
}

impl Parameter {
    pub fn new(name: &str, ty: Type, description: &str) -> Parameter {
        Parameter {
            name: name.to_owned(),
            ty,
            description: description.to_owned(),
        }
    }
}

/// What a function takes and returns.
#[derive(Clone, Debug)]
pub struct Signature {
    pub summary: String,
    pub description: String,
    pub parameters: Vec<Parameter>,
    /// Taken zero or more times after the fixed parameters.
    pub variadic: Option<Parameter>,
    pub returns: Type,
}

/// A refusal of the arguments, or of the call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionError {
    pub text: String,
    /// The argument at fault (0-based over all arguments, the variadic ones
    /// included), which Terraform points at.
    pub argument: Option<usize>,
}

impl FunctionError {
    pub fn at(argument: usize, text: impl Into<String>) -> FunctionError {
        FunctionError {
            text: text.into(),
            argument: Some(argument),
        }
    }
}

/// A provider-defined function.
pub trait Function: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    fn signature(&self) -> Signature;
    /// Run with every argument known and non-null, decoded with the
    /// signature's types.
    fn call(&self, args: &[Value]) -> Result<Value, FunctionError>;
}

fn parameter_to_proto(p: &Parameter) -> proto::function::Parameter {
    proto::function::Parameter {
        name: p.name.clone(),
        r#type: p.ty.to_json().to_string().into_bytes(),
        allow_null_value: false,
        allow_unknown_values: false,
        description: p.description.clone(),
        description_kind: proto::StringKind::Markdown as i32,
    }
}

pub(crate) fn to_proto(s: &Signature) -> proto::Function {
    proto::Function {
        parameters: s.parameters.iter().map(parameter_to_proto).collect(),
        variadic_parameter: s.variadic.as_ref().map(parameter_to_proto),
        r#return: Some(proto::function::Return {
            r#type: s.returns.to_json().to_string().into_bytes(),
        }),
        summary: s.summary.clone(),
        description: s.description.clone(),
        description_kind: proto::StringKind::Markdown as i32,
        deprecation_message: String::new(),
    }
}

/// The type of argument `i` under a signature, or `None` past its end.
pub(crate) fn argument_type(s: &Signature, i: usize) -> Option<&Type> {
    s.parameters
        .get(i)
        .map(|p| &p.ty)
        .or(s.variadic.as_ref().map(|v| &v.ty))
}
