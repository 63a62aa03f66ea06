//! Shared helpers of the theorem suites: loading the case files of a suite, running cases
//! on both cores, printing a table, the insta settings (snapshots in the top-level
//! `snapshots/`).

use implicit_bias::numfmt::log10_1_floor;
use implicit_bias::theorem_case::{CaseOutcome, TheoremCase, KAPPA_FLOOR};
use std::borrow::Borrow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// `fixtures/cases/` of the crate.
pub fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cases")
}

/// Every case file, parsed (panics with the parse error: a broken case file is a test
/// failure).
pub fn all_cases() -> Vec<TheoremCase> {
    TheoremCase::load_dir(&cases_dir()).unwrap_or_else(|e| panic!("loading case files: {e}"))
}

/// The cases of one suite, sorted by name.
pub fn suite_cases(suite: &str) -> Vec<TheoremCase> {
    let v: Vec<TheoremCase> = all_cases()
        .into_iter()
        .filter(|c| c.suite == suite)
        .collect();
    assert!(
        !v.is_empty(),
        "suite `{suite}` has no case files in fixtures/cases"
    );
    v
}

/// One case by name.
pub fn case(name: &str) -> TheoremCase {
    TheoremCase::load(&cases_dir().join(format!("{name}.toml")))
        .unwrap_or_else(|e| panic!("loading case `{name}`: {e}"))
}

/// Run `f` on every item with two worker threads (the machine has two cores); results in
/// input order.
pub fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 2);
    let next = Mutex::new(0usize);
    let out: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = {
                    let mut n = next.lock().unwrap();
                    let i = *n;
                    *n += 1;
                    i
                };
                if i >= items.len() {
                    break;
                }
                let r = f(&items[i]);
                *out[i].lock().unwrap() = Some(r);
            });
        }
    });
    out.into_iter()
        .map(|m| m.into_inner().unwrap().expect("worker finished"))
        .collect()
}

/// Outcomes shared by the tests of this binary, keyed by case name (names are unique, see
/// `every_case_file_parses_and_belongs_to_a_suite`): a case that two suites look at (e.g. an
/// NGD run checked by its own suite and by the soft-margin suite) is trained once.
type Cell = Arc<OnceLock<Arc<CaseOutcome>>>;
static CACHE: OnceLock<Mutex<HashMap<String, Cell>>> = OnceLock::new();

/// Run a case once per test binary (see [`CACHE`]); panics on a setup error (a case that
/// cannot even run is broken).
pub fn run_cached(c: &TheoremCase) -> Arc<CaseOutcome> {
    let cell: Cell = {
        let mut map = CACHE.get_or_init(Default::default).lock().unwrap();
        map.entry(c.name.clone()).or_default().clone()
    };
    cell.get_or_init(|| {
        Arc::new(
            c.run()
                .unwrap_or_else(|e| panic!("case `{}` could not run: {e}", c.name)),
        )
    })
    .clone()
}

/// Run cases on both cores (through the cache).
pub fn run_cases(cases: &[TheoremCase]) -> Vec<Arc<CaseOutcome>> {
    par_map(cases, run_cached)
}

/// A one-line-per-point table of an outcome (printed with `--nocapture`, and included in
/// assertion messages).
pub fn describe(o: &CaseOutcome) -> String {
    let mut s = format!(
        "case {} ({}, {}): {} steps, log10 L = {:.1}, stop {:?}, wall {:.1}s\n",
        o.name,
        o.optimizer,
        o.model,
        o.run.steps,
        o.final_log10_loss(),
        o.run.stop,
        o.run.wall_seconds
    );
    for p in &o.points {
        s.push_str(&format!(
            "  {:<16} step {:>8} log10L {:>9.1}:",
            p.label,
            p.step,
            p.log_loss / std::f64::consts::LN_10
        ));
        for c in &p.certificates {
            s.push_str(&format!(
                " {}[γ {:.3e} κ {:.2e} lb {:.2e} {} {:.2}s r{}]",
                c.norm,
                c.margin,
                c.kappa,
                c.kappa_lower_bound,
                c.verdict,
                c.lp.solve_seconds,
                c.lp.rounds
            ));
            if c.tau_search.is_some() {
                s.push_str(&format!(" τ_kkt {}", tau_kkt(c)));
            }
        }
        if let Some(c) = &p.own {
            if !p.certificates.iter().any(|x| x.norm == c.norm) {
                s.push_str(&format!(
                    " own:{}[κ {:.2e} lb {:.2e} {}]",
                    c.norm, c.kappa, c.kappa_lower_bound, c.verdict
                ));
            }
        }
        if let Some(e) = &p.error {
            s.push_str(&format!(" ERROR {e}"));
        }
        s.push('\n');
    }
    if !o.margin_ratios.is_empty() {
        s.push_str(&format!("  margin ratios γ/γ*: {:?}\n", o.margin_ratios));
    }
    s.push_str(&format!(
        "  assumptions of {} ({}):\n",
        o.theorem_id.citation(),
        o.theorem_id
    ));
    for a in &o.assumptions {
        s.push_str(&format!("    {a}\n"));
    }
    if let Some(k) = &o.kink_scan {
        s.push_str(&format!(
            "  kink tolerance (final own certificate): {} near-kinks and {} at {:.0e}; flips at {}; scan:",
            k.configured.kinks,
            k.configured.verdict,
            k.configured.kink_tol,
            k.flip.map_or("no tolerance of 1e-9..1e-1".into(), |t| format!("{t:.0e}"))
        ));
        for q in &k.points {
            s.push_str(&format!(
                " {:.0e}:{}/{}/κ {:.1e}",
                q.kink_tol, q.kinks, q.verdict, q.kappa
            ));
        }
        s.push('\n');
    }
    if let Some(why) = &o.outside {
        s.push_str(&format!("  OUTSIDE THE ASSUMPTIONS (deliberate): {why}\n"));
    }
    for f in &o.failures {
        s.push_str(&format!("  FAILED: {f}\n"));
    }
    s
}

