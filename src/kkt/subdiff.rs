//! The LP encoding of the τ-relaxed subdifferential
//!
//! ```text
//!     ∂_τN(θ̃) = { v : N_*(v) ≤ 1,  ⟨v, θ̃⟩ ≥ (1 − τ) N(θ̃) }   ⊇ ∂N(θ̃)   (= ∂N(θ̃) for τ = 0)
//! ```
//!
//! built from the norm resolved on the layout ([`ResolvedNorm`]: terms w_b‖θ_b‖_b and how
//! they combine):
//!
//! | norm | encoding | exact? |
//! |---|---|---|
//! | smooth ([`ResolvedNorm::smooth`]) at τ = 0 — ℓ2, ℓp, a max over a single ℓ2/ℓp block — and weighted ℓ2 (always, τ = 0) | v fixed at the single subgradient: θ̃/‖θ̃‖₂, the ℓp gradient, w·∇‖θ̃‖_b, h²⊙θ̃/‖h⊙θ̃‖₂ | exact |
//! | every other norm | one segment per term, its dual ball ‖v_b‖_{b,*} ≤ w_b·t_b encoded by a cone of `kkt/cones/` (box, split, nuclear, sphere); budgets t_b ≥ 0 with Σ_b t_b ≤ 1 when there are several terms | exact composition of the cones |
//!
//! (the dual of max_b w_b‖θ_b‖_b is Σ_b ‖v_b‖_{b,*}/w_b, so the budgets encode N_*(v) ≤ 1
//! exactly), plus the row ⟨v, θ̃⟩/N ≥ 1 − τ. The cones of the smooth dual balls (nuclear,
//! ℓq) are inner approximations grown by column generation ([`Encoding::refine`]); the
//! certificate still projects and verifies v before recomputing κ ([`Encoding::project`]),
//! and the lower bound is computed from the support function of the **exact** set
//! ([`Encoding::support_bound`]), so the approximation can never make a bound invalid — it
//! only affects how tight it is.

use super::cones::{self, DualBall, SegLp, VMap};
use super::config::CheckConfig;
use super::lp::{LinProg, Sense};
use crate::error::{Error, Result};
use crate::norms::{BlockNormKind, Composition, Norm, NormSpec, NormTerm, ResolvedNorm};
use crate::params::{dot, Layout};

/// Verification slack on ⟨v, θ̃⟩ ≥ (1 − τ)N: the achieved κ is certified for
/// v ∈ {N_*(v) ≤ 1, ⟨v, θ̃⟩ ≥ (1 − τ − 10⁻⁹)N}. An interior-point solution satisfies the
/// row only to its tolerance (10⁻¹⁰ relative by default), and at τ = 0 no repair can restore
/// it (the exact subgradient lies on the same face). So the **achieved** κ is certified for
/// τ + 10⁻⁹ (stated in the certificate's `relaxation`); the lower bound is unaffected (it is
/// computed for τ itself).
pub(crate) const V_SLACK: f64 = 1e-9;

/// Relaxation of the LP row ⟨v, θ̃⟩/N ≥ 1 − τ to 1 − τ − 10⁻¹² (rounding of ⟨atom, θ̃⟩ vs
/// N at τ = 0). The lower bound is computed for the same τ + LP_SLACK, so it never exceeds
/// the LP optimum; the statement "certified for τ" is weakened by this 10⁻¹² only.
pub(crate) const LP_SLACK: f64 = 1e-12;

/// One term w·‖θ[range]‖_kind of the resolved norm with the cone of its dual ball.
#[derive(Debug)]
pub(crate) struct Segment {
    /// The term (block name, coordinates, shape, block norm, weight w_b).
    pub(crate) term: NormTerm,
    /// The LP encoding of {v_b : ‖v_b‖_{b,*} ≤ w_b·t_b}, with its atoms.
    pub(crate) ball: Box<dyn DualBall>,
}

/// The encoding of ∂_τN(θ̃) for one norm at one θ̃.
#[derive(Debug)]
pub(crate) struct Encoding {
    /// The norm as a trait object (exact values, duals, subgradients).
    pub(crate) norm: Box<dyn Norm>,
    /// The layout.
    pub(crate) layout: Layout,
    /// τ actually used.
    pub(crate) tau: f64,
    /// θ̃.
    pub(crate) theta: Vec<f64>,
    /// N(θ̃).
    pub(crate) n: f64,
    /// Fixed v (smooth norms at τ = 0, weighted ℓ2) or the segments.
    pub(crate) kind: EncKind,
}

