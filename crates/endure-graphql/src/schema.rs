//! The GraphQL schema, built with async-graphql's dynamic schema so that the filter inputs
//! (every dimension with every operator it takes) and the `orderBy` enums come from the same
//! tables the evaluation uses. Type and scalar names follow the reference's (`string`,
//! `uint64`, `Time`, `Date`), so queries written for Cloudflare declare their variables the same.

use crate::dataset::{self, MAX_LIMIT, Order, Query};
use crate::dims::Dim;
use crate::filter::{Filter, Op};
use async_graphql::Value as GqlValue;
use async_graphql::dynamic::{
    Enum, Field, FieldFuture, FieldValue, InputObject, InputValue, Object, ResolverContext, Scalar,
    Schema, TypeRef,
};
use endure_engine::Engine;
use serde_json::Value;

const GROUPS: &str = "workflowsAdaptiveGroups";
const RAW: &str = "workflowsAdaptive";

/// The account a query reads (`viewer.accounts(filter: {accountTag})`): Endure serves one,
/// under whatever tag is asked for.
struct Account;

fn type_name(dataset: &str, suffix: &str) -> String {
    let mut s = String::from("Account");
    let mut chars = dataset.chars();
    if let Some(c) = chars.next() {
        s.push(c.to_ascii_uppercase());
        s.extend(chars);
    }
    s.push_str(suffix);
    s
}

/// A field of an object backed by a JSON object: its value under the field's name.
fn json_field(name: &str, ty: TypeRef) -> Field {
    let key = name.to_string();
    Field::new(name, ty, move |ctx: ResolverContext| {
        let key = key.clone();
        FieldFuture::new(async move {
            let Some(GqlValue::Object(m)) = ctx.parent_value.as_value() else {
                return Ok(None);
            };
            Ok(m.get(key.as_str()).cloned().map(FieldValue::value))
        })
    })
}

fn to_gql(v: Value) -> GqlValue {
    GqlValue::from_json(v).unwrap_or(GqlValue::Null)
}

fn scalars() -> Vec<Scalar> {
    let time = |v: &GqlValue| matches!(v, GqlValue::String(s) if endure_model::Timestamp::parse_iso(s).is_some());
    vec![
        Scalar::new("string").validator(|v| matches!(v, GqlValue::String(_))),
        Scalar::new("uint64").validator(|v| matches!(v, GqlValue::Number(n) if n.is_u64())),
        Scalar::new("Time").validator(time),
        Scalar::new("Date").validator(time),
    ]
}

/// The filter input of a dataset: every dimension with each operator it takes, `AND`, `OR`.
fn filter_input(dataset: &str) -> InputObject {
    let name = type_name(dataset, "Filter_InputObject");
    let mut input = InputObject::new(&name);
    for d in Dim::ALL {
        for (suffix, op) in Op::ALL {
            if !op.applies_to(d) {
                continue;
            }
            let field = format!("{}{suffix}", d.name());
            let ty = match op {
                Op::In | Op::NotIn => TypeRef::named_nn_list(d.graphql_type()),
                _ => TypeRef::named(d.graphql_type()),
            };
            input = input.field(InputValue::new(field, ty));
        }
    }
    input
        .field(InputValue::new("AND", TypeRef::named_nn_list(&name)))
        .field(InputValue::new("OR", TypeRef::named_nn_list(&name)))
}

fn order_enum(dataset: &str, groups: bool) -> Enum {
    Enum::new(type_name(dataset, "OrderBy"))
        .items(Order::values(groups).into_iter().map(|(n, _)| n))
}

/// The arguments every dataset takes, read.
fn query_of(ctx: &ResolverContext, groups: bool) -> async_graphql::Result<Query> {
    let limit = ctx.args.try_get("limit")?.u64()?;
    if limit > MAX_LIMIT {
        return Err(format!("limit must be at most {MAX_LIMIT}, got {limit}").into());
    }
    let filter = match ctx.args.get("filter") {
        Some(f) => Some(f.as_value().clone().into_json()?),
        None => None,
    };
    let filter = Filter::parse(filter.as_ref())?;
    let mut order = vec![];
    if let Some(list) = ctx.args.get("orderBy") {
        for item in list.list()?.iter() {
            let name = item.enum_name()?;
            order.push(Order::parse(name, groups).ok_or_else(|| format!("unknown order {name}"))?);
        }
    }
    Ok(Query {
        filter,
        limit: limit as usize,
        order,
    })
}

