//! The gRPC layer in process: the server on 127.0.0.1:0, driven with the
//! generated client. A small test provider exercises what the real resources
//! rely on (plans with unknown values, diagnostics with paths, import, state
//! upgrades, cancellation); the real provider's schema is checked as well.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use irsa::tfplugin::proto::{self, provider_client::ProviderClient};
use irsa::tfplugin::{
    server, ApplyRequest, AttrPath, Attribute, Block, CancellationToken, DataSource, Diagnostic,
    Diagnostics, Mode, NestedObject, ObjectNesting, PlanRequest, Planned, Provider, Resource,
    Schema, Type, Value,
};
use tonic::transport::Channel;

// ------------------------------------------------------------ test provider

#[derive(Default)]
struct Store {
    things: Mutex<BTreeMap<String, Value>>,
}

struct TestProvider {
    store: Arc<Store>,
}

struct Thing {
    store: Arc<Store>,
}

fn thing_schema() -> Schema {
    Schema {
        version: 1,
        block: Block {
            description: "A thing.".into(),
            attributes: vec![
                Attribute::new("id", Type::String, Mode::Computed, "Identifier."),
                Attribute::new(
                    "name",
                    Type::String,
                    Mode::Required,
                    "Name; changing it replaces the thing.",
                ),
                Attribute::new(
                    "size",
                    Type::Number,
                    Mode::OptionalComputed,
                    "Size, default 1.",
                ),
                Attribute::new("secret", Type::String, Mode::Optional, "A secret.").sensitive(),
                Attribute::nested(
                    "items",
                    NestedObject {
                        attributes: vec![Attribute::new(
                            "x",
                            Type::String,
                            Mode::Required,
                            "An x.",
                        )],
                        nesting: ObjectNesting::List,
                    },
                    Mode::Optional,
                    "Items.",
                ),
            ],
            blocks: vec![],
        },
    }
}

#[async_trait::async_trait]
impl Resource<()> for Thing {
    fn type_name(&self) -> &'static str {
        "test_thing"
    }
    fn schema(&self) -> Schema {
        thing_schema()
    }
    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        if let Some(n) = config.attr("name").as_str() {
            if n.contains(' ') {
                diags.push(Diagnostic::error("Bad name", "no spaces").at(AttrPath::attr("name")));
            }
        }
    }
    fn upgrade(
        &self,
        version: i64,
        mut state: serde_json::Value,
        diags: &mut Diagnostics,
    ) -> Value {
        // Version 0 called "size" "count".
        if version == 0 {
            if let Some(c) = state.as_object_mut().and_then(|o| o.remove("count")) {
                state["size"] = c;
            }
        }
        Value::from_json_lenient(state, &thing_schema().value_type()).unwrap_or_else(|e| {
            diags.push(Diagnostic::error("bad", e.to_string()));
            Value::Null
        })
    }
    async fn plan(&self, _: &(), req: PlanRequest, _: &mut Diagnostics) -> Planned {
        let mut state = req.proposed;
        let mut requires_replace = vec![];
        if req.prior.is_null() || req.prior.attr("name") != state.attr("name") {
            state.set_attr("id", Value::Unknown);
            if !req.prior.is_null() {
                requires_replace.push(AttrPath::attr("name"));
            }
        }
        if state.attr("size").is_null() {
            state.set_attr("size", Value::Number(1.0));
        }
        Planned {
            state,
            requires_replace,
        }
    }
    async fn apply(&self, _: &(), req: ApplyRequest, _: &mut Diagnostics) -> Value {
        let mut things = self.store.things.lock().unwrap();
        if req.planned.is_null() {
            things.remove(req.prior.attr("id").as_str().unwrap());
            return Value::Null;
        }
        let mut state = req.planned;
        let id = format!("id-{}", state.attr("name").as_str().unwrap());
        state.set_attr("id", Value::string(&id));
        things.insert(id, state.clone());
        state
    }
    async fn read(&self, _: &(), state: Value, _: &mut Diagnostics) -> Option<Value> {
        if state.attr("name").as_str() == Some("slow") {
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
        self.store
            .things
            .lock()
            .unwrap()
            .get(state.attr("id").as_str()?)
            .cloned()
    }
    async fn import(&self, _: &(), id: &str, _: &mut Diagnostics) -> Option<Value> {
        let mut v = Value::Object(BTreeMap::new());
        v.set_attr("id", Value::string(id));
        Some(v)
    }
}