/// Fixed subgradient or segments.
#[derive(Debug)]
pub(crate) enum EncKind {
    /// The subdifferential is the single point v.
    Fixed(Vec<f64>),
    /// Per-block encodings with budgets.
    Segments(Vec<Segment>),
}

/// The single point of ∂N(θ̃) of a smooth norm at τ = 0 and of weighted ℓ2 (at any τ), None
/// for every other case: v = h ⊙ (h ⊙ θ̃/N) for weighted ℓ2, θ̃/N for entrywise ℓ2, and
/// w·∇‖θ̃_b‖_b for the single ℓp (or ℓ2 block) term of any other smooth norm (the ℓp
/// gradient sign(θ̃)|θ̃|^{p−1}/‖θ̃‖_p^{p−1} for `lp:<p>`).
fn fixed_subgradient(r: &ResolvedNorm, theta: &[f64], n: f64, tau: f64) -> Option<Vec<f64>> {
    if let Composition::Weighted(h) = &r.composition {
        // v = h² ⊙ θ̃ / ‖h ⊙ θ̃‖₂ (h.len() = p was checked by the resolution).
        return Some(theta.iter().zip(h).map(|(t, h)| h * (h * t / n)).collect());
    }
    if !(r.smooth && tau == 0.0) {
        return None;
    }
    let [t] = r.terms.as_slice() else {
        return None;
    };
    if r.composition == Composition::Entrywise && t.kind == BlockNormKind::L2 {
        return Some(theta.iter().map(|t| t / n).collect());
    }
    let mut v = vec![0.0; theta.len()];
    let vb = &mut v[t.range.clone()];
    t.kind.subgradient(t.shape, &theta[t.range.clone()], vb);
    if t.weight != 1.0 {
        vb.iter_mut().for_each(|x| *x *= t.weight);
    }
    Some(v)
}

impl Encoding {
    /// Build the encoding of ∂_τN(θ̃) for `spec` on `layout`, with τ = `cfg.tau_for` of the
    /// resolved norm.
    ///
    /// Errors: the norm is not valid on the layout (its own error), N(θ̃) not finite and > 0.
    pub(crate) fn new(
        spec: &NormSpec,
        layout: &Layout,
        theta: &[f64],
        cfg: &CheckConfig,
    ) -> Result<Self> {
        let norm = spec.build(layout)?;
        let resolved = spec.resolve(layout)?;
        let tau = cfg.tau_for(&resolved);
        let n = norm.value(layout, theta);
        if !(n > 0.0 && n.is_finite()) {
            return Err(Error::Numerical(format!(
                "{spec}-norm of the rescaled parameters is {n}; expected a finite positive value"
            )));
        }
        let (kind, tau) = match fixed_subgradient(&resolved, theta, n, tau) {
            Some(v) => (EncKind::Fixed(v), 0.0),
            None => {
                let segs = resolved
                    .terms
                    .into_iter()
                    .map(|term| Segment {
                        ball: cones::for_term(&term),
                        term,
                    })
                    .collect();
                (EncKind::Segments(segs), tau)
            }
        };
        let mut enc = Encoding {
            norm,
            layout: layout.clone(),
            tau,
            theta: theta.to_vec(),
            n,
            kind,
        };
        if let EncKind::Segments(segs) = &mut enc.kind {
            for seg in segs.iter_mut() {
                let tb = &enc.theta[seg.term.range.clone()];
                seg.ball.init(&seg.term, tb, tau)?;
            }
        }
        Ok(enc)
    }

    /// Coordinates where v can carry dual-ball mass at (almost) no cost in ⟨v, θ̃⟩, over all
    /// segments ([`DualBall::free_mass`]: in entrywise-ℓ∞ segments every j with
    /// |θ̃_j| ≥ (1 − 2τ)·max_segment |θ̃|). Row generation starts with them
    /// (`kkt/rowgen.rs`): outside the row set such a v_j is unconstrained by the residual,
    /// so the LP would move mass there first.
    pub(crate) fn free_mass_coordinates(&self) -> Vec<usize> {
        let EncKind::Segments(segs) = &self.kind else {
            return Vec::new();
        };
        segs.iter()
            .flat_map(|s| s.ball.free_mass(&s.term, &self.theta, self.tau))
            .collect()
    }

