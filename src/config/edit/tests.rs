use super::*;

fn doc(s: &str) -> DocumentMut {
    s.parse().unwrap()
}

fn sv(s: &str) -> Value {
    Value::from(s)
}

#[test]
fn set_keeps_trailing_comment_and_quoting_elsewhere() {
    let mut d = doc("# top\n[http]\nport = 80 # the port\naddress = '0.0.0.0'\n");
    assert!(set(&mut d, "http.port", Value::from(8080)).unwrap());
    assert_eq!(
        d.to_string(),
        "# top\n[http]\nport = 8080 # the port\naddress = '0.0.0.0'\n"
    );
    assert!(!set(&mut d, "http.address", sv("0.0.0.0")).unwrap());
}

#[test]
fn set_creates_header_tables_after_parent() {
    let mut d = doc("[https]\nenabled = true\n\n[users]\nadmin = [\"a\"]\n");
    set(&mut d, "https.letsencrypt.email", sv("a@b.org")).unwrap();
    set(&mut d, "limits.memory", sv("1G")).unwrap();
    set(&mut d, "base_url", sv("/x/")).unwrap();
    assert_eq!(
        d.to_string(),
        "base_url = \"/x/\"\n[https]\nenabled = true\n\n[https.letsencrypt]\nemail = \"a@b.org\"\n\n[users]\nadmin = [\"a\"]\n\n[limits]\nmemory = \"1G\"\n"
    );
}

#[test]
fn new_top_level_key_goes_below_the_file_comment() {
    let mut d = doc("# My hub\n# (class of 2026)\n\n# staff\n[users]\nadmin = []\n");
    set(&mut d, "base_url", sv("/x/")).unwrap();
    assert_eq!(
        d.to_string(),
        "# My hub\n# (class of 2026)\n\nbase_url = \"/x/\"\n\n# staff\n[users]\nadmin = []\n"
    );
    let mut d = doc("# staff\n[users]\nadmin = []\n");
    set(&mut d, "base_url", sv("/x/")).unwrap();
    assert_eq!(
        d.to_string(),
        "base_url = \"/x/\"\n# staff\n[users]\nadmin = []\n"
    );
}

#[test]
fn implicit_parent_becomes_a_header_with_spacing() {
    let mut d = doc("[https.tls]\ncert = \"/c\"\n");
    set(&mut d, "https.enabled", Value::from(true)).unwrap();
    assert_eq!(
        d.to_string(),
        "[https]\nenabled = true\n\n[https.tls]\ncert = \"/c\"\n"
    );
}

#[test]
fn set_keeps_dotted_style() {
    let mut d = doc("http.port = 80\n");
    set(&mut d, "limits.memory", sv("1G")).unwrap();
    set(&mut d, "http.address", sv("")).unwrap();
    assert_eq!(
        d.to_string(),
        "http.port = 80\nhttp.address = \"\"\nlimits.memory = \"1G\"\n"
    );
}

#[test]
fn set_through_a_value_is_refused() {
    let mut d = doc("users = \"x\"\n");
    let e = set(&mut d, "users.admin", sv("a")).unwrap_err();
    assert!(e.contains("`users` is a string, not a table"), "{e}");
    let mut d = doc("[https]\nenabled = true\n");
    let e = set(&mut d, "https", sv("a")).unwrap_err();
    assert!(e.contains("is a table"), "{e}");
}

#[test]
fn set_into_inline_table() {
    let mut d = doc("users = { admin = [\"a\"] }\n");
    set(&mut d, "users.banned", Value::Array(Array::new())).unwrap();
    assert_eq!(d.to_string(), "users = { admin = [\"a\"], banned = [] }\n");
}

#[test]
fn unset_prunes_empty_tables() {
    let mut d = doc("a = 1\n\n[limits]\nmemory = \"1G\"\n\n[http]\nport = 80\n");
    unset(&mut d, "limits.memory").unwrap();
    assert_eq!(d.to_string(), "a = 1\n\n[http]\nport = 80\n");
    assert_eq!(
        unset(&mut d, "limits.memory").unwrap_err(),
        "`limits.memory` is not set"
    );
    assert!(unset(&mut d, "a.b").is_err());
}

#[test]
fn add_item_multiline_like_siblings() {
    let src = "admin = [\n  \"a\", # teacher\n  \"b\", # ta\n  # \"old\",\n]\n";
    let mut d = doc(src);
    assert!(add_item(&mut d, "admin", sv("c")).unwrap());
    assert_eq!(
        d.to_string(),
        "admin = [\n  \"a\", # teacher\n  \"b\", # ta\n  \"c\",\n  # \"old\",\n]\n"
    );
    assert!(!add_item(&mut d, "admin", sv("c")).unwrap());
}

#[test]
fn add_item_multiline_without_trailing_comma() {
    let mut d = doc("admin = [\n    \"a\",\n    \"b\" # ta\n]\n");
    add_item(&mut d, "admin", sv("c")).unwrap();
    assert_eq!(
        d.to_string(),
        "admin = [\n    \"a\",\n    \"b\", # ta\n    \"c\"\n]\n"
    );
}

