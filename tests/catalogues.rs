//! Guard tests of the single-source catalogues (`implicit_bias::catalogue`): every table
//! agrees with its parser, with the conformance rosters, and with the README and module-doc
//! tables, so adding an optimizer / norm / model to one place and forgetting another fails
//! here.

use implicit_bias::catalogue::Row;
use implicit_bias::list::catalogues as all;
use implicit_bias::optim::{catalogue as optim_catalogue, OptimizerConfig};
use std::collections::BTreeSet;

fn names(rows: &[Row]) -> BTreeSet<String> {
    rows.iter().map(|r| r.name.clone()).collect()
}

fn rows_of(kind: &str) -> Vec<Row> {
    all()
        .into_iter()
        .find(|c| c.kind == kind)
        .unwrap_or_else(|| panic!("no catalogue `{kind}`"))
        .rows
}

/// The backticked names in the first column of the markdown table that follows `heading`
/// in `text` (a row like "| `momentum_gd`, `normalized_momentum_gd` | …" gives both; the part
/// of a name before `:`, `{` or ` ` is kept, so `lp:<p>` gives `lp`).
fn table_names(text: &str, heading: &str) -> BTreeSet<String> {
    let start = text
        .find(heading)
        .unwrap_or_else(|| panic!("heading `{heading}` not found"));
    let mut out = BTreeSet::new();
    let mut in_table = false;
    let mut body = false;
    for line in text[start..].lines().skip(1) {
        let l = line.trim_start_matches("//!").trim();
        if l.starts_with('|') {
            in_table = true;
            // Rows above the `|---|` separator are the header.
            if l.starts_with("|---") || l.starts_with("| ---") {
                body = true;
                continue;
            }
            if !body {
                continue;
            }
            let first = l.trim_start_matches('|').split('|').next().unwrap_or("");
            for (k, part) in first.split('`').enumerate() {
                if k % 2 == 1 {
                    let head = part.split([':', '{', ' ']).next().unwrap_or(part);
                    out.insert(head.to_string());
                }
            }
        } else if in_table {
            break;
        }
    }
    assert!(!out.is_empty(), "no table after `{heading}`");
    out
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn every_catalogue_is_listed_with_rows() {
    let kinds: Vec<&str> = all().iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        [
            "optimizers",
            "norms",
            "models",
            "activations",
            "losses",
            "schedules",
            "inits",
            "generators",
            "data_formats"
        ]
    );
    for c in all() {
        assert!(!c.rows.is_empty(), "{}", c.kind);
        let n = names(&c.rows);
        assert_eq!(n.len(), c.rows.len(), "{}: duplicate names", c.kind);
        for r in &c.rows {
            assert!(!r.summary.is_empty() && !r.usage.is_empty(), "{r:?}");
            assert!(r.usage.starts_with(&r.name), "{r:?}");
        }
    }
}

#[test]
fn optimizer_catalogue_parses_builds_and_shows_defaults() {
    for e in optim_catalogue::entries() {
        for name in std::iter::once(&e.name).chain(e.aliases) {
            let c = OptimizerConfig::parse_name(name);
            if e.required.is_empty() {
                let c = c.unwrap_or_else(|err| panic!("{name}: {err}"));
                assert_eq!(c.name(), e.name);
                c.build().unwrap_or_else(|err| panic!("{name}: {err}"));
                // Every default is in the config's table and in the list row.
                let row = optim_catalogue::rows()
                    .into_iter()
                    .find(|r| r.name == e.name)
                    .unwrap();
                for k in e.defaults().keys() {
                    assert!(c.params().contains_key(k), "{name}: {k}");
                    assert!(row.usage.contains(&format!("{k} = ")), "{row:?}");
                }
            } else {
                let err = c
                    .and_then(|c| c.build().map(|_| ()))
                    .expect_err("a required field is missing")
                    .to_string();
                for f in e.required {
                    assert!(err.contains(f), "{name}: {err}");
                }
            }
        }
    }
    // Adam's ε = 0 differs from PyTorch's 1e-8: the list shows it.
    let adam = optim_catalogue::rows()
        .into_iter()
        .find(|r| r.name == "adam")
        .unwrap();
    assert!(adam.usage.contains("eps = 0"), "{adam:?}");
    // Conventional aliases.
    for (alias, name) in [("rmsprop", "rms_prop"), ("adagrad", "ada_grad")] {
        assert_eq!(OptimizerConfig::parse_name(alias).unwrap().name(), name);
    }
    // The parse error lists exactly the catalogue.
    let err = OptimizerConfig::parse_name("nope").unwrap_err().to_string();
    for e in optim_catalogue::entries() {
        assert!(err.contains(e.name), "{err}");
    }
}

#[test]
fn optimizer_tables_in_the_readme_and_module_docs_match_the_catalogue() {
    let cat = names(&rows_of("optimizers"));
    let readme = table_names(&read("README.md"), "## Optimizers and their implicit norms");
    assert_eq!(readme, cat, "README optimizer table");
    let module = table_names(&read("src/optim/mod.rs"), "| name | rule | implicit norm");
    assert_eq!(module, cat, "src/optim/mod.rs table");
}

/// One valid example per norm head; a new head without an example fails here.
fn norm_example(head: &str) -> &'static str {
    match head {
        "l1" => "l1",
        "l2" => "l2",
        "linf" => "linf",
        "lp" => "lp:3",
        "spectral" => "spectral",
        "max_spectral" => "max_spectral",
        "hybrid" => "hybrid:0.5:1",
        "max_block" => "max_block:W=spectral@1,u=linf@2",
        "weighted_l2" => "weighted_l2",
        other => panic!("norm `{other}` has no example in tests/catalogues.rs"),
    }
}

