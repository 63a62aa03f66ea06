//! # AdaGrad's trajectory-dependent norm vs RMSProp's isotropic one
//!
//! **[A] Thm 6**: "Let w satisfy AdaGrad flow … Then, any limit point of {ŵ(t)} is along the
//! direction of a KKT point of the following optimization problem (P_A):
//! min ½‖h∞^{-1/2} ⊙ w‖² subject to q_i(w) ≥ 1." **[A] Thm 7**: RMSProp / Adam flow → the
//! plain ℓ2 problem. **[A] §6.2**: "the h∞^{-1/2} in AdaGrad are different for 100 runs and
//! h∞^{-1/2} in RMSProp and Adam (w/m) coincide … h∞^{-1/2} in AdaGrad is sensitive to
//! initialization."
//!
//! On the 2-D leaky-ReLU model of [A] App. F.3 (`adagrad_2d`, `rmsprop_2d`) across 20
//! initialization seeds: the direction of AdaGrad's h∞^{-1/2} = (ε + G)^{1/4} (read from its
//! final state with `AdaGrad::h_inv_sqrt`) spreads, while RMSProp's (ε + v)^{1/4} (recomputed
//! from the gradients it received, [A] eq. 3) is isotropic to within 10⁻³. The κ of AdaGrad's
//! own weighted ℓ2 norm is recorded over training (`adagrad_2d_trend`, three seeds) and
//! decreases — but stays ≈ 0.08–0.19 after 2·10⁵ steps: convergence to the KKT point is slower
//! than the budget (**open case**, as is `adagrad_net_open` on the two-layer net, where even the
//! κ trend is absent and only the growth of the weighted margin is asserted).

use crate::common::*;
use approx::abs_diff_eq;
use implicit_bias::error::Result;
use implicit_bias::norms::NormSpec;
use implicit_bias::numfmt::sig3;
use implicit_bias::optim::{
    AdaGrad, Claims, OptState, Optimizer, ScaledGrad, ScheduleClass, Step, UpdateRule,
};
use implicit_bias::params::Layout;
use implicit_bias::theorem_case::TheoremCase;
use serde::Serialize;
use std::collections::BTreeMap;

/// Wraps an optimizer and accumulates the squared gradients it receives the way [A] eq. 3
/// defines the conditioners: `decay = None` gives AdaGrad's G = Σ g², `Some(β)` RMSProp's
/// v ← βv + (1−β)g². Plain f64 is enough here: the 2-D runs keep g² far above 10⁻³⁰⁰.
#[derive(Debug)]
struct Conditioner {
    inner: Box<dyn Optimizer>,
    decay: Option<f64>,
}

struct CondState {
    inner: OptState,
    acc: Vec<f64>,
}

impl UpdateRule for Conditioner {
    type State = CondState;
    fn name(&self) -> String {
        self.inner.name()
    }
    fn init(&self, layout: &Layout) -> Result<CondState> {
        Ok(CondState {
            inner: self.inner.init(layout)?,
            acc: vec![0.0; layout.len()],
        })
    }
    fn update(
        &self,
        grad: ScaledGrad<'_>,
        st: &mut CondState,
        step: &Step<'_>,
        delta: &mut [f64],
    ) -> Result<()> {
        let scale = grad.log_scale.exp();
        for (a, d) in st.acc.iter_mut().zip(grad.dir) {
            let g = scale * d;
            *a = match self.decay {
                None => *a + g * g,
                Some(b) => b * *a + (1.0 - b) * g * g,
            };
        }
        self.inner.update(grad, &mut st.inner, step, delta)
    }
}

impl Claims for Conditioner {
    fn implicit_norm(&self, layout: &Layout, state: Option<&CondState>) -> Option<NormSpec> {
        self.inner.implicit_norm(layout, state.map(|s| &s.inner))
    }
    fn theorem(&self) -> &'static str {
        self.inner.theorem()
    }
    fn schedule_class(&self) -> ScheduleClass {
        self.inner.schedule_class()
    }
    fn step_norm(&self, layout: &Layout) -> Option<NormSpec> {
        self.inner.step_norm(layout)
    }
}

/// (ε + acc_j)^{1/4} from a finished run of a wrapped optimizer.
fn h_from(o: &implicit_bias::theorem_case::CaseOutcome, eps: f64) -> Vec<f64> {
    let st = o
        .run
        .state
        .downcast_ref::<CondState>()
        .expect("wrapped state");
    st.acc.iter().map(|a| (eps + a).powf(0.25)).collect()
}

fn unit(v: &[f64]) -> Vec<f64> {
    let n = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    v.iter().map(|x| x / n).collect()
}

fn angle_deg(a: &[f64], b: &[f64]) -> f64 {
    let c: f64 = unit(a).iter().zip(unit(b)).map(|(x, y)| x * y).sum();
    c.clamp(-1.0, 1.0).acos().to_degrees()
}

fn run_seeds(
    c: &TheoremCase,
    seeds: &[u64],
    decay: Option<f64>,
) -> Vec<implicit_bias::theorem_case::CaseOutcome> {
    par_map(seeds, |&s| {
        let mut c = c.clone();
        c.model.seed = s;
        c.name = format!("{}_seed{s}", c.name);
        let opt = Conditioner {
            inner: c.optimizer.build().unwrap(),
            decay,
        };
        c.run_with(&opt)
            .unwrap_or_else(|e| panic!("{}: {e}", c.name))
    })
}

