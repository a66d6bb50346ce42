//! Tool schemas as strict JSON Schema validators read them. schemars marks Rust's integer and
//! float widths with `format` values (`uint16`, `int64`, `double`…) that JSON Schema does not
//! define: strict validators (ajv in strict mode, the MCP Inspector) warn or refuse. Here the
//! width becomes what the standard says: `minimum` and `maximum` on the `integer`.

use serde_json::{Map, Value};

/// The bounds of a width, where they fit a JSON number exactly (64-bit and wider keep only the
/// lower bound of an unsigned type: their upper bounds are not exact in a double).
fn bounds(format: &str) -> Option<(Option<i64>, Option<i64>)> {
    Some(match format {
        "int8" => (Some(i8::MIN.into()), Some(i8::MAX.into())),
        "int16" => (Some(i16::MIN.into()), Some(i16::MAX.into())),
        "int32" => (Some(i32::MIN.into()), Some(i32::MAX.into())),
        "uint8" => (Some(0), Some(u8::MAX.into())),
        "uint16" => (Some(0), Some(u16::MAX.into())),
        "uint32" => (Some(0), Some(u32::MAX.into())),
        "uint" | "uint64" | "uint128" => (Some(0), None),
        "int" | "int64" | "int128" | "float" | "double" => (None, None),
        _ => return None,
    })
}

/// Rewrites every non-standard numeric `format` in `schema`, wherever it is nested.
pub(super) fn strict(schema: &mut Value) {
    match schema {
        Value::Object(object) => {
            strict_object(object);
            for value in object.values_mut() {
                strict(value);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(strict),
        _ => {}
    }
}

fn strict_object(object: &mut Map<String, Value>) {
    let Some((low, high)) = object
        .get("format")
        .and_then(Value::as_str)
        .and_then(bounds)
    else {
        return;
    };
    object.remove("format");
    // A tighter bound the type already states (schemars writes `minimum: 0` for unsigned
    // types; a field may state its own range) is kept.
    if let Some(low) = low {
        object.entry("minimum").or_insert(low.into());
    }
    if let Some(high) = high {
        object.entry("maximum").or_insert(high.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn widths_become_bounds_and_standard_formats_stay() {
        let mut schema = json!({
            "type": "object",
            "properties": {
                "port": {"type": "integer", "format": "uint16", "minimum": 0},
                "limit": {"type": ["integer", "null"], "format": "uint32", "minimum": 1},
                "elapsed_ms": {"type": "integer", "format": "uint64", "minimum": 0},
                "ratio": {"type": "number", "format": "double"},
                "when": {"type": "string", "format": "date-time"},
                "items": {"type": "array", "items": {"type": "integer", "format": "int32"}}
            },
            "$defs": {"Inner": {"type": "integer", "format": "uint8"}}
        });
        strict(&mut schema);
        assert_eq!(
            schema["properties"]["port"],
            json!({"type": "integer", "minimum": 0, "maximum": 65535})
        );
        assert_eq!(schema["properties"]["limit"]["minimum"], 1);
        assert_eq!(schema["properties"]["limit"]["maximum"], u32::MAX);
        assert_eq!(
            schema["properties"]["elapsed_ms"],
            json!({"type": "integer", "minimum": 0})
        );
        assert_eq!(schema["properties"]["ratio"], json!({"type": "number"}));
        assert_eq!(schema["properties"]["when"]["format"], "date-time");
        assert_eq!(schema["properties"]["items"]["items"]["minimum"], i32::MIN);
        assert_eq!(schema["$defs"]["Inner"]["maximum"], 255);
    }
}
