//! Typed reading of a parsed [`Value`]: objects with known fields, strings, numbers,
//! enums, dates, lists and maps, each error naming the field and carrying its path in
//! the form the rest of the crate uses (`plans[0].entitlements[1].usageLimit`).

use super::Value;
use crate::metadata::Metadata;
use crate::time::Timestamp;

/// Where a value sits in the input; a linked list on the stack, formatted only on error.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Path<'p> {
    /// The whole input, named for messages (`catalog`).
    Root(&'static str),
    /// A member of an object.
    Key(&'p Path<'p>, &'p str),
    /// An element of an array.
    Index(&'p Path<'p>, usize),
}

impl<'p> Path<'p> {
    pub(crate) fn key(&'p self, key: &'p str) -> Path<'p> {
        Path::Key(self, key)
    }

    pub(crate) fn index(&'p self, i: usize) -> Path<'p> {
        Path::Index(self, i)
    }

    /// The field as messages name it: the last key with the indexes after it
    /// (`compatiblePlanIds[1]`), or the input's name at the root.
    fn name(&self) -> String {
        match self {
            Path::Root(name) => (*name).to_string(),
            Path::Key(_, key) => (*key).to_string(),
            Path::Index(parent, i) => {
                let mut s = parent.name();
                s.push('[');
                s.push_str(&i.to_string());
                s.push(']');
                s
            }
        }
    }
}

impl Path<'_> {
    /// Appends the full path (`plans[0].entitlements[1].usageLimit`, empty at the root)
    /// to `out`; pushed by hand, as `core::fmt` would cost more wasm than it saves.
    fn render(&self, out: &mut String) {
        match self {
            Path::Root(_) => {}
            Path::Key(Path::Root(_), key) => out.push_str(key),
            Path::Key(parent, key) => {
                parent.render(out);
                out.push('.');
                out.push_str(key);
            }
            Path::Index(parent, i) => {
                parent.render(out);
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
}

/// A shape error: the path of the offending value and what is wrong with it.
#[derive(Debug)]
pub(crate) struct Fail {
    pub path: String,
    pub message: String,
}

pub(crate) type Read<T> = Result<T, Fail>;

fn fail(path: Path<'_>, message: String) -> Fail {
    let mut rendered = String::new();
    path.render(&mut rendered);
    Fail {
        path: rendered,
        message,
    }
}

/// ``expected` must be a string, found a number`.
fn wrong_type(v: &Value<'_>, path: Path<'_>, expected: &str) -> Fail {
    fail(
        path,
        format!("`{}` must be {expected}, found {}", path.name(), v.kind()),
    )
}

/// `` `a`, `b`, `c` `` for messages.
fn list_names(names: &[&str]) -> String {
    let mut out = String::new();
    for (i, n) in names.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('`');
        out.push_str(n);
        out.push('`');
    }
    out
}

/// The most fields a struct read by [`object`] has (`Promotion`'s 10).
const MAX_FIELDS: usize = 10;

/// The members of an object with exactly the fields `names` (each at most once).
///
/// Not generic over the number of fields, so that [`object`] and the field readers
/// exist once in the wasm rather than once per struct size.
pub(crate) struct Fields<'v, 'a, 'p> {
    slots: [Option<&'v Value<'a>>; MAX_FIELDS],
    names: &'static [&'static str],
    path: Path<'p>,
}

/// Reads `v` as an object whose members are among `names`: an unknown or repeated
/// member is an error, as serde's `deny_unknown_fields` made it.
pub(crate) fn object<'v, 'a, 'p, const N: usize>(
    v: &'v Value<'a>,
    path: Path<'p>,
    names: &'static [&'static str; N],
) -> Read<Fields<'v, 'a, 'p>> {
    const { assert!(N <= MAX_FIELDS, "raise MAX_FIELDS") };
    members(v, path, names)
}

fn members<'v, 'a, 'p>(
    v: &'v Value<'a>,
    path: Path<'p>,
    names: &'static [&'static str],
) -> Read<Fields<'v, 'a, 'p>> {
    let Value::Object(members) = v else {
        return Err(wrong_type(v, path, "an object"));
    };
    let mut slots = [None; MAX_FIELDS];
    for (key, value) in members {
        let key: &str = key;
        let Some(slot) = names
            .iter()
            .position(|n| *n == key)
            .and_then(|i| slots.get_mut(i))
        else {
            return Err(fail(
                path.key(key),
                format!(
                    "unknown field `{key}`, expected one of {}",
                    list_names(names)
                ),
            ));
        };
        if slot.is_some() {
            return Err(fail(path, format!("duplicate field `{key}`")));
        }
        *slot = Some(value);
    }
    Ok(Fields { slots, names, path })
}

impl<'v, 'a, 'p> Fields<'v, 'a, 'p> {
    fn get(&self, i: usize) -> (Option<&'v Value<'a>>, &'static str) {
        (
            self.slots.get(i).copied().flatten(),
            self.names.get(i).copied().unwrap_or(""),
        )
    }

