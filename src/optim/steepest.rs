//! Steepest descent with respect to any norm, unnormalized and normalized.
//!
//! With the loss gradient g = ∇L(θ) = e^{c}·ĝ (a [`ScaledGrad`]) and a norm N with dual N_*:
//!
//! * **unnormalized** (\[F\] eq. 1): Δθ = −η·N_*(g)·steepest_N(g), i.e. the minimizer of ⟨u, g⟩
//!   over ‖u‖ ≤ ‖g‖_*, scaled by η. Since `steepest` is scale-free and N_* is 1-homogeneous,
//!   Δθ = −η·e^{c}·N_*(ĝ)·steepest_N(ĝ). The factor e^{c} is the *true* gradient scale: the
//!   step is computed as exp(ln η + c + ln N_*(ĝ)) and underflows to 0 exactly when the true
//!   step does (then the underflow is genuine, not an artefact).
//! * **normalized** (\[M\] eq. 3): Δθ = −η·steepest_N(ĝ), so N(Δθ) = η and the step does not
//!   depend on c at all (scale-free: it works for losses like e^{−10⁴}).
//!
//! Named instances:
//!
//! | constructor | norm | normalized | rule |
//! |---|---|---|---|
//! | [`SteepestDescent::gd`] | ℓ2 | no | Δ = −η g |
//! | [`SteepestDescent::ngd`] | ℓ2 | yes | Δ = −η g/‖g‖₂ |
//! | [`SteepestDescent::sign_gd`] | ℓ∞ | yes | Δ = −η sign(g) |
//! | [`SteepestDescent::coordinate_descent`] | ℓ1 | no | Δ = −η ‖g‖_∞ · (ties split evenly over argmax_j \|g_j\|) |
//! | [`SteepestDescent::spectral_descent`] | max-spectral | yes | Δ_b = −η U_b V_bᵀ per block |
//!
//! Spectral descent is Shampoo with accumulation turned off (\[F\] App. C.2): for each block
//! with gradient G_b = U_b Σ_b V_bᵀ the step is −η U_b V_bᵀ, i.e. normalized steepest descent
//! for ‖θ‖ = max_b σ_max(W_b). On a two-layer net with a frozen second layer the layout has
//! one matrix block W, and max-spectral = spectral.
//!
//! Implicit bias: any limit direction is a KKT direction of the max-margin problem of N —
//! \[F\] Thm 3.4 (steepest flow, unnormalized) and \[M\] Thm 3.2 (normalized steepest descent
//! with a (LR-NSD) schedule).

use super::catalogue::{OptimizerEntry, OptimizerParams};
use super::kernels::{ln_pos, scale_in_place};
use super::{Claims, Optimizer, ScaledGrad, ScheduleClass, Step, UpdateRule};
use crate::error::{Error, Result};
use crate::norms::{Norm, NormSpec};
use crate::params::Layout;
use serde::{Deserialize, Serialize};

/// Steepest descent for the norm `norm`: unnormalized (\[F\] eq. 1) or normalized (\[M\] eq. 3).
#[derive(Debug, Clone, PartialEq)]
pub struct SteepestDescent {
    /// The norm N whose steepest direction is followed (and whose margin is maximized).
    pub norm: NormSpec,
    /// `true`: Δ = −η·steepest(ĝ) with N(Δ) = η (\[M\] eq. 3); `false`: Δ = −η·N_*(g)·steepest(g)
    /// (\[F\] eq. 1).
    pub normalized: bool,
}

/// State: the norm built (and validated) once for the layout.
#[derive(Debug)]
pub struct SdState {
    norm: Box<dyn Norm>,
}

