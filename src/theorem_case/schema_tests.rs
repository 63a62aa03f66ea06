//! Unit tests of the case file format and its assumption checks (`schema.rs`).
use super::*;

const MINIMAL: &str = r#"
suite = "extra"
theorem = "t"
theorem_id = "M3.2"
[data]
generator = { type = "linear_teacher", m = 8, d = 3, seed = 1 }
[model]
spec = "linear"
[train]
max_steps = 10
[optimizer]
type = "ngd"
[schedule]
type = "constant"
eta0 = 0.1
[check]
norms = ["l2"]
own = "l2"
"#;

#[test]
fn own_is_the_implicit_keyword_or_a_norm() {
    let c = TheoremCase::parse(MINIMAL, "min", Path::new(".")).unwrap();
    assert_eq!(c.check.own, Some(OwnNorm::Norm(NormSpec::L2)));
    assert_eq!(c.check.norms, vec![NormSpec::L2]);
    let text = MINIMAL.replace("own = \"l2\"", "own = \"implicit\"");
    let c = TheoremCase::parse(&text, "min", Path::new(".")).unwrap();
    assert_eq!(c.check.own, Some(OwnNorm::Implicit));
    assert_eq!(c.check.own.as_ref().unwrap().resolve(None), None);
    let w = NormSpec::WeightedL2(vec![1.0, 2.0]);
    assert_eq!(
        c.check.own.as_ref().unwrap().resolve(Some(&w)),
        Some(w.clone())
    );
    let text = MINIMAL.replace("own = \"l2\"", "own = { weighted_l2 = [1.0, 2.0] }");
    let c = TheoremCase::parse(&text, "min", Path::new(".")).unwrap();
    assert_eq!(c.check.own, Some(OwnNorm::Norm(w)));
    // The serialized form is the spec string (or the keyword).
    let own = toml::to_string(&c.check).unwrap();
    assert!(own.contains("norms = [\"l2\"]"), "{own}");
}

#[test]
fn a_minimal_case_parses_and_runs() {
    let c = TheoremCase::parse(MINIMAL, "min", Path::new(".")).unwrap();
    assert_eq!(c.name, "min");
    let o = c.run().unwrap();
    assert_eq!(o.run.steps, 10);
    assert_eq!(o.points.len(), 1);
    assert_eq!(o.points[0].label, "final");
}

/// MINIMAL with its optimizer, schedule, model and theorem replaced.
fn variant(theorem: &str, opt: &str, schedule: &str, model: &str) -> String {
    MINIMAL
        .replace(
            "theorem_id = \"M3.2\"",
            &format!("theorem_id = \"{theorem}\""),
        )
        .replace("type = \"ngd\"", opt)
        .replace("type = \"constant\"\neta0 = 0.1", schedule)
        .replace("spec = \"linear\"", &format!("spec = \"{model}\""))
}

fn load_error(text: &str) -> String {
    match TheoremCase::parse(text, "assume", Path::new(".")) {
        Err(Error::Config(msg)) => msg,
        other => panic!("expected a config error, got {other:?}"),
    }
}