    /// Number of atoms currently in the encoding.
    pub(crate) fn atom_count(&self) -> usize {
        match &self.kind {
            EncKind::Fixed(_) => 0,
            EncKind::Segments(s) => s.iter().map(|g| g.ball.atom_count()).sum(),
        }
    }

    /// True when some segment uses an inner (atom) approximation.
    pub(crate) fn has_atoms(&self) -> bool {
        matches!(&self.kind, EncKind::Segments(s) if s.iter().any(|g| !g.ball.is_exact()))
    }

    /// Add the variables and rows of the encoding to `lp`; returns v as an affine map of
    /// the columns. Includes the row ⟨v, θ̃⟩/N ≥ 1 − τ (for segments).
    ///
    /// `cols = Some(in_j)` (row generation, `kkt/rowgen.rs`) restricts the per-coordinate
    /// columns of the polyhedral cones to the coordinates with `in_j[j]`: entrywise ℓ∞
    /// (split) gets v_j = 0 outside, priced afterwards (`cones/split.rs`); ℓ1 as the only
    /// segment (box) gets v_j = s_j outside, s the exact subgradient, which loses nothing
    /// (`cones/boxed.rs`); every other segment keeps all its columns. `None` gives the full
    /// encoding (the plain LP).
    pub(crate) fn add_to_lp(&self, lp: &mut LinProg, cols: Option<&[bool]>) -> VMap {
        let p = self.theta.len();
        let segs = match &self.kind {
            EncKind::Fixed(v) => return VMap::constant(v.clone()),
            EncKind::Segments(s) => s,
        };
        let single = segs.len() == 1;
        let inf = f64::INFINITY;
        // Budget columns t_b (Σ t_b ≤ 1) unless there is one segment (t = 1).
        let mut budget = Vec::new();
        let mut budget_row: (Vec<usize>, Vec<f64>) = (Vec::new(), Vec::new());
        for _ in segs {
            if single {
                budget.push(None);
            } else {
                let t = lp.add_col(0.0, inf, 0.0);
                budget_row.0.push(t);
                budget_row.1.push(1.0);
                budget.push(Some(t));
            }
        }
        if !single {
            lp.add_row(budget_row.0, budget_row.1, Sense::Le, 1.0);
        }
        // ⟨v, θ̃⟩/N ≥ 1 − τ, accumulated per column by the cones.
        let mut seg_lp = SegLp {
            lp,
            v: VMap::constant(vec![0.0; p]),
            th_idx: Vec::new(),
            th_val: Vec::new(),
            theta_const: 0.0,
            theta: &self.theta,
            inv_n: 1.0 / self.n,
            cols,
            single,
            budget: None,
            norm: self.norm.as_ref(),
            layout: &self.layout,
        };
        for (seg, t) in segs.iter().zip(&budget) {
            seg_lp.budget = *t;
            seg.ball.add_to_lp(&seg.term, &mut seg_lp);
        }
        let SegLp {
            lp,
            mut v,
            th_idx,
            th_val,
            theta_const,
            ..
        } = seg_lp;
        // The row is relaxed by LP_SLACK: at τ = 0 an atom's ⟨A, θ̃⟩ can fall short of N by
        // rounding, which would make the LP infeasible.
        let tr = lp.add_row(
            th_idx,
            th_val,
            Sense::Ge,
            1.0 - self.tau - LP_SLACK - theta_const,
        );
        v.theta_row = Some(tr);
        v.box_weight = segs.first().map_or(0.0, |s| s.term.weight);
        v
    }