impl SteepestDescent {
    /// Gradient descent Δ = −η g (unnormalized steepest descent for ℓ2).
    pub fn gd() -> Self {
        SteepestDescent {
            norm: NormSpec::L2,
            normalized: false,
        }
    }
    /// Normalized gradient descent Δ = −η g/‖g‖₂.
    pub fn ngd() -> Self {
        SteepestDescent {
            norm: NormSpec::L2,
            normalized: true,
        }
    }
    /// Sign gradient descent Δ = −η sign(g) (normalized steepest descent for ℓ∞; sign(0) = 0).
    pub fn sign_gd() -> Self {
        SteepestDescent {
            norm: NormSpec::Linf,
            normalized: true,
        }
    }
    /// Coordinate descent Δ = −η‖g‖_∞·(−sign(g_j) split evenly over the ties of max_j |g_j|)
    /// (unnormalized steepest descent for ℓ1).
    pub fn coordinate_descent() -> Self {
        SteepestDescent {
            norm: NormSpec::L1,
            normalized: false,
        }
    }
    /// Spectral descent Δ_b = −η U_b V_bᵀ per block (normalized steepest descent for the
    /// max-spectral norm; Shampoo without accumulation, \[F\] App. C.2).
    pub fn spectral_descent() -> Self {
        SteepestDescent {
            norm: NormSpec::MaxSpectral,
            normalized: true,
        }
    }
}

impl UpdateRule for SteepestDescent {
    type State = SdState;

    fn name(&self) -> String {
        match (&self.norm, self.normalized) {
            (NormSpec::L2, false) => "gd".into(),
            (NormSpec::L2, true) => "ngd".into(),
            (NormSpec::Linf, true) => "sign_gd".into(),
            (NormSpec::L1, false) => "coordinate_descent".into(),
            (NormSpec::MaxSpectral, true) => "spectral_descent".into(),
            (n, false) => format!("steepest_descent:{n}"),
            (n, true) => format!("normalized_steepest_descent:{n}"),
        }
    }

    fn init(&self, layout: &Layout) -> Result<SdState> {
        Ok(SdState {
            norm: self.norm.build(layout)?,
        })
    }

    fn update(
        &self,
        grad: ScaledGrad<'_>,
        st: &mut SdState,
        step: &Step<'_>,
        delta: &mut [f64],
    ) -> Result<()> {
        if self.normalized && self.norm == NormSpec::L2 {
            ngd_update(grad, step.lr, delta);
            return Ok(());
        }
        let layout = step.layout;
        st.norm.steepest(layout, grad.dir, delta);
        if let Some(j) = delta.iter().position(|d| !d.is_finite()) {
            return Err(Error::Numerical(format!(
                "{}: steepest direction of {} is not finite at {j} (SVD failure?)",
                UpdateRule::name(self),
                st.norm.name()
            )));
        }
        if self.normalized {
            delta.iter_mut().for_each(|d| *d *= -step.lr);
            return Ok(());
        }
        let dual = st.norm.dual(layout, grad.dir);
        scale_in_place(
            &UpdateRule::name(self),
            step.lr,
            grad.log_scale + ln_pos(dual),
            delta,
        )
    }
}

impl Claims for SteepestDescent {
    fn implicit_norm(&self, _layout: &Layout, _state: Option<&SdState>) -> Option<NormSpec> {
        Some(self.norm.clone())
    }

    fn theorem(&self) -> &'static str {
        if self.normalized {
            "[M] Thm 3.2: normalized steepest descent (eq. 3) under (LR-NSD) converges in \
             direction to a KKT point of the max-margin problem of its norm"
        } else {
            "[F] Thm 3.4: steepest flow (eq. 1) converges in direction to a KKT point of the \
             max-margin problem of its norm"
        }
    }

    fn schedule_class(&self) -> ScheduleClass {
        ScheduleClass::Nsd
    }
}

/// Normalized GD, Δ = −η·ĝ/‖ĝ‖₂ (\[M\] eq. 3 with ℓ2), fused into two passes over θ (max |ĝ_j|
/// with the scaled sum of squares, then the step) after the wrapper's one finiteness pass,
/// instead of the generic path's `norm2` + normalize + finiteness check of Δ + scaling by
/// −η. Every entry is computed by the same operations in the same order as the generic
/// path — Δ_j = (ĝ_j/‖ĝ‖₂)·(−η), ‖ĝ‖₂ from [`crate::params::norm2`] — so the result is
/// bit-identical (tested in `tests/fast_step.rs`); Δ is finite by construction
/// (|ĝ_j| ≤ ‖ĝ‖₂), so its check is dropped.
fn ngd_update(grad: ScaledGrad<'_>, lr: f64, delta: &mut [f64]) {
    let g = grad.dir;
    let s = crate::params::max_abs(g);
    if s == 0.0 {
        // As the generic path: normalize gives 0, then 0·(−η) (a signed zero).
        delta.fill(0.0 * -lr);
        return;
    }
    let n = s * crate::params::scaled_sum_squares(g, s).sqrt();
    let neg_lr = -lr;
    for (d, v) in delta.iter_mut().zip(g) {
        *d = (v / n) * neg_lr;
    }
}