#[test]
fn a_case_outside_its_theorems_assumptions_fails_to_load_naming_the_assumption() {
    let constant = "type = \"constant\"\neta0 = 0.1";
    let power = |a: f64| format!("type = \"power\"\neta0 = 0.1\ndecay = {a}");
    let relu2 = "two_layer:relu_pow:2:k=4";
    // (LR-MSD) for L = 1 needs a decaying η: a constant one is refused, a = 0.3 loads.
    let mgd = "type = \"momentum_gd\"";
    let msg = load_error(&variant("M3.3", mgd, constant, "linear"));
    assert!(msg.contains("(LR-MSD)") && msg.contains("assume"), "{msg}");
    TheoremCase::parse(
        &variant("M3.3", mgd, &power(0.3), "linear"),
        "ok",
        Path::new("."),
    )
    .unwrap();
    // For the two-layer ReLU² net L = 3: decay 0.65 < 2/3 is refused, 0.7 loads.
    let msg = load_error(&variant("M3.3", mgd, &power(0.65), relu2));
    assert!(msg.contains("(LR-MSD)") && msg.contains("L = 3"), "{msg}");
    TheoremCase::parse(
        &variant("M3.3", mgd, &power(0.7), relu2),
        "ok",
        Path::new("."),
    )
    .unwrap();
    // (LR-NSD): Σ η = ∞ needs a ≤ 1.
    let msg = load_error(&variant("M3.2", "type = \"ngd\"", &power(1.2), "linear"));
    assert!(msg.contains("(LR-NSD)"), "{msg}");
    // Adam: ε = 0 and β1 ≤ β2.
    let adam = |b1: f64, b2: f64, eps: f64| {
        format!("type = \"adam\"\nbeta1 = {b1}\nbeta2 = {b2}\neps = {eps}")
    };
    let msg = load_error(&variant(
        "M3.6",
        &adam(0.9, 0.95, 1e-8),
        &power(0.3),
        "linear",
    ));
    assert!(msg.contains("ε = 0"), "{msg}");
    let msg = load_error(&variant(
        "M3.6",
        &adam(0.99, 0.95, 0.0),
        &power(0.3),
        "linear",
    ));
    assert!(msg.contains("β1 ≤ β2"), "{msg}");
    TheoremCase::parse(
        &variant("M3.6", &adam(0.9, 0.95, 0.0), &power(0.3), "linear"),
        "ok",
        Path::new("."),
    )
    .unwrap();
    // The method must be the theorem's.
    let msg = load_error(&variant("M3.6", "type = \"ngd\"", &power(0.3), "linear"));
    assert!(msg.contains("method"), "{msg}");
    // [A]: ε > 0, a constant step, and a C² model for the discrete-time Thm 8.
    let rms = |eps: f64| format!("type = \"rms_prop\"\neps = {eps}");
    let msg = load_error(&variant("A7", &rms(0.0), constant, "linear"));
    assert!(msg.contains("ε > 0"), "{msg}");
    let msg = load_error(&variant("A7", &rms(1e-8), &power(0.3), "linear"));
    assert!(msg.contains("Assumption 2.II"), "{msg}");
    let msg = load_error(&variant("A7", &rms(1e-8), constant, relu2));
    assert!(
        msg.contains("Assumption 2.I") && msg.contains("not C²"),
        "{msg}"
    );
    TheoremCase::parse(
        &variant("A7", &rms(1e-8), constant, "linear"),
        "ok",
        Path::new("."),
    )
    .unwrap();
}

#[test]
fn the_outside_marker_admits_a_violation_and_a_stale_marker_is_refused() {
    let text = variant(
        "M3.3",
        "type = \"momentum_gd\"",
        "type = \"constant\"\neta0 = 0.1",
        "linear",
    )
    .replace("[data]", "outside = \"deliberate contrast\"\n[data]");
    let c = TheoremCase::parse(&text, "contrast", Path::new(".")).unwrap();
    assert_eq!(c.outside.as_deref(), Some("deliberate contrast"));
    let stale = MINIMAL.replace("[data]", "outside = \"no reason\"\n[data]");
    let msg = load_error(&stale);
    assert!(msg.contains("remove the marker"), "{msg}");
    // A run of the contrast records the violated assumption and no failure for it.
    let o = c.run().unwrap();
    assert!(o
        .assumptions
        .iter()
        .any(|a| a.name == "(LR-MSD)" && a.status == Status::Fails));
    assert!(
        !o.failures.iter().any(|f| f.contains("assumption")),
        "{:?}",
        o.failures
    );
}

#[test]
fn spec_degree_is_the_models_degree() {
    for spec in [
        "linear",
        "two_layer:relu:k=3",
        "two_layer:relu_pow:2:k=3",
        "two_layer_frozen:relu_pow:3:k=3",
        "two_layer:quadratic:k=2",
        "deep_linear:3",
        "diagonal_linear",
        "mlp:relu:k=3,2",
        "mlp:relu_pow:2:k=3,3,2",
    ] {
        let s = ModelSpec::parse(spec).unwrap();
        let (m, _) = s.instantiate(3, &Init::default(), 0).unwrap();
        assert_eq!(
            super::super::assumptions::spec_degree(&s),
            m.degree(),
            "{spec}"
        );
    }
}

#[test]
fn bad_files_are_config_errors_naming_the_case() {
    let bad = [
        MINIMAL.replace("own = \"l2\"", "own = \"l7\""),
        MINIMAL.replace("norms = [\"l2\"]", "norms = []"),
        MINIMAL.replace(
            "[check]",
            "[expect]\nverdicts = { l1 = [\"kkt\"] }\n[check]",
        ),
        MINIMAL.replace(
            "[check]",
            "[expect]\nmin_margin_ratio = { spectral = 1.0 }\n[check]",
        ),
        MINIMAL.replace("[check]", "[expect]\nstop = \"diverged\"\n[check]"),
        MINIMAL.replace("max_steps = 10", "max_steps = 10\nbogus = 1"),
        MINIMAL.replace("type = \"ngd\"", "type = \"ngd\"\nbeta = 0.9"),
    ];
    for (i, text) in bad.iter().enumerate() {
        match TheoremCase::parse(text, "broken", Path::new(".")) {
            Err(Error::Config(msg)) => assert!(msg.contains("broken"), "{i}: {msg}"),
            other => panic!("{i}: expected a config error, got {other:?}"),
        }
    }
}
