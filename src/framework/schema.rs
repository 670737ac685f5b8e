//! Schemas that declare plan behaviour, as terraform-plugin-framework's do:
//! per attribute a default, requires-replace, use-state-for-unknown and
//! validators; per block the constraints between attributes
//! (conflicts-with, exactly-one-of, at-least-one-of, required-with).
//!
//! [`ResourceSchema::to_schema`] gives the protocol's schema model; the plan
//! mechanics in [`super::plan`] and the checks in [`super::validate`] read
//! the rest.

use std::sync::Arc;

use crate::tfplugin::{self, Attribute, BlockNesting, Mode, NestedBlock, Type, Value};

use super::validator::Validator;

/// One attribute and how plans treat it.
#[derive(Clone)]
pub struct Attr {
    pub(crate) base: Attribute,
    /// Planned whenever the configuration leaves the attribute null.
    pub(crate) default: Option<Value>,
    /// A change of the planned value replaces the resource.
    pub(crate) replace: bool,
    /// A computed value that does not change on update: an update plans the
    /// prior value instead of "known after apply".
    pub(crate) keep_state: bool,
    pub(crate) validators: Vec<Arc<dyn Validator>>,
}

impl Attr {
    pub fn new(name: &str, ty: Type, mode: Mode, description: &str) -> Attr {
        Attr {
            base: Attribute::new(name, ty, mode, description),
            default: None,
            replace: false,
            keep_state: false,
            validators: Vec::new(),
        }
    }

    pub fn string(name: &str, mode: Mode, description: &str) -> Attr {
        Attr::new(name, Type::String, mode, description)
    }

    pub fn bool(name: &str, mode: Mode, description: &str) -> Attr {
        Attr::new(name, Type::Bool, mode, description)
    }

    pub fn number(name: &str, mode: Mode, description: &str) -> Attr {
        Attr::new(name, Type::Number, mode, description)
    }

    pub fn string_set(name: &str, mode: Mode, description: &str) -> Attr {
        Attr::new(name, Type::set(Type::String), mode, description)
    }

    pub fn string_list(name: &str, mode: Mode, description: &str) -> Attr {
        Attr::new(name, Type::list(Type::String), mode, description)
    }

    pub fn string_map(name: &str, mode: Mode, description: &str) -> Attr {
        Attr::new(name, Type::map(Type::String), mode, description)
    }

    /// Wrap an attribute built elsewhere (a shared attribute helper).
    pub fn from_attribute(base: Attribute) -> Attr {
        Attr {
            base,
            default: None,
            replace: false,
            keep_state: false,
            validators: Vec::new(),
        }
    }

    /// The value planned when the configuration leaves it null. The
    /// attribute must be optional and computed.
    pub fn default(mut self, v: Value) -> Attr {
        debug_assert_eq!(self.base.mode, Mode::OptionalComputed, "{}", self.base.name);
        self.default = Some(v);
        self
    }

    pub fn requires_replace(mut self) -> Attr {
        self.replace = true;
        self
    }

    pub fn use_state_for_unknown(mut self) -> Attr {
        self.keep_state = true;
        self
    }

    pub fn validate(mut self, v: Arc<dyn Validator>) -> Attr {
        self.validators.push(v);
        self
    }

    pub fn sensitive(mut self) -> Attr {
        self.base = self.base.sensitive();
        self
    }

    pub fn write_only(mut self) -> Attr {
        self.base = self.base.write_only();
        self
    }

    /// Append to the description.
    pub fn describe_more(mut self, more: &str) -> Attr {
        self.base.description.push_str(more);
        self
    }

    pub fn name(&self) -> &str {
        &self.base.name
    }

    pub fn mode(&self) -> Mode {
        self.base.mode
    }

    /// Set by the provider when the configuration leaves it null.
    pub(crate) fn is_computed(&self) -> bool {
        matches!(self.base.mode, Mode::Computed | Mode::OptionalComputed)
    }
}

/// A rule across several attributes of one block. Every rule skips the
/// attributes whose values are unknown: a value that is not known yet is
/// neither set nor unset.
#[derive(Clone, Debug)]
pub enum Constraint {
    /// At most one of these is set.
    ConflictsWith(Rule),
    /// Exactly one of these is set.
    ExactlyOneOf(Rule),
    /// At least one of these is set.
    AtLeastOneOf(Rule),
    /// When the first is set, so are the others.
    RequiredWith(Rule),
}

/// The attributes of a constraint and how its refusals read.
#[derive(Clone, Debug)]
pub struct Rule {
    pub(crate) names: Vec<&'static str>,
    /// Summary and detail when too many are set (or, for required-with, when
    /// one is missing); `None` gives a generic message naming the attributes.
    pub(crate) too_many: Option<(&'static str, &'static str)>,
    /// Summary and detail when none is set.
    pub(crate) none: Option<(&'static str, &'static str)>,
}