#[test]
fn norm_catalogue_is_the_parser() {
    use implicit_bias::norms::NormSpec;
    for r in rows_of("norms") {
        let ex = norm_example(&r.name);
        match NormSpec::parse(ex) {
            Ok(n) => {
                // Display gives a spec string with the same head, and it parses back.
                let shown = n.to_string();
                assert!(shown.starts_with(&r.name), "{ex} → {shown}");
                assert_eq!(NormSpec::parse(&shown).unwrap(), n);
            }
            // Its weights come from a file: the parser says so.
            Err(e) => assert!(r.name == "weighted_l2" && e.to_string().contains("weights")),
        }
    }
    let err = NormSpec::parse("l7").unwrap_err().to_string();
    for r in rows_of("norms") {
        assert!(err.contains(&r.name), "{err}");
    }
    let module = table_names(&read("src/norms/spec.rs"), "| spec | norm |");
    assert_eq!(module, names(&rows_of("norms")), "src/norms/spec.rs table");
    let readme = table_names(&read("README.md"), "### Norms");
    assert_eq!(readme, names(&rows_of("norms")), "README norms table");
}

#[test]
fn model_and_activation_catalogues_are_the_parsers() {
    use implicit_bias::models::{Activation, ModelSpec};
    for r in rows_of("activations") {
        let ex = match r.name.as_str() {
            "relu" => "relu",
            "relu_pow" => "relu_pow:2",
            "quadratic" => "quadratic",
            "leaky_relu" => "leaky_relu:0.1",
            other => panic!("activation `{other}` has no example"),
        };
        Activation::parse(ex).unwrap_or_else(|e| panic!("{ex}: {e}"));
    }
    for r in rows_of("models") {
        let ex = match r.name.as_str() {
            "linear" => "linear",
            "two_layer" => "two_layer:relu:k=4",
            "two_layer_frozen" => "two_layer_frozen:relu_pow:2:k=4",
            "deep_linear" => "deep_linear:3",
            "diagonal_linear" => "diagonal_linear",
            "mlp" => "mlp:relu_pow:2:k=8,8",
            other => panic!("model `{other}` has no example"),
        };
        let m = ModelSpec::parse(ex).unwrap_or_else(|e| panic!("{ex}: {e}"));
        assert!(m.to_string().starts_with(&r.name));
    }
    let err = ModelSpec::parse("mlp7").unwrap_err().to_string();
    for r in rows_of("models") {
        assert!(err.contains(&r.name), "{err}");
    }
    let err = Activation::parse("swish").unwrap_err().to_string();
    for r in rows_of("activations") {
        assert!(err.contains(&r.name), "{err}");
    }
    let module = table_names(&read("src/models/spec.rs"), "| spec | model | L |");
    assert_eq!(
        module,
        names(&rows_of("models")),
        "src/models/spec.rs table"
    );
    let readme = table_names(&read("README.md"), "### Models");
    assert_eq!(readme, names(&rows_of("models")), "README models table");
}

/// The variant names serde lists in its "unknown variant … expected one of …" error.
fn serde_variants(err: &str) -> BTreeSet<String> {
    let tail = err
        .split("expected one of")
        .nth(1)
        .or_else(|| err.split("expected").nth(1))
        .unwrap_or_else(|| panic!("no variant list in `{err}`"));
    tail.split('`')
        .enumerate()
        .filter(|(k, _)| k % 2 == 1)
        .map(|(_, s)| s.to_string())
        .collect()
}

#[test]
fn serde_tagged_catalogues_match_their_enums() {
    use implicit_bias::experiment::GeneratorConfig;
    use implicit_bias::loss::Loss;
    use implicit_bias::models::Init;
    use implicit_bias::optim::Schedule;
    let bad = "type = \"__none__\"";
    let cases = [
        (
            "schedules",
            toml::from_str::<Schedule>(bad).unwrap_err().to_string(),
        ),
        (
            "inits",
            toml::from_str::<Init>(bad).unwrap_err().to_string(),
        ),
        (
            "generators",
            toml::from_str::<GeneratorConfig>(bad)
                .unwrap_err()
                .to_string(),
        ),
        (
            "losses",
            serde_json::from_str::<Loss>("\"__none__\"")
                .unwrap_err()
                .to_string(),
        ),
    ];
    for (kind, err) in cases {
        let variants = serde_variants(&err);
        let rows = rows_of(kind);
        let listed: BTreeSet<String> = rows
            .iter()
            .flat_map(|r| std::iter::once(r.name.clone()).chain(r.aliases.clone()))
            .filter(|n| variants.contains(n))
            .collect();
        assert_eq!(listed, variants, "{kind}: serde accepts {variants:?}");
        for r in &rows {
            assert!(
                variants.contains(&r.name),
                "{kind}: `{}` is not a variant",
                r.name
            );
        }
    }
    for r in rows_of("losses") {
        for n in std::iter::once(&r.name).chain(&r.aliases) {
            assert_eq!(Loss::parse(n).map(|l| l.name()), Some(r.name.as_str()));
        }
    }
}

#[test]
fn data_formats_are_the_ones_the_loader_accepts() {
    let formats = names(&rows_of("data_formats"));
    assert_eq!(
        formats,
        ["csv", "idx", "json"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    );
}