    /// Column generation after a solve: for every atom segment add the **pricing atoms** of
    /// the matrix z_b + ρθ̃_b — the point of the unit dual ball maximizing ⟨z_b + ρθ̃_b, ·⟩: the
    /// top singular pair u₁v₁ᵀ of the dual prices on block b for nuclear balls, the ℓq
    /// duality map for ℓq balls ([`DualBall::refine`]) — unless an atom with cosine
    /// > 1 − 10⁻¹⁰ to it is already present. Returns the number of atoms added.
    ///
    /// (Adding the radial point v_b/‖v_b‖_{b,*} of the current solution as well, or pricing
    /// atoms for several multiples of ρ, did not reduce the number of rounds on the two-layer
    /// test problems — measured, then removed.)
    pub(crate) fn refine(&mut self, z: &[f64], rho: f64) -> Result<usize> {
        let EncKind::Segments(segs) = &mut self.kind else {
            return Ok(0);
        };
        let mut added = 0;
        for seg in segs.iter_mut() {
            if seg.ball.is_exact() {
                continue;
            }
            let m: Vec<f64> = seg
                .term
                .range
                .clone()
                .map(|j| z[j] + rho * self.theta[j])
                .collect();
            added += seg.ball.refine(&seg.term, &m)?;
        }
        Ok(added)
    }

    /// An upper bound σ̄ ≥ σ_V(z) = max{⟨z, v⟩ : v ∈ ∂_τ'N(θ̃)} of the support function of the
    /// **exact** relaxed set with τ' = τ + [`LP_SLACK`], and the ρ it used. By LP duality
    /// (Slater holds for τ' > 0) σ_V(z) = min_{ρ ≥ 0} N(z + ρθ̃) − ρ(1−τ')N(θ̃), and *every*
    /// ρ ≥ 0 gives an upper bound
    /// (weak duality), so an approximate minimizer (golden section on the convex function,
    /// plus the candidate `rho_hint`) is still valid; a rounding allowance of
    /// 10⁻¹²·(N(z) + ρN) is added. For the fixed-v norms σ_V(z) = ⟨z, v⟩ exactly.
    pub(crate) fn support_bound(&self, z: &[f64], rho_hint: f64) -> (f64, f64) {
        if let EncKind::Fixed(v) = &self.kind {
            return (dot(z, v), 0.0);
        }
        let n = self.n;
        let mut buf = vec![0.0; z.len()];
        let mut f = |rho: f64| -> f64 {
            for ((b, zj), tj) in buf.iter_mut().zip(z).zip(&self.theta) {
                *b = zj + rho * tj;
            }
            let nz = self.norm.value(&self.layout, &buf);
            let val = nz - rho * (1.0 - self.tau - LP_SLACK) * n;
            if val.is_finite() {
                val + 1e-12 * (nz + rho * n)
            } else {
                f64::INFINITY
            }
        };
        let nz0 = self.norm.value(&self.layout, z);
        // f(ρ) ≥ ρτN − N(z) > f(0) = N(z) for ρ > 2N(z)/(τN): the minimizer lies below.
        let hi = if self.tau > 0.0 {
            (2.0 * nz0 / ((self.tau + LP_SLACK) * n)).min(1e6 * nz0 / n)
        } else {
            1e4 * nz0 / n
        };
        let hi = hi.max(if rho_hint.is_finite() {
            2.0 * rho_hint
        } else {
            0.0
        });
        let mut best = (f(0.0), 0.0);
        if rho_hint.is_finite() && rho_hint > 0.0 {
            let fh = f(rho_hint);
            if fh < best.0 {
                best = (fh, rho_hint);
            }
        }
        if hi > 0.0 && hi.is_finite() {
            let g = 0.5 * (5f64.sqrt() - 1.0);
            let (mut a, mut b) = (0.0, hi);
            let mut c = b - g * (b - a);
            let mut d = a + g * (b - a);
            let (mut fc, mut fd) = (f(c), f(d));
            for _ in 0..90 {
                if fc <= fd {
                    b = d;
                    d = c;
                    fd = fc;
                    c = b - g * (b - a);
                    fc = f(c);
                } else {
                    a = c;
                    c = d;
                    fc = fd;
                    d = a + g * (b - a);
                    fd = f(d);
                }
                if (b - a) <= 1e-13 * hi {
                    break;
                }
            }
            for (fv, r) in [(fc, c), (fd, d), (f(hi), hi)] {
                if fv < best.0 {
                    best = (fv, r);
                }
            }
        }
        best
    }