impl Rule {
    fn new(names: &[&'static str]) -> Rule {
        Rule {
            names: names.to_vec(),
            too_many: None,
            none: None,
        }
    }
}

impl Constraint {
    pub fn conflicts_with(names: &[&'static str]) -> Constraint {
        Constraint::ConflictsWith(Rule::new(names))
    }
    pub fn exactly_one_of(names: &[&'static str]) -> Constraint {
        Constraint::ExactlyOneOf(Rule::new(names))
    }
    pub fn at_least_one_of(names: &[&'static str]) -> Constraint {
        Constraint::AtLeastOneOf(Rule::new(names))
    }
    /// `first` needs each of `others`.
    pub fn required_with(first: &'static str, others: &[&'static str]) -> Constraint {
        let mut names = vec![first];
        names.extend_from_slice(others);
        Constraint::RequiredWith(Rule::new(&names))
    }

    fn rule_mut(&mut self) -> &mut Rule {
        match self {
            Constraint::ConflictsWith(r)
            | Constraint::ExactlyOneOf(r)
            | Constraint::AtLeastOneOf(r)
            | Constraint::RequiredWith(r) => r,
        }
    }

    /// The message when more than one is set (or a required one is missing).
    pub fn when_conflicting(mut self, summary: &'static str, detail: &'static str) -> Constraint {
        self.rule_mut().too_many = Some((summary, detail));
        self
    }

    /// The message when none is set.
    pub fn when_missing(mut self, summary: &'static str, detail: &'static str) -> Constraint {
        self.rule_mut().none = Some((summary, detail));
        self
    }
}

/// A block: attributes, nested blocks and the constraints between them.
#[derive(Clone, Default)]
pub struct BlockSpec {
    pub description: String,
    pub attrs: Vec<Attr>,
    pub blocks: Vec<NestedBlockSpec>,
    pub constraints: Vec<Constraint>,
}

/// A nested block: single, or a list of blocks (such as `toleration`).
#[derive(Clone)]
pub struct NestedBlockSpec {
    pub name: &'static str,
    pub nesting: BlockNesting,
    pub block: BlockSpec,
}

impl BlockSpec {
    pub fn new(description: &str) -> BlockSpec {
        BlockSpec {
            description: description.to_owned(),
            ..BlockSpec::default()
        }
    }

    pub fn attr(mut self, a: Attr) -> BlockSpec {
        self.attrs.push(a);
        self
    }

    pub fn block(mut self, name: &'static str, block: BlockSpec) -> BlockSpec {
        self.blocks.push(NestedBlockSpec {
            name,
            nesting: BlockNesting::Single,
            block,
        });
        self
    }

    /// A block that may be repeated, in order.
    pub fn list_block(mut self, name: &'static str, block: BlockSpec) -> BlockSpec {
        self.blocks.push(NestedBlockSpec {
            name,
            nesting: BlockNesting::List,
            block,
        });
        self
    }

    pub fn constraint(mut self, c: Constraint) -> BlockSpec {
        self.constraints.push(c);
        self
    }

    pub fn find(&self, name: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| a.name() == name)
    }

    pub fn to_block(&self) -> tfplugin::Block {
        tfplugin::Block {
            description: self.description.clone(),
            attributes: self.attrs.iter().map(|a| a.base.clone()).collect(),
            blocks: self
                .blocks
                .iter()
                .map(|b| NestedBlock::new(b.name, b.nesting, b.block.to_block()))
                .collect(),
        }
    }
}

/// A resource's (or data source's) schema with its plan behaviour.
#[derive(Clone)]
pub struct ResourceSchema {
    pub version: i64,
    pub block: BlockSpec,
}

impl ResourceSchema {
    pub fn new(block: BlockSpec) -> ResourceSchema {
        ResourceSchema { version: 0, block }
    }

    /// The protocol's schema model.
    pub fn to_schema(&self) -> tfplugin::Schema {
        tfplugin::Schema {
            version: self.version,
            block: self.block.to_block(),
        }
    }

    pub fn value_type(&self) -> Type {
        self.block.to_block().value_type()
    }

    /// A schema written with the protocol's model, with no plan behaviour
    /// yet; [`ResourceSchema::validate_attr`] adds validators.
    pub fn from_schema(s: tfplugin::Schema) -> ResourceSchema {
        ResourceSchema {
            version: s.version,
            block: block_spec(s.block),
        }
    }

    /// Add a validator to the top-level attribute `name`.
    pub fn validate_attr(mut self, name: &str, v: Arc<dyn Validator>) -> ResourceSchema {
        let a = self
            .block
            .attrs
            .iter_mut()
            .find(|a| a.name() == name)
            .unwrap_or_else(|| panic!("no attribute {name} in the schema"));
        a.validators.push(v);
        self
    }
}

fn block_spec(b: tfplugin::Block) -> BlockSpec {
    BlockSpec {
        description: b.description,
        attrs: b.attributes.into_iter().map(Attr::from_attribute).collect(),
        blocks: b
            .blocks
            .into_iter()
            .map(|n| NestedBlockSpec {
                name: Box::leak(n.type_name.into_boxed_str()),
                nesting: n.nesting,
                block: block_spec(n.block),
            })
            .collect(),
        constraints: Vec::new(),
    }
}