fn dataset_field(dataset: &'static str, groups: bool) -> Field {
    Field::new(
        dataset,
        TypeRef::named_nn_list_nn(type_name(dataset, "")),
        move |ctx| {
            FieldFuture::new(async move {
                let engine = ctx.data::<Engine>()?;
                let q = query_of(&ctx, groups)?;
                let rows = if groups {
                    let wanted = ctx.look_ahead().field("dimensions");
                    let dims: Vec<Dim> = Dim::ALL
                        .into_iter()
                        .filter(|d| wanted.field(d.name()).exists())
                        .collect();
                    dataset::groups(engine, &q, &dims).await?
                } else {
                    dataset::raw(engine, &q).await?
                };
                Ok(Some(FieldValue::list(
                    rows.into_iter().map(|r| FieldValue::value(to_gql(r))),
                )))
            })
        },
    )
    .argument(InputValue::new("limit", TypeRef::named_nn("uint64")))
    .argument(InputValue::new(
        "filter",
        TypeRef::named(type_name(dataset, "Filter_InputObject")),
    ))
    .argument(InputValue::new(
        "orderBy",
        TypeRef::named_nn_list(type_name(dataset, "OrderBy")),
    ))
}

/// Builds the schema.
pub fn build() -> Schema {
    let groups_ty = type_name(GROUPS, "");
    let sum = Object::new(type_name(GROUPS, "Sum"))
        .field(json_field("wallTime", TypeRef::named("uint64")));
    let avg = Object::new(type_name(GROUPS, "Avg"))
        .field(json_field("wallTime", TypeRef::named(TypeRef::FLOAT)));
    let mut dimensions = Object::new(type_name(GROUPS, "Dimensions"));
    let mut raw = Object::new(type_name(RAW, ""));
    for d in Dim::ALL {
        dimensions = dimensions.field(json_field(d.name(), TypeRef::named(d.graphql_type())));
        raw = raw.field(json_field(d.name(), TypeRef::named(d.graphql_type())));
    }
    raw = raw.field(json_field("wallTime", TypeRef::named("uint64")));
    let group = Object::new(&groups_ty)
        .field(json_field("count", TypeRef::named("uint64")))
        .field(json_field("sum", TypeRef::named(type_name(GROUPS, "Sum"))))
        .field(json_field("avg", TypeRef::named(type_name(GROUPS, "Avg"))))
        .field(json_field(
            "dimensions",
            TypeRef::named(type_name(GROUPS, "Dimensions")),
        ));
    let account = Object::new("account")
        .field(dataset_field(GROUPS, true))
        .field(dataset_field(RAW, false));
    let account_filter = InputObject::new("AccountFilter_InputObject")
        .field(InputValue::new("accountTag", TypeRef::named("string")))
        .field(InputValue::new(
            "accountTag_in",
            TypeRef::named_nn_list("string"),
        ));
    let viewer = Object::new("viewer").field(
        Field::new("accounts", TypeRef::named_nn_list_nn("account"), |ctx| {
            FieldFuture::new(async move {
                let filter = ctx.args.try_get("filter")?.object()?;
                let tag = filter
                    .get("accountTag")
                    .map(|t| t.string().map(str::to_string))
                    .transpose()?;
                let tags: Vec<String> = match (tag, filter.get("accountTag_in")) {
                    (Some(t), _) => vec![t],
                    (None, Some(list)) => list
                        .list()?
                        .iter()
                        .map(|t| t.string().map(str::to_string))
                        .collect::<Result<_, _>>()?,
                    (None, None) => {
                        return Err("a filter on accountTag is required".into());
                    }
                };
                Ok(Some(FieldValue::list(
                    tags.into_iter().map(|_| FieldValue::owned_any(Account)),
                )))
            })
        })
        .argument(InputValue::new(
            "filter",
            TypeRef::named_nn("AccountFilter_InputObject"),
        )),
    );
    let query =
        Object::new("Query").field(Field::new("viewer", TypeRef::named_nn("viewer"), |_| {
            FieldFuture::new(async { Ok(Some(FieldValue::owned_any(()))) })
        }));
    let mut builder = Schema::build("Query", None, None)
        .register(query)
        .register(viewer)
        .register(account_filter)
        .register(account)
        .register(group)
        .register(sum)
        .register(avg)
        .register(dimensions)
        .register(raw)
        .register(filter_input(GROUPS))
        .register(filter_input(RAW))
        .register(order_enum(GROUPS, true))
        .register(order_enum(RAW, false))
        .limit_depth(16)
        .limit_complexity(1_000);
    for s in scalars() {
        builder = builder.register(s);
    }
    builder
        .finish()
        .expect("the analytics schema is valid (checked by the tests)")
}