    /// Project the LP's v onto the exact relaxed set and verify it: scale into the dual
    /// ball (v ← v / N_*(v) when N_*(v) > 1), then, if ⟨v, θ̃⟩ < (1 − τ − [`V_SLACK`])N, move
    /// toward the exact subgradient s (⟨s, θ̃⟩ = N, N_*(s) ≤ 1) just enough — both steps stay
    /// in the convex set. Returns the verified v and max_j |Δv_j|, or an error when
    /// verification fails (N_*(v) > 1 + 10⁻¹² or ⟨v, θ̃⟩ < (1 − τ − V_SLACK)N after repair).
    pub(crate) fn project(&self, v_lp: &[f64]) -> std::result::Result<(Vec<f64>, f64), String> {
        let mut v = match &self.kind {
            EncKind::Fixed(v0) => v0.clone(),
            EncKind::Segments(_) => v_lp.to_vec(),
        };
        let dn = self.norm.dual(&self.layout, &v);
        if !dn.is_finite() {
            return Err("the dual norm of v is not finite".into());
        }
        if dn > 1.0 {
            for x in v.iter_mut() {
                *x /= dn;
            }
        }
        let target = (1.0 - self.tau) * self.n;
        let ip = dot(&v, &self.theta);
        // Violations within the verification slack are accepted: an interior-point solution
        // meets ⟨v, θ̃⟩ ≥ (1−τ)N only to the solver tolerance, and at τ = 0 the exact
        // subgradient s lies on the same face, so mixing would move all the way to s.
        if ip < target - V_SLACK * self.n {
            let mut s = vec![0.0; v.len()];
            self.norm.subgradient(&self.layout, &self.theta, &mut s);
            let ips = dot(&s, &self.theta);
            if ips > ip {
                let mu = ((target - ip) / (ips - ip)).clamp(0.0, 1.0);
                for (x, sj) in v.iter_mut().zip(&s) {
                    *x = (1.0 - mu) * *x + mu * sj;
                }
            }
        }
        let dn = self.norm.dual(&self.layout, &v);
        let ip = dot(&v, &self.theta);
        if !(dn <= 1.0 + 1e-12) || !(ip >= target - V_SLACK * self.n * (1.0 + 1e-6)) {
            return Err(format!(
                "v failed verification after repair: N_*(v) = {dn:.3e}, ⟨v, θ̃⟩/N = {:.12}, \
                 needed ≥ {:.12}",
                ip / self.n,
                1.0 - self.tau
            ));
        }
        let dv = v
            .iter()
            .zip(v_lp)
            .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()));
        Ok((v, dv))
    }

    /// Block balance w_b‖θ̃_b‖_b / max_b w_b‖θ̃_b‖_b for block norms with several blocks
    /// (None otherwise).
    pub(crate) fn block_balance(&self, spec: &NormSpec) -> Option<Vec<(String, f64)>> {
        let is_block = matches!(
            spec,
            NormSpec::MaxBlock(_) | NormSpec::MaxSpectral | NormSpec::Hybrid { .. }
        );
        let EncKind::Segments(segs) = &self.kind else {
            return None;
        };
        if !is_block {
            return None;
        }
        let vals: Vec<f64> = segs
            .iter()
            .map(|s| {
                let t = &s.term;
                t.weight * t.kind.value(t.shape, &self.theta[t.range.clone()])
            })
            .collect();
        let mx = vals.iter().cloned().fold(0.0, f64::max);
        Some(
            segs.iter()
                .zip(vals)
                .map(|(s, v)| (s.term.name.clone(), if mx > 0.0 { v / mx } else { 0.0 }))
                .collect(),
        )
    }

    /// A one-line statement of what the encoding certifies.
    pub(crate) fn describe(&self) -> String {
        match &self.kind {
            EncKind::Fixed(_) => "exact subdifferential (a single point, τ = 0)".into(),
            EncKind::Segments(segs) => {
                let mut parts: Vec<(u8, &str)> = segs
                    .iter()
                    .map(|s| (s.ball.description_rank(), s.ball.description()))
                    .collect();
                parts.sort_unstable();
                parts.dedup();
                let parts: Vec<&str> = parts.into_iter().map(|(_, d)| d).collect();
                format!(
                    "relaxed subdifferential with τ = {}: {}; the achieved κ is recomputed from a \
                     v verified in the exact set with τ + {V_SLACK:e}, the lower bound uses the \
                     exact support function for τ + {LP_SLACK:e}",
                    self.tau,
                    parts.join(", ")
                )
            }
        }
    }
}
