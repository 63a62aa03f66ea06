//! [`check_set`] and [`check_many`]: several norms at one θ (one preparation: margins,
//! gradients and Clarke columns are computed once) with the **coincidence** rule against the
//! optimizer's own norm.

use super::canonical::canonical;
use super::certificate::{Certificate, Verdict};
use super::config::CheckConfig;
use super::{check_prepared, prepare};
use crate::data::Dataset;
use crate::error::Result;
use crate::models::Model;
use crate::norms::NormSpec;

/// The certificates of [`check_set`]: one per requested norm, in their order, and the own
/// norm's certificate (also when it was not requested).
#[derive(Debug, Clone)]
pub struct CheckSet {
    /// One certificate per requested norm, in the order of `norms`.
    pub certs: Vec<Certificate>,
    /// The own norm's certificate (`None` without an own norm).
    pub own: Option<Certificate>,
}

/// Run [`super::check`] for every norm in `norms` (gradients computed once) and apply
/// **coincidence** against the optimizer's own norm `own`:
///
/// * a norm that *structurally* coincides with `own` on this layout — the same canonical
///   form after: spectral of a vector-shaped block = ℓ2 of it; a max over a single block = that
///   block's norm; max-spectral / hybrid / max-block with all blocks ℓ∞ and equal weights =
///   entrywise ℓ∞ (so a hybrid norm on a layout without matrix blocks is weighted ℓ∞); weights
///   normalized by their maximum (N and cN have the same max-margin direction); a weighted ℓ2
///   with constant weights = ℓ2 — is reported `coincident`;
/// * a non-own norm that passes as `kkt` at the same θ while the own norm is `kkt` is reported
///   `coincident`: the certificate cannot tell the two apart (e.g. a rank-one W, where the ℓ2
///   and max-spectral conditions agree), so they are never asserted as different.
///
/// The own norm keeps its verdict; it is checked even if it is not in `norms` and returned
/// in [`CheckSet::own`].
pub fn check_set(
    model: &dyn Model,
    data: &Dataset,
    theta: &[f64],
    norms: &[NormSpec],
    own: Option<&NormSpec>,
    cfg: &CheckConfig,
) -> Result<CheckSet> {
    let prep = prepare(model, data, theta, cfg)?;
    let mut certs = Vec::with_capacity(norms.len());
    for spec in norms {
        certs.push(check_prepared(&prep, spec, cfg)?);
    }
    let Some(own) = own else {
        return Ok(CheckSet { certs, own: None });
    };
    let own_idx = norms.iter().position(|s| s == own);
    let own_cert = match own_idx {
        Some(i) => certs[i].clone(),
        None => check_prepared(&prep, own, cfg)?,
    };
    let own_verdict = own_cert.verdict;
    let own_canon = canonical(own, &prep.layout);
    for (i, (spec, cert)) in norms.iter().zip(certs.iter_mut()).enumerate() {
        if Some(i) == own_idx || spec == own {
            continue;
        }
        if own_canon.is_some() && canonical(spec, &prep.layout) == own_canon {
            cert.reason = Some(format!(
                "`{spec}` coincides with the own norm `{own}` on layout {} (same canonical \
                 form); its own verdict was {}",
                prep.layout.describe(),
                cert.verdict
            ));
            cert.verdict = Verdict::Coincident;
        } else if cert.verdict == Verdict::Kkt && own_verdict == Verdict::Kkt {
            cert.reason = Some(format!(
                "`{spec}` passes as kkt (κ = {:.3e}) at the same θ as the own norm `{own}`: \
                 the certificate cannot tell them apart",
                cert.kappa
            ));
            cert.verdict = Verdict::Coincident;
        }
    }
    Ok(CheckSet {
        certs,
        own: Some(own_cert),
    })
}

/// [`check_set`]'s certificates for `norms` only (the own norm is used for coincidence but
/// not returned unless it is among `norms`).
pub fn check_many(
    model: &dyn Model,
    data: &Dataset,
    theta: &[f64],
    norms: &[NormSpec],
    own: Option<&NormSpec>,
    cfg: &CheckConfig,
) -> Result<Vec<Certificate>> {
    Ok(check_set(model, data, theta, norms, own, cfg)?.certs)
}
