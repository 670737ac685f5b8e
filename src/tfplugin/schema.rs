//! The schema model resources and data sources declare, and its conversion to
//! the protocol's `Schema` message.
//!
//! Every attribute and block carries a description: the docs are generated
//! from these, and a test checks that none is empty.

use std::collections::BTreeMap;

use super::proto;
use super::value::Type;

/// A resource, data source or provider schema.
#[derive(Clone, Debug)]
pub struct Schema {
    /// Bumped when the stored state changes shape; see `UpgradeResourceState`.
    pub version: i64,
    pub block: Block,
}

/// A configuration block: attributes and nested blocks.
#[derive(Clone, Debug, Default)]
pub struct Block {
    pub description: String,
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<NestedBlock>,
}

/// How an attribute is set: by the user, by the provider, or by either.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Required,
    Optional,
    /// Set by the provider only.
    Computed,
    /// Set by the user, or filled in by the provider when left out.
    OptionalComputed,
}

/// What an attribute holds: a plain type, or nested attributes.
#[derive(Clone, Debug)]
pub enum AttrType {
    Plain(Type),
    Nested(NestedObject),
}

#[derive(Clone, Debug)]
pub struct Attribute {
    pub name: String,
    pub ty: AttrType,
    pub description: String,
    pub mode: Mode,
    pub sensitive: bool,
    /// Write-only (Terraform 1.11+): the value reaches the provider from the
    /// configuration but is never kept in plans or state. Older Terraform
    /// versions ignore the flag and treat the attribute as a plain one.
    pub write_only: bool,
}

/// Nested attributes (protocol 6): an attribute whose value is an object, or
/// a collection of objects, with its own attribute schema.
#[derive(Clone, Debug)]
pub struct NestedObject {
    pub attributes: Vec<Attribute>,
    pub nesting: ObjectNesting,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectNesting {
    Single,
    List,
    Set,
    Map,
}

#[derive(Clone, Debug)]
pub struct NestedBlock {
    pub type_name: String,
    pub block: Block,
    pub nesting: BlockNesting,
    pub min_items: i64,
    pub max_items: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockNesting {
    Single,
    List,
    Set,
}

impl Attribute {
    pub fn new(name: &str, ty: Type, mode: Mode, description: &str) -> Attribute {
        Attribute {
            name: name.to_owned(),
            ty: AttrType::Plain(ty),
            description: description.to_owned(),
            mode,
            sensitive: false,
            write_only: false,
        }
    }

    pub fn nested(name: &str, nested: NestedObject, mode: Mode, description: &str) -> Attribute {
        Attribute {
            name: name.to_owned(),
            ty: AttrType::Nested(nested),
            description: description.to_owned(),
            mode,
            sensitive: false,
            write_only: false,
        }
    }

    pub fn sensitive(mut self) -> Attribute {
        self.sensitive = true;
        self
    }

    pub fn write_only(mut self) -> Attribute {
        self.write_only = true;
        self
    }

    /// The value type of this attribute.
    pub fn value_type(&self) -> Type {
        match &self.ty {
            AttrType::Plain(t) => t.clone(),
            AttrType::Nested(n) => {
                let obj = object_type(&n.attributes, &[]);
                match n.nesting {
                    ObjectNesting::Single => obj,
                    ObjectNesting::List => Type::list(obj),
                    ObjectNesting::Set => Type::set(obj),
                    ObjectNesting::Map => Type::map(obj),
                }
            }
        }
    }
}

impl NestedBlock {
    pub fn new(type_name: &str, nesting: BlockNesting, block: Block) -> NestedBlock {
        // Terraform wants MinItems = MaxItems in single nesting (0 for an
        // optional block), and treats 0 as "no limit" otherwise.
        NestedBlock {
            type_name: type_name.to_owned(),
            block,
            nesting,
            min_items: 0,
            max_items: 0,
        }
    }

    pub fn value_type(&self) -> Type {
        let obj = self.block.value_type();
        match self.nesting {
            BlockNesting::Single => obj,
            BlockNesting::List => Type::list(obj),
            BlockNesting::Set => Type::set(obj),
        }
    }
}

impl Block {
    /// The object type of a value of this block.
    pub fn value_type(&self) -> Type {
        object_type(&self.attributes, &self.blocks)
    }