/// A certificate's τ_kkt as text: the τ, `0`, or `> τ_max` when no τ ≤ τ_max is `kkt`.
pub fn tau_kkt(c: &implicit_bias::kkt::Certificate) -> String {
    match c.tau_kkt {
        Some(t) => format!("{t:.2e}"),
        None => format!("> {}", implicit_bias::kkt::TAU_MAX),
    }
}

/// Assert that no case has a failed expectation (all failures in one message).
pub fn assert_no_failures<O: Borrow<CaseOutcome>>(outcomes: &[O]) {
    let bad: Vec<String> = outcomes
        .iter()
        .map(|o| o.borrow())
        .filter(|o| !o.failures.is_empty())
        .map(describe)
        .collect();
    assert!(bad.is_empty(), "expectations failed:\n{}", bad.join("\n"));
}

/// Insta settings: snapshots in the top-level `snapshots/` directory, no
/// module prefix, so a snapshot is `snapshots/theorems__<name>.snap`.
pub fn insta_settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots"));
    s.set_prepend_module_to_snapshot(false);
    s
}

/// A κ-like number (gap, lower bound, residual) in the snapshot format of
/// `CaseOutcome::summary`: log10 to one decimal, `<-6` below 10⁻⁶ (see
/// `src/theorem_case/summary.rs`), so snapshots do not churn on rounding.
pub fn log_kappa(v: f64) -> String {
    log10_1_floor(v, KAPPA_FLOOR)
}

/// A markdown verdict matrix (optimizer × norm, "verdict (κ)") of the final checked points.
pub fn verdict_matrix<O: Borrow<CaseOutcome>>(outs: &[O]) -> String {
    let outs: Vec<&CaseOutcome> = outs.iter().map(|o| o.borrow()).collect();
    let mut norms: Vec<String> = Vec::new();
    for o in &outs {
        for n in &o.norms {
            if !norms.contains(n) {
                norms.push(n.clone());
            }
        }
    }
    let mut s = format!("| case | optimizer | own | {} |\n", norms.join(" | "));
    s.push_str(&format!("|---|---|---|{}\n", "---|".repeat(norms.len())));
    for o in &outs {
        let Some(p) = o.last() else { continue };
        let cells: Vec<String> = norms
            .iter()
            .map(|n| match p.cert(n) {
                Some(c) => format!("{} ({:.1e})", c.verdict, c.kappa),
                None => String::new(),
            })
            .collect();
        s.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            o.name,
            o.optimizer,
            o.own.clone().unwrap_or_default(),
            cells.join(" | ")
        ));
    }
    s
}

/// (step, γ_N) at every trace point where θ separates the data (q_min > 0).
pub fn trace_margins(o: &CaseOutcome, norm: &str) -> Vec<(u64, f64)> {
    let i = o
        .trace_norms
        .iter()
        .position(|n| n == norm)
        .unwrap_or_else(|| panic!("{}: `{norm}` is not traced", o.name));
    o.run
        .trace
        .iter()
        .filter(|p| p.q_min > 0.0)
        .map(|p| (p.step, p.margins[i]))
        .collect()
}

/// (step, γ_N/γ*_N) at every separating trace point (linear models with a reference).
pub fn trace_ratios(o: &CaseOutcome, norm: &str) -> Vec<(u64, f64)> {
    let g = o.references[norm];
    trace_margins(o, norm)
        .into_iter()
        .map(|(s, m)| (s, m / g))
        .collect()
}

/// Least squares y ≈ a + b·x and the worst relative residual max_k |y_k − a − b x_k|/y_k.
pub fn affine(xs: &[f64], ys: &[f64]) -> (f64, f64, f64) {
    let n = xs.len() as f64;
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let sxy: f64 = xs.iter().zip(ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
    let b = sxy / sxx;
    let a = my - b * mx;
    let worst = xs
        .iter()
        .zip(ys)
        .map(|(x, y)| ((y - a - b * x) / y).abs())
        .fold(0.0, f64::max);
    (a, b, worst)
}
