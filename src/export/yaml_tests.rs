use super::*;
use serde_json::json;
use yaml_rust2::{Yaml, YamlLoader};

/// What a YAML reader makes of `text`, as JSON.
pub fn parse(text: &str) -> Json {
    let docs = YamlLoader::load_from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(docs.len(), 1, "{text}");
    to_json(&docs[0])
}

fn to_json(y: &Yaml) -> Json {
    match y {
        Yaml::Real(s) => json!(s.parse::<f64>().unwrap()),
        Yaml::Integer(i) => json!(i),
        Yaml::String(s) => json!(s),
        Yaml::Boolean(b) => json!(b),
        Yaml::Array(a) => Json::Array(a.iter().map(to_json).collect()),
        Yaml::Hash(h) => Json::Object(
            h.iter()
                .map(|(k, v)| (k.as_str().expect("string keys").to_string(), to_json(v)))
                .collect(),
        ),
        Yaml::Null => Json::Null,
        other => panic!("unexpected {other:?}"),
    }
}

/// The tree a node means, as JSON (floats stay floats).
pub fn meaning(node: &Node) -> Json {
    match node {
        Node::Map(m) => Json::Object(
            m.entries
                .iter()
                .map(|e| (e.key.clone(), meaning(&e.value)))
                .collect(),
        ),
        Node::List(l) => Json::Array(l.iter().map(meaning).collect()),
        Node::Str(s) => json!(s),
        Node::Int(i) => json!(i),
        Node::UInt(u) => json!(u),
        Node::Float(f) => json!(f),
        Node::Bool(b) => json!(b),
        Node::Null => Json::Null,
    }
}

fn round_trip(root: &Map) -> String {
    let text = document(&["header".into()], root);
    assert_eq!(parse(&text), meaning(&Node::Map(root.clone())), "{text}");
    text
}

#[test]
fn awkward_strings_read_back_as_the_same_strings() {
    let strings = [
        "",
        "plain",
        "/lab",
        "yes",
        "No",
        "ON",
        "off",
        "y",
        "null",
        "~",
        "true",
        "1G",
        "0.5",
        "1e3",
        "0x1f",
        "-",
        "- a",
        "a: b",
        "a #b",
        "#c",
        "'q'",
        "\"dq\"",
        "back\\slash",
        "tab\there",
        "bell\u{7}",
        "del\u{7f}",
        "c1\u{85}",
        "bom\u{feff}",
        "é ü 日本",
        "emoji 🎉",
        "{x}",
        "[x]",
        "&anchor",
        "*alias",
        "!tag",
        "%dir",
        "@at",
        "`tick",
        "a,b",
        " lead",
        "trail ",
        "?",
        ":",
        ".inf",
        ".nan",
        "=",
        "<<",
    ];
    let mut root = Map::default();
    for (i, s) in strings.iter().enumerate() {
        root.set(&["k", &format!("{i}")], *s);
        root.set(&[s], i as u64);
    }
    root.set(
        &["list"],
        Node::List(strings.iter().map(|s| Node::from(*s)).collect()),
    );
    let text = round_trip(&root);
    // yaml-rust2 reads YAML 1.2, where these are strings anyway; YAML 1.1
    // readers (PyYAML, and helm's own) take them for booleans.
    for word in ["yes", "No", "ON", "off", "y"] {
        assert!(
            text.contains(&format!("\n  - \"{word}\"\n")),
            "{word}: {text}"
        );
    }
}

#[test]
fn multi_line_text_is_a_block_literal_that_keeps_every_character() {
    let texts = [
        "c.A.b = 1\n",
        "no newline at the end\nsecond",
        "two at the end\n\n",
        "three\n\n\n",
        "  indented first line\nx\n",
        "\nempty first line\n",
        "blank   \n   \nlines\twith\ttabs\n\n  x = [\n      1,\n  ]\n",
        "# a comment\nif x:\n    y = 'z'  # trailing\n",
        "key: value\n- item\n",
    ];
    let mut root = Map::default();
    for (i, t) in texts.iter().enumerate() {
        root.set(&["hub", "extraConfig", &format!("{i}.py")], *t);
    }
    root.set(
        &["in_a_list"],
        Node::List(texts.iter().map(|t| Node::from(*t)).collect()),
    );
    let text = round_trip(&root);
    assert!(
        text.contains("  extraConfig:\n    \"0.py\": |\n      c.A.b = 1\n"),
        "{text}"
    );
    assert!(text.contains("\"1.py\": |-\n"), "{text}");
    assert!(text.contains("\"2.py\": |+\n"), "{text}");
    assert!(text.contains("\"4.py\": |2\n"), "{text}");
}

#[test]
fn text_a_block_cannot_keep_is_double_quoted() {
    let mut root = Map::default();
    root.set(&["crlf"], "a\r\nb\r\n");
    root.set(&["only_newlines"], "\n\n");
    root.set(&["control"], "a\nb\u{1}");
    let text = round_trip(&root);
    assert!(text.contains("crlf: \"a\\x0d\\nb\\x0d\\n\""), "{text}");
}

#[test]
fn numbers_bools_nulls_and_empty_collections() {
    let mut root = Map::default();
    root.set(&["int"], Node::Int(-3));
    root.set(&["big"], Node::UInt(u64::MAX / 2));
    root.set(&["float"], Node::Float(2.0));
    root.set(&["half"], Node::Float(0.5));
    root.set(&["t"], true);
    root.set(&["null"], Node::Null);
    root.set(&["empty_list"], Node::List(vec![]));
    root.set(&["empty_map"], Node::Map(Map::default()));
    let text = round_trip(&root);
    assert!(text.contains("float: 2.0\n"), "{text}");
    assert!(text.contains("\"null\": null\n"), "{text}");
}

#[test]
fn nested_lists_and_maps_from_json() {
    let v = json!({"a": [{"x": 1, "y": [1, {"z": "w"}]}, [], [[1, 2], {}], {"m": {}}],
                   "b": {"c": {"d": [true, null, 1.5]}}});
    let Node::Map(root) = Node::from(&v) else {
        panic!()
    };
    let text = round_trip(&root);
    assert!(
        text.contains("a:\n  - x: 1\n    \"y\":\n      - 1\n      - z: w\n"),
        "{text}"
    );
}

#[test]
fn comments_are_written_above_their_keys_and_stay_one_line() {
    let mut root = Map::default();
    root.set(&["hub", "baseUrl"], "/");
    root.comment(&["hub", "baseUrl"], "first\nsecond\u{1b}[31m");
    root.comment(&["cull"], "culler");
    let text = round_trip(&root);
    assert_eq!(
        text,
        "# header\nhub:\n  # first\n  # second?[31m\n  baseUrl: /\n# culler\ncull: {}\n"
    );
}

#[test]
fn entry_keeps_order_and_replaces_a_scalar_on_the_way() {
    let mut root = Map::default();
    root.set(&["b"], 1u64);
    root.set(&["a", "x"], 1u64);
    root.set(&["b", "y"], 2u64);
    root.set(&["a", "w"], 3u64);
    assert_eq!(
        meaning(&Node::Map(root.clone())),
        json!({"b": {"y": 2}, "a": {"x": 1, "w": 3}})
    );
    let keys: Vec<_> = root.entries.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["b", "a"]);
    assert_eq!(root.get(&["a", "w"]), Some(&Node::UInt(3)));
    assert_eq!(root.get(&["a", "nope"]), None);
}