#[derive(Serialize)]
struct Directions {
    adagrad_h_dirs: Vec<[String; 3]>,
    adagrad_max_pairwise_angle_deg: String,
    rmsprop_max_anisotropy: String,
}

/// Thresholds (measured, see the output):
/// * AdaGrad: the largest pairwise angle between the 20 directions of h∞^{-1/2} ≥ 10° (measured
///   22.2°; the directions stay ≥ 4.7° away from the isotropic (1,1,1)/√3) — the norm depends on
///   the initialization;
/// * AdaGrad's state agrees with the gradients it received: (ε + Σg²)^{1/4} recomputed here
///   equals `AdaGrad::h_inv_sqrt` to 1e-9 relative (summation order differs: log-domain root
///   buffer vs plain sum over 5000 terms);
/// * RMSProp: max_j h_j / min_j h_j − 1 ≤ 1e-3 for every seed (measured 5.1e-11: v ≪ ε after
///   2·10⁵ steps) — isotropic, i.e. the plain ℓ2 problem of [A] Thm 7.
#[test]
fn adagrad_norm_depends_on_the_initialization_rmsprop_does_not() {
    let seeds: Vec<u64> = (0..20).collect();
    let ag = run_seeds(&case("adagrad_2d"), &seeds, None);
    let rms = run_seeds(&case("rmsprop_2d"), &seeds, Some(0.9));
    assert_no_failures(&ag);
    assert_no_failures(&rms);

    let mut dirs = Vec::new();
    for o in &ag {
        let h =
            AdaGrad::h_inv_sqrt(&o.run.state.downcast_ref::<CondState>().unwrap().inner).unwrap();
        let mine = h_from(o, 1e-8);
        for (a, b) in h.iter().zip(&mine) {
            assert!(
                abs_diff_eq!(a / b, 1.0, epsilon = 1e-9),
                "{}: h_inv_sqrt {h:?} vs recomputed {mine:?}",
                o.name
            );
        }
        assert_eq!(
            o.run.implicit_norm,
            Some(NormSpec::WeightedL2(h.clone())),
            "{}: AdaGrad's implicit norm must carry its h∞^(-1/2)",
            o.name
        );
        dirs.push(unit(&h));
    }
    let mut max_angle: f64 = 0.0;
    for i in 0..dirs.len() {
        for j in i + 1..dirs.len() {
            max_angle = max_angle.max(angle_deg(&dirs[i], &dirs[j]));
        }
    }
    let iso = unit(&[1.0, 1.0, 1.0]);
    let min_to_iso = dirs
        .iter()
        .map(|d| angle_deg(d, &iso))
        .fold(f64::MAX, f64::min);
    println!("AdaGrad h∞^(-1/2) directions: {dirs:.4?}");
    println!(
        "AdaGrad: max pairwise angle {max_angle:.2}°, min angle to (1,1,1)/√3 {min_to_iso:.2}°"
    );
    assert!(
        max_angle >= 10.0,
        "AdaGrad directions spread only {max_angle:.3}°"
    );

    let mut worst: f64 = 0.0;
    for o in &rms {
        let h = h_from(o, 1e-8);
        let (mx, mn) = h
            .iter()
            .fold((f64::MIN, f64::MAX), |(a, b), &x| (a.max(x), b.min(x)));
        worst = worst.max(mx / mn - 1.0);
    }
    println!("RMSProp: max anisotropy max/min − 1 = {worst:.3e}");
    assert!(worst <= 1e-3, "RMSProp conditioner anisotropy {worst:e}");

    let table = Directions {
        adagrad_h_dirs: dirs
            .iter()
            .map(|d| [sig3(d[0]), sig3(d[1]), sig3(d[2])])
            .collect(),
        adagrad_max_pairwise_angle_deg: sig3(max_angle),
        rmsprop_max_anisotropy: sig3(worst),
    };
    insta_settings().bind(|| insta::assert_yaml_snapshot!("theorems__adagrad_directions", table));
}

/// The κ of AdaGrad's own weighted ℓ2 norm along training (open case; expectations in the case
/// files), and the weighted margin on the two-layer net.
#[test]
fn adagrad_own_kappa_is_recorded_and_trends_down() {
    let trend = case("adagrad_2d_trend");
    let mut outs = run_seeds(&trend, &[0, 1, 2], None);
    let net = case("adagrad_net_open");
    outs.push(net.run().unwrap());
    for o in &outs {
        println!("{}", describe(o));
    }
    assert_no_failures(&outs);
    // Two-layer open case: the weighted-ℓ2 (own) margin at the final θ exceeds the one at the first
    // checkpoint by ≥ 30 % (measured 1.016e-2 -> 1.711e-2, +68 %) — the late phase increases the
    // margin of the norm the theorem names, even though its KKT point is out of reach.
    let o = outs.last().unwrap();
    let g0 = o.points[0].own.as_ref().unwrap().margin;
    let g1 = o.last().unwrap().own.as_ref().unwrap().margin;
    println!("adagrad_net_open: own (weighted ℓ2) margin {g0:.4e} -> {g1:.4e}");
    assert!(g1 >= 1.3 * g0, "weighted margin {g0} -> {g1}");

    let kappas: BTreeMap<String, Vec<String>> = outs
        .iter()
        .map(|o| {
            (
                o.name.clone(),
                o.own_kappas().iter().map(|k| log_kappa(*k)).collect(),
            )
        })
        .collect();
    insta_settings().bind(|| {
        let rows: Vec<_> = outs.iter().map(|o| o.summary()).collect();
        insta::assert_yaml_snapshot!("theorems__adagrad_weighted", (kappas, rows));
    });
}