    /// Look up an attribute by name.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// Every (path, description) in the block, nested ones included; used by
    /// the test that checks nothing is undocumented.
    pub fn descriptions(&self, prefix: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for a in &self.attributes {
            let path = format!("{prefix}{}", a.name);
            out.push((path.clone(), a.description.clone()));
            if let AttrType::Nested(n) = &a.ty {
                for inner in &n.attributes {
                    out.push((format!("{path}.{}", inner.name), inner.description.clone()));
                }
            }
        }
        for b in &self.blocks {
            let path = format!("{prefix}{}", b.type_name);
            out.push((path.clone(), b.block.description.clone()));
            out.extend(b.block.descriptions(&format!("{path}.")));
        }
        out
    }
}

impl Schema {
    pub fn value_type(&self) -> Type {
        self.block.value_type()
    }
}

fn object_type(attributes: &[Attribute], blocks: &[NestedBlock]) -> Type {
    let mut fields = BTreeMap::new();
    for a in attributes {
        fields.insert(a.name.clone(), a.value_type());
    }
    for b in blocks {
        fields.insert(b.type_name.clone(), b.value_type());
    }
    Type::Object(fields)
}

// ---------------------------------------------------------------- to proto

pub(crate) fn to_proto(s: &Schema) -> proto::Schema {
    proto::Schema {
        version: s.version,
        block: Some(block_to_proto(&s.block, s.version)),
    }
}

fn block_to_proto(b: &Block, version: i64) -> proto::schema::Block {
    proto::schema::Block {
        version,
        attributes: b.attributes.iter().map(attribute_to_proto).collect(),
        block_types: b.blocks.iter().map(nested_block_to_proto).collect(),
        description: b.description.clone(),
        description_kind: proto::StringKind::Markdown as i32,
        deprecated: false,
    }
}

fn attribute_to_proto(a: &Attribute) -> proto::schema::Attribute {
    let (ty, nested_type) = match &a.ty {
        // A nested attribute sends nested_type and leaves type empty: Terraform
        // rejects an attribute that sets both.
        AttrType::Plain(t) => (t.to_json().to_string().into_bytes(), None),
        AttrType::Nested(n) => (Vec::new(), Some(nested_object_to_proto(n))),
    };
    proto::schema::Attribute {
        name: a.name.clone(),
        r#type: ty,
        nested_type,
        description: a.description.clone(),
        required: a.mode == Mode::Required,
        optional: matches!(a.mode, Mode::Optional | Mode::OptionalComputed),
        computed: matches!(a.mode, Mode::Computed | Mode::OptionalComputed),
        sensitive: a.sensitive,
        description_kind: proto::StringKind::Markdown as i32,
        deprecated: false,
        write_only: a.write_only,
    }
}

fn nested_object_to_proto(n: &NestedObject) -> proto::schema::Object {
    use proto::schema::object::NestingMode;
    let nesting = match n.nesting {
        ObjectNesting::Single => NestingMode::Single,
        ObjectNesting::List => NestingMode::List,
        ObjectNesting::Set => NestingMode::Set,
        ObjectNesting::Map => NestingMode::Map,
    };
    proto::schema::Object {
        attributes: n.attributes.iter().map(attribute_to_proto).collect(),
        nesting: nesting as i32,
        min_items: 0,
        max_items: 0,
    }
}

fn nested_block_to_proto(b: &NestedBlock) -> proto::schema::NestedBlock {
    use proto::schema::nested_block::NestingMode;
    let nesting = match b.nesting {
        BlockNesting::Single => NestingMode::Single,
        BlockNesting::List => NestingMode::List,
        BlockNesting::Set => NestingMode::Set,
    };
    proto::schema::NestedBlock {
        type_name: b.type_name.clone(),
        block: Some(block_to_proto(&b.block, 0)),
        nesting: nesting as i32,
        min_items: b.min_items,
        max_items: b.max_items,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Schema {
        Schema {
            version: 2,
            block: Block {
                description: "sample".into(),
                attributes: vec![
                    Attribute::new("id", Type::String, Mode::Computed, "id"),
                    Attribute::new("token", Type::String, Mode::Optional, "secret").sensitive(),
                    Attribute::nested(
                        "items",
                        NestedObject {
                            attributes: vec![Attribute::new(
                                "x",
                                Type::Number,
                                Mode::Required,
                                "x",
                            )],
                            nesting: ObjectNesting::List,
                        },
                        Mode::Optional,
                        "items",
                    ),
                ],
                blocks: vec![NestedBlock::new(
                    "endpoints",
                    BlockNesting::Single,
                    Block {
                        description: "endpoints".into(),
                        attributes: vec![Attribute::new("s3", Type::String, Mode::Optional, "s3")],
                        blocks: vec![],
                    },
                )],
            },
        }
    }

    #[test]
    fn nested_attribute_sets_nested_type_and_not_type() {
        let p = to_proto(&sample());
        let items = &p.block.as_ref().unwrap().attributes[2];
        assert!(items.r#type.is_empty());
        let nested = items.nested_type.as_ref().unwrap();
        assert_eq!(
            nested.nesting,
            proto::schema::object::NestingMode::List as i32
        );
        assert_eq!(nested.attributes[0].r#type, b"\"number\"");
    }

    #[test]
    fn flags_and_versions_reach_the_proto() {
        let p = to_proto(&sample());
        assert_eq!(p.version, 2);
        let block = p.block.unwrap();
        assert_eq!(block.version, 2);
        assert!(block.attributes[0].computed && !block.attributes[0].optional);
        assert!(block.attributes[1].sensitive);
        // Single nesting: MinItems = MaxItems = 0 for an optional block.
        assert_eq!(block.block_types[0].max_items, 0);
        assert_eq!(block.block_types[0].min_items, 0);
    }

    #[test]
    fn value_type_includes_blocks_and_nested_attributes() {
        let t = sample().value_type().to_json().to_string();
        assert_eq!(
            t,
            r#"["object",{"endpoints":["object",{"s3":"string"}],"id":"string","items":["list",["object",{"x":"number"}]],"token":"string"}]"#
        );
    }
}