#[test]
fn add_item_single_line_and_new() {
    let mut d = doc("[users]\nadmin = ['a']\n");
    add_item(&mut d, "users.admin", sv("b")).unwrap();
    add_item(&mut d, "users.allowed", sv("c")).unwrap();
    assert_eq!(
        d.to_string(),
        "[users]\nadmin = ['a', \"b\"]\nallowed = [\"c\"]\n"
    );
    let e = add_item(&mut d, "users", sv("x")).unwrap_err();
    assert!(e.contains("is a table, not a list"), "{e}");
}

#[test]
fn remove_item_keeps_neighbour_comments() {
    let src = "admin = [\n  \"a\", # teacher\n  \"b\", # ta\n  \"c\", # head\n]\n";
    let mut d = doc(src);
    remove_item(&mut d, "admin", &sv("b")).unwrap();
    assert_eq!(
        d.to_string(),
        "admin = [\n  \"a\", # teacher\n  \"c\", # head\n]\n"
    );
    remove_item(&mut d, "admin", &sv("c")).unwrap();
    assert_eq!(d.to_string(), "admin = [\n  \"a\", # teacher\n]\n");
    remove_item(&mut d, "admin", &sv("a")).unwrap();
    assert_eq!(d.to_string(), "admin = [\n]\n");
}

#[test]
fn empty_multiline_list_keeps_its_comment() {
    let mut d = doc("admin = [ # staff\n  \"a\",\n]\n");
    remove_item(&mut d, "admin", &sv("a")).unwrap();
    assert_eq!(d.to_string(), "admin = [ # staff\n]\n");
    add_item(&mut d, "admin", sv("b")).unwrap();
    assert_eq!(d.to_string(), "admin = [ # staff\n    \"b\",\n]\n");
}

#[test]
fn remove_first_item_keeps_comment_above_next() {
    let src = "admin = [\n  \"a\", # teacher\n  # the assistant\n  \"b\",\n]\n";
    let mut d = doc(src);
    remove_item(&mut d, "admin", &sv("a")).unwrap();
    assert_eq!(d.to_string(), "admin = [\n  # the assistant\n  \"b\",\n]\n");
}

#[test]
fn remove_item_single_line() {
    let mut d = doc("admin = [\"a\", \"b\", \"c\"]\n");
    remove_item(&mut d, "admin", &sv("a")).unwrap();
    remove_item(&mut d, "admin", &sv("c")).unwrap();
    assert_eq!(d.to_string(), "admin = [\"b\"]\n");
    let e = remove_item(&mut d, "admin", &sv("z")).unwrap_err();
    assert_eq!(e, "\"z\" is not in `admin` (it holds: \"b\")");
    assert!(remove_item(&mut d, "nope", &sv("z")).is_err());
}

/// Every layout a person might write stays valid TOML with the right
/// items through adds and removes.
#[test]
fn list_edits_always_give_valid_toml() {
    let layouts = [
        "a = []\n",
        "a = [\n]\n",
        "a = [\"x\"]\n",
        "a = [ \"x\" , \"y\" ]\n",
        "a = [\"x\", \"y\",]\n",
        "a = [\n  \"x\",\n  \"y\"\n]\n",
        "a = [\n  \"x\", # one\n  \"y\" # two\n]\n",
        "a = [ # head\n  \"x\", # one\n  # above y\n  \"y\", # two\n  # tail\n]\n",
        "a = [\"x\", # one\n\"y\"]\n",
        "a = [\n\t\"x\",\t\"y\",\n]\n",
    ];
    for src in layouts {
        let mut d = doc(src);
        let mut want: Vec<String> = match to_json(&d)["a"].as_array() {
            Some(a) => a.iter().map(|v| v.as_str().unwrap().to_string()).collect(),
            None => vec![],
        };
        for op in ["+z", "-x", "+w", "-y", "-z", "+x", "-w", "-x"] {
            let (add, item) = op.split_at(1);
            if add == "+" {
                add_item(&mut d, "a", sv(item)).unwrap();
                want.push(item.to_string());
            } else if want.iter().any(|w| w == item) {
                remove_item(&mut d, "a", &sv(item)).unwrap();
                want.retain(|w| w != item);
            } else {
                continue;
            }
            let text = d.to_string();
            let reparsed: DocumentMut = text
                .parse()
                .unwrap_or_else(|e| panic!("{src:?} {op}: invalid TOML\n{text}\n{e}"));
            assert_eq!(
                to_json(&reparsed)["a"],
                serde_json::json!(want),
                "{src:?} {op}:\n{text}"
            );
            d = reparsed;
        }
    }
}

#[test]
fn json_round_trip_for_display() {
    let d = doc("[http]\nport = 80\n[users]\nadmin = [\"a\"]\n");
    let j = to_json(&d);
    assert_eq!(
        j,
        serde_json::json!({"http": {"port": 80}, "users": {"admin": ["a"]}})
    );
    assert_eq!(
        json_to_document(&j).to_string(),
        "[http]\nport = 80\n\n[users]\nadmin = [\"a\"]\n"
    );
}