#[async_trait::async_trait]
impl Provider for TestProvider {
    type Data = ();
    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            block: Block {
                description: "Test.".into(),
                ..Default::default()
            },
        }
    }
    fn resources(&self) -> Vec<Arc<dyn Resource<()>>> {
        vec![Arc::new(Thing {
            store: self.store.clone(),
        })]
    }
    fn data_sources(&self) -> Vec<Arc<dyn DataSource<()>>> {
        vec![]
    }
    async fn configure(&self, _: &str, _: &Value, _: &mut Diagnostics) -> Option<()> {
        Some(())
    }
}

// ------------------------------------------------------------------ harness

async fn serve<P: Provider>(provider: P) -> ProviderClient<Channel> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = server::router(provider, CancellationToken::new());
    tokio::spawn(
        router.serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    ProviderClient::connect(format!("http://{addr}"))
        .await
        .unwrap()
}

async fn test_client() -> ProviderClient<Channel> {
    let mut c = serve(TestProvider {
        store: Arc::default(),
    })
    .await;
    let config = proto::DynamicValue {
        msgpack: Value::Object(BTreeMap::new()).to_msgpack(),
        json: vec![],
    };
    let r = c
        .configure_provider(proto::configure_provider::Request {
            terraform_version: "1.11.4".into(),
            config: Some(config),
            client_capabilities: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(r.diagnostics.is_empty());
    c
}

fn dv(v: &Value) -> Option<proto::DynamicValue> {
    Some(proto::DynamicValue {
        msgpack: v.to_msgpack(),
        json: vec![],
    })
}

fn undv(d: Option<proto::DynamicValue>) -> Value {
    Value::from_msgpack(&d.expect("a value").msgpack, &thing_schema().value_type()).unwrap()
}

fn thing(name: Value) -> Value {
    let mut v = Value::Object(BTreeMap::new());
    v.set_attr("name", name);
    v.set_attr(
        "items",
        Value::List(vec![Value::Object(BTreeMap::from([(
            "x".into(),
            Value::string("a"),
        )]))]),
    );
    v.conform(&thing_schema().value_type())
}

fn path_of(d: &proto::Diagnostic) -> Vec<String> {
    use proto::attribute_path::step::Selector;
    d.attribute
        .as_ref()
        .map(|p| {
            p.steps
                .iter()
                .map(|s| match s.selector.as_ref().unwrap() {
                    Selector::AttributeName(a) => a.clone(),
                    Selector::ElementKeyString(k) => format!("[{k:?}]"),
                    Selector::ElementKeyInt(i) => format!("[{i}]"),
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn plan(
    c: &mut ProviderClient<Channel>,
    prior: &Value,
    config: &Value,
) -> proto::plan_resource_change::Response {
    c.plan_resource_change(proto::plan_resource_change::Request {
        type_name: "test_thing".into(),
        prior_state: dv(prior),
        proposed_new_state: dv(config),
        config: dv(config),
        ..Default::default()
    })
    .await
    .unwrap()
    .into_inner()
}

async fn apply(
    c: &mut ProviderClient<Channel>,
    prior: &Value,
    planned: &Value,
) -> proto::apply_resource_change::Response {
    c.apply_resource_change(proto::apply_resource_change::Request {
        type_name: "test_thing".into(),
        prior_state: dv(prior),
        planned_state: dv(planned),
        config: dv(planned),
        ..Default::default()
    })
    .await
    .unwrap()
    .into_inner()
}

// -------------------------------------------------------------------- tests

#[tokio::test]
async fn plan_keeps_unknown_values_unknown() {
    let mut c = test_client().await;
    let r = plan(&mut c, &Value::Null, &thing(Value::Unknown)).await;
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let planned = undv(r.planned_state);
    assert!(planned.attr("name").is_unknown());
    assert!(planned.attr("id").is_unknown());
    assert_eq!(planned.attr("size"), &Value::Number(1.0));
    assert!(
        planned.attr("secret").is_null(),
        "null stays null, not unknown"
    );
}

#[tokio::test]
async fn changing_a_replacing_attribute_reports_its_path() {
    let mut c = test_client().await;
    let planned = undv(
        plan(&mut c, &Value::Null, &thing(Value::string("a")))
            .await
            .planned_state,
    );
    let created = undv(apply(&mut c, &Value::Null, &planned).await.new_state);
    assert_eq!(created.attr("id"), &Value::string("id-a"));
    let mut changed = created.clone();
    changed.set_attr("name", Value::string("b"));
    let r = plan(&mut c, &created, &changed).await;
    assert_eq!(r.requires_replace.len(), 1);
    let step = &r.requires_replace[0].steps[0];
    assert_eq!(
        step.selector,
        Some(proto::attribute_path::step::Selector::AttributeName(
            "name".into()
        ))
    );
}

#[tokio::test]
async fn validation_errors_carry_the_attribute_path() {
    let mut c = test_client().await;
    let r = c
        .validate_resource_config(proto::validate_resource_config::Request {
            type_name: "test_thing".into(),
            config: dv(&thing(Value::string("has space"))),
            client_capabilities: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.diagnostics.len(), 1);
    assert_eq!(
        r.diagnostics[0].severity,
        proto::diagnostic::Severity::Error as i32
    );
    assert_eq!(path_of(&r.diagnostics[0]), vec!["name"]);
}

#[tokio::test]
async fn import_then_read_round_trips_to_the_created_state() {
    let mut c = test_client().await;
    let planned = undv(
        plan(&mut c, &Value::Null, &thing(Value::string("imp")))
            .await
            .planned_state,
    );
    let created = undv(apply(&mut c, &Value::Null, &planned).await.new_state);

    let imported = c
        .import_resource_state(proto::import_resource_state::Request {
            type_name: "test_thing".into(),
            id: "id-imp".into(),
            client_capabilities: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(imported.imported_resources.len(), 1);
    let partial = imported.imported_resources[0].state.clone();
    let read = c
        .read_resource(proto::read_resource::Request {
            type_name: "test_thing".into(),
            current_state: partial,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(undv(read.new_state), created);
}

#[tokio::test]
async fn a_vanished_object_reads_as_null() {
    let mut c = test_client().await;
    let mut gone = thing(Value::string("gone"));
    gone.set_attr("id", Value::string("id-gone"));
    let read = c
        .read_resource(proto::read_resource::Request {
            type_name: "test_thing".into(),
            current_state: dv(&gone),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(read.diagnostics.is_empty());
    assert!(undv(read.new_state).is_null());
}

#[tokio::test]
async fn old_states_are_upgraded() {
    let mut c = test_client().await;
    let r = c
        .upgrade_resource_state(proto::upgrade_resource_state::Request {
            type_name: "test_thing".into(),
            version: 0,
            raw_state: Some(proto::RawState {
                json: br#"{"id":"id-x","name":"x","count":7,"removed_long_ago":true}"#.to_vec(),
                flatmap: Default::default(),
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let v = undv(r.upgraded_state);
    assert_eq!(v.attr("size"), &Value::Number(7.0));
    assert_eq!(v.attr("name"), &Value::string("x"));

    let newer = c
        .upgrade_resource_state(proto::upgrade_resource_state::Request {
            type_name: "test_thing".into(),
            version: 9,
            raw_state: Some(proto::RawState {
                json: b"{}".to_vec(),
                flatmap: Default::default(),
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(newer.diagnostics[0].summary.contains("newer provider"));
}

#[tokio::test]
async fn stop_provider_cancels_a_refresh_in_flight_and_keeps_the_state() {
    let mut c = test_client().await;
    let mut slow = thing(Value::string("slow"));
    slow.set_attr("id", Value::string("id-slow"));
    let mut reader = c.clone();
    let state = slow.clone();
    let read = tokio::spawn(async move {
        reader
            .read_resource(proto::read_resource::Request {
                type_name: "test_thing".into(),
                current_state: dv(&state),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    c.stop_provider(proto::stop_provider::Request {})
        .await
        .unwrap();
    let r = tokio::time::timeout(Duration::from_secs(5), read)
        .await
        .expect("cancelled promptly")
        .unwrap();
    assert_eq!(r.diagnostics[0].summary, "Cancelled");
    assert_eq!(
        undv(r.new_state),
        slow,
        "a cancelled refresh keeps the old state"
    );

    // The provider still serves after a stop.
    let r = plan(&mut c, &Value::Null, &thing(Value::string("after"))).await;
    assert!(r.diagnostics.is_empty());
}

#[tokio::test]
async fn unknown_types_and_unsupported_calls_answer_with_diagnostics() {
    let mut c = test_client().await;
    let r = c
        .read_data_source(proto::read_data_source::Request {
            type_name: "nope".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(r.diagnostics[0]
        .summary
        .contains("Unknown data source type"));
    let r = c
        .open_ephemeral_resource(proto::open_ephemeral_resource::Request {
            type_name: "x".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.diagnostics[0].summary, "Unsupported");
    let r = c
        .call_function(proto::call_function::Request {
            name: "f".into(),
            arguments: vec![],
        })
        .await
        .unwrap();
    assert!(r.into_inner().error.is_some());
    let r = c
        .get_functions(proto::get_functions::Request {})
        .await
        .unwrap()
        .into_inner();
    // The test provider declares no functions.
    assert!(r.functions.is_empty() && r.diagnostics.is_empty());
}

#[tokio::test]
async fn nested_attributes_are_sent_as_nested_types() {
    let mut c = test_client().await;
    let s = c
        .get_provider_schema(proto::get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    let block = s.resource_schemas["test_thing"].block.clone().unwrap();
    let items = block.attributes.iter().find(|a| a.name == "items").unwrap();
    assert!(
        items.r#type.is_empty(),
        "type and nested_type must not both be set"
    );
    assert!(items.nested_type.is_some());
    assert!(
        block
            .attributes
            .iter()
            .find(|a| a.name == "secret")
            .unwrap()
            .sensitive
    );
}

// ------------------------------------------------------------ real provider

fn walk_descriptions(prefix: &str, block: &proto::schema::Block, out: &mut Vec<String>) {
    if block.description.trim().is_empty() {
        out.push(format!("{prefix}(block)"));
    }
    for a in &block.attributes {
        if a.description.trim().is_empty() {
            out.push(format!("{prefix}{}", a.name));
        }
        if let Some(n) = &a.nested_type {
            for inner in &n.attributes {
                if inner.description.trim().is_empty() {
                    out.push(format!("{prefix}{}.{}", a.name, inner.name));
                }
            }
        }
    }
    for b in &block.block_types {
        walk_descriptions(
            &format!("{prefix}{}.", b.type_name),
            b.block.as_ref().unwrap(),
            out,
        );
    }
}

#[tokio::test]
async fn every_attribute_of_the_real_provider_is_described() {
    let mut c = serve(irsa::provider::IrsaProvider).await;
    let s = c
        .get_provider_schema(proto::get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    let mut missing = vec![];
    walk_descriptions(
        "provider.",
        s.provider.as_ref().unwrap().block.as_ref().unwrap(),
        &mut missing,
    );
    for (name, schema) in s
        .resource_schemas
        .iter()
        .chain(s.data_source_schemas.iter())
    {
        walk_descriptions(
            &format!("{name}."),
            schema.block.as_ref().unwrap(),
            &mut missing,
        );
    }
    assert!(missing.is_empty(), "undocumented: {missing:?}");
    let meta = c
        .get_metadata(proto::get_metadata::Request {})
        .await
        .unwrap()
        .into_inner();
    let mut names: Vec<_> = meta
        .data_sources
        .iter()
        .map(|d| d.type_name.clone())
        .collect();
    names.sort();
    let mut expected: Vec<_> = s.data_source_schemas.keys().cloned().collect();
    expected.sort();
    assert_eq!(names, expected);
}

#[tokio::test]
async fn configuring_the_real_provider_makes_no_network_call() {
    // Endpoints on a closed port: configure must still succeed at once.
    let mut c = serve(irsa::provider::IrsaProvider).await;
    let mut config = Value::Object(BTreeMap::new());
    config.set_attr("region", Value::string("eu-west-1"));
    config.set_attr(
        "endpoints",
        Value::Object(BTreeMap::from([(
            "s3".into(),
            Value::string("http://127.0.0.1:9"),
        )])),
    );
    let config = config.conform(&irsa::provider::schema().value_type());
    let r = tokio::time::timeout(
        Duration::from_secs(5),
        c.configure_provider(proto::configure_provider::Request {
            terraform_version: "1.11.4".into(),
            config: Some(proto::DynamicValue {
                msgpack: config.to_msgpack(),
                json: vec![],
            }),
            client_capabilities: None,
        }),
    )
    .await
    .expect("configure returned quickly")
    .unwrap()
    .into_inner();
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
}

#[tokio::test]
async fn the_real_provider_serves_its_functions() {
    let mut c = serve(irsa::provider::IrsaProvider).await;
    let listed = c
        .get_functions(proto::get_functions::Request {})
        .await
        .unwrap()
        .into_inner();
    let mut names: Vec<_> = listed.functions.keys().cloned().collect();
    names.sort();
    assert_eq!(
        names,
        [
            "discovery_document",
            "issuer_host_path",
            "jwks",
            "kid",
            "trust_policy"
        ]
    );
    let schema = c
        .get_provider_schema(proto::get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(schema.functions.len(), names.len());
    let meta = c
        .get_metadata(proto::get_metadata::Request {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(meta.functions.len(), names.len());
    let dp = &listed.functions["discovery_document"];
    assert_eq!(dp.parameters.len(), 2);
    assert_eq!(
        dp.variadic_parameter.as_ref().unwrap().name,
        "signing_algorithms"
    );
    assert_eq!(dp.r#return.as_ref().unwrap().r#type, b"\"string\"");
    for f in listed.functions.values() {
        assert!(f
            .parameters
            .iter()
            .all(|p| !p.allow_unknown_values && !p.allow_null_value));
    }

    let arg = |v: Value| proto::DynamicValue {
        msgpack: v.to_msgpack(),
        json: vec![],
    };
    let call = |name: &str, args: Vec<Value>| proto::call_function::Request {
        name: name.into(),
        arguments: args.into_iter().map(arg).collect(),
    };
    // A good call returns the value, msgpack-encoded as a string.
    let r = c
        .call_function(call(
            "issuer_host_path",
            vec![Value::string("https://oidc.example.com/c")],
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(r.error.is_none(), "{:?}", r.error);
    let v = Value::from_msgpack(&r.result.unwrap().msgpack, &irsa::tfplugin::Type::String).unwrap();
    assert_eq!(v, Value::string("oidc.example.com/c"));
    // A refused variadic argument is named by its position over all arguments.
    let r = c
        .call_function(call(
            "discovery_document",
            vec![
                Value::string("https://x.example.com"),
                Value::string("https://x.example.com/keys.json"),
                Value::string("RS256"),
                Value::string("none"),
            ],
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.error.unwrap().function_argument, Some(3));
    // Too few arguments, and an unknown function, are errors, not panics.
    let r = c
        .call_function(call("kid", vec![]))
        .await
        .unwrap()
        .into_inner();
    assert!(r.error.unwrap().text.contains("takes 1 argument."));
    let r = c
        .call_function(call("nope", vec![]))
        .await
        .unwrap()
        .into_inner();
    assert!(r.error.unwrap().text.contains("no function"));
}