    /// A required field.
    pub(crate) fn req<T>(
        &self,
        i: usize,
        read: impl FnOnce(&'v Value<'a>, Path<'_>) -> Read<T>,
    ) -> Read<T> {
        match self.get(i) {
            (Some(v), name) => read(v, self.path.key(name)),
            (None, name) => Err(fail(self.path, format!("missing field `{name}`"))),
        }
    }

    /// An `Option` field: absent or `null` is `None`.
    pub(crate) fn opt<T>(
        &self,
        i: usize,
        read: impl FnOnce(&'v Value<'a>, Path<'_>) -> Read<T>,
    ) -> Read<Option<T>> {
        match self.get(i) {
            (None | Some(Value::Null), _) => Ok(None),
            (Some(v), name) => read(v, self.path.key(name)).map(Some),
        }
    }

    /// A field with a default when absent (`null` is not absent).
    pub(crate) fn or<T>(
        &self,
        i: usize,
        default: impl FnOnce() -> T,
        read: impl FnOnce(&'v Value<'a>, Path<'_>) -> Read<T>,
    ) -> Read<T> {
        match self.get(i) {
            (None, _) => Ok(default()),
            (Some(v), name) => read(v, self.path.key(name)),
        }
    }
}

// The field readers used many times, as plain functions: one copy each in the wasm
// instead of one inlined copy per field.
impl<'v, 'a, 'p> Fields<'v, 'a, 'p> {
    /// A required string field.
    pub(crate) fn req_str(&self, i: usize) -> Read<String> {
        self.req(i, string)
    }

    /// An optional string field.
    pub(crate) fn opt_str(&self, i: usize) -> Read<Option<String>> {
        self.opt(i, string)
    }

    /// An optional number field.
    pub(crate) fn opt_num(&self, i: usize) -> Read<Option<f64>> {
        self.opt(i, number)
    }

    /// An optional boolean field.
    pub(crate) fn opt_bool(&self, i: usize) -> Read<Option<bool>> {
        self.opt(i, boolean)
    }

    /// An optional date-time field.
    pub(crate) fn opt_time(&self, i: usize) -> Read<Option<Timestamp>> {
        self.opt(i, timestamp)
    }

    /// An optional object of strings.
    pub(crate) fn opt_map(&self, i: usize) -> Read<Option<Metadata>> {
        self.opt(i, string_map)
    }
}

pub(crate) fn string(v: &Value<'_>, path: Path<'_>) -> Read<String> {
    match v {
        Value::String(s) => Ok(s.to_string()),
        _ => Err(wrong_type(v, path, "a string")),
    }
}

pub(crate) fn boolean(v: &Value<'_>, path: Path<'_>) -> Read<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        _ => Err(wrong_type(v, path, "a boolean")),
    }
}

/// Any number; range rules are the validation's.
pub(crate) fn number(v: &Value<'_>, path: Path<'_>) -> Read<f64> {
    match v {
        Value::Number(x) => Ok(*x),
        _ => Err(wrong_type(v, path, "a number")),
    }
}

/// A count such as `quantity`: JSON has one number type, so `3.0` and `3e0` mean 3;
/// `2.5`, negatives and values past `u32` are errors.
pub(crate) fn whole_u32(v: &Value<'_>, path: Path<'_>) -> Read<u32> {
    let x = number(v, path)?;
    if x.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&x) {
        Ok(x as u32)
    } else {
        Err(fail(
            path,
            format!(
                "`{}` must be a whole number from 0 to {}",
                path.name(),
                u32::MAX
            ),
        ))
    }
}

/// An RFC 3339 date-time string.
pub(crate) fn timestamp(v: &Value<'_>, path: Path<'_>) -> Read<Timestamp> {
    let Value::String(s) = v else {
        return Err(wrong_type(
            v,
            path,
            "an RFC 3339 date-time string such as `2026-01-31T10:00:00Z`",
        ));
    };
    Timestamp::parse(s).ok_or_else(|| {
        fail(
            path,
            format!("`{s}` is not an RFC 3339 date-time such as `2026-01-31T10:00:00Z`"),
        )
    })
}

/// One of an enum's camelCase names.
pub(crate) fn variant<T: Copy>(
    v: &Value<'_>,
    path: Path<'_>,
    table: &[(&'static str, T)],
) -> Read<T> {
    let Value::String(s) = v else {
        return Err(wrong_type(v, path, "a string"));
    };
    let s: &str = s;
    table
        .iter()
        .find(|(name, _)| *name == s)
        .map(|&(_, t)| t)
        .ok_or_else(|| {
            let names: Vec<&str> = table.iter().map(|(n, _)| *n).collect();
            fail(
                path,
                format!(
                    "unknown variant `{s}` of `{}`, expected one of {}",
                    path.name(),
                    list_names(&names)
                ),
            )
        })
}

/// An array, each element read by `item`.
pub(crate) fn list<'v, 'a, T>(
    v: &'v Value<'a>,
    path: Path<'_>,
    mut item: impl FnMut(&'v Value<'a>, Path<'_>) -> Read<T>,
) -> Read<Vec<T>> {
    let Value::Array(items) = v else {
        return Err(wrong_type(v, path, "an array"));
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, x) in items.iter().enumerate() {
        out.push(item(x, path.index(i))?);
    }
    Ok(out)
}

/// An object of strings; a repeated key keeps its last value, as serde's map did.
pub(crate) fn string_map(v: &Value<'_>, path: Path<'_>) -> Read<Metadata> {
    let Value::Object(members) = v else {
        return Err(wrong_type(v, path, "an object of strings"));
    };
    let mut out = Metadata::new();
    for (k, x) in members {
        out.insert(k.to_string(), string(x, path.key(k))?);
    }
    Ok(out)
}