/// No hyper-parameters: the named instances `gd`, `ngd`, `sign_gd`, `coordinate_descent`,
/// `spectral_descent` (a stray field is an error).
macro_rules! preset {
    ($params:ident, $ctor:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $params {}

        impl OptimizerParams for $params {
            fn build(&self) -> Result<Box<dyn Optimizer>> {
                Ok(Box::new(SteepestDescent::$ctor()))
            }
        }
    };
}

preset!(GdParams, gd, "Config of `gd` (no hyper-parameters).");
preset!(NgdParams, ngd, "Config of `ngd` (no hyper-parameters).");
preset!(SignGdParams, sign_gd, "Config of `sign_gd` (no hyper-parameters).");
preset!(
    CoordinateDescentParams,
    coordinate_descent,
    "Config of `coordinate_descent` (no hyper-parameters)."
);
preset!(
    SpectralDescentParams,
    spectral_descent,
    "Config of `spectral_descent` (no hyper-parameters)."
);

/// Config of `steepest_descent`: the norm (required) and whether the step is normalized
/// (default `true`, \[M\] eq. 3).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SteepestDescentParams {
    /// The norm (spec string, e.g. `"lp:3"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub norm: Option<NormSpec>,
    /// Normalized (‖Δ‖ = η) or not (‖Δ‖ = η‖g‖_*).
    pub normalized: bool,
}

impl Default for SteepestDescentParams {
    fn default() -> Self {
        SteepestDescentParams {
            norm: None,
            normalized: true,
        }
    }
}

impl OptimizerParams for SteepestDescentParams {
    const REQUIRED: &'static [&'static str] = &["norm"];
    fn build(&self) -> Result<Box<dyn Optimizer>> {
        let norm = self.norm.clone().ok_or_else(|| {
            Error::Config(
                "steepest_descent needs `norm` (a norm spec string, e.g. norm = \"lp:3\")".into(),
            )
        })?;
        Ok(Box::new(SteepestDescent {
            norm,
            normalized: self.normalized,
        }))
    }
}

/// The catalogue rows of this file.
pub(crate) const ENTRIES: &[OptimizerEntry] = &[
    OptimizerEntry::new::<GdParams>("gd", &[], "Δ = −η g; implicit ℓ2 ([F] Thm 3.4)"),
    OptimizerEntry::new::<NgdParams>("ngd", &[], "Δ = −η g/‖g‖₂; implicit ℓ2 ([M] Thm 3.2)"),
    OptimizerEntry::new::<SignGdParams>(
        "sign_gd",
        &[],
        "Δ = −η sign(g); implicit ℓ∞ ([M] Thm 3.2)",
    ),
    OptimizerEntry::new::<CoordinateDescentParams>(
        "coordinate_descent",
        &[],
        "Δ = −η‖g‖_∞ on argmax |g_j| (ties split); implicit ℓ1 ([F] Thm 3.4)",
    ),
    OptimizerEntry::new::<SpectralDescentParams>(
        "spectral_descent",
        &[],
        "Δ_b = −η U_b V_bᵀ per block (Shampoo w/o accumulation); implicit max-spectral ([M] Thm 3.2, [F] App. C.2)",
    ),
    OptimizerEntry::new::<SteepestDescentParams>(
        "steepest_descent",
        &[],
        "steepest descent for `norm` (normalized or not); implicit: that norm ([F] Thm 3.4, [M] Thm 3.2)",
    ),
];
