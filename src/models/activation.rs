//! Positively homogeneous activations σ with σ(cz) = c^{deg σ} σ(z) for c > 0.
//!
//! | spec | σ(z) | σ'(z) used by the crate | deg σ | smooth |
//! |---|---|---|---|---|
//! | `relu` | max(0, z) | 1 if z > 0, else 0 (so σ'(0) = 0) | 1 | no |
//! | `relu_pow:<q>` (q > 1) | max(0, z)^q | q·max(0, z)^{q−1} | q | C¹ |
//! | `quadratic` | z² | 2z | 2 | yes |
//! | `leaky_relu:<a>` (0 ≤ a < 1) | z for z > 0, a·z otherwise | 1 if z > 0, else a (so σ'(0) = a) | 1 | no |
//!
//! ReLU^q with q > 1 makes the two-layer net C¹, as required by the smooth-model theorems
//! of \[M\] (§6 uses squared ReLU); leaky ReLU with a = 1/2 is the activation of \[A\] §6.2 /
//! App. F.3. At the kink z = 0 the crate always uses the **fixed** subgradient above; because
//! every listed σ satisfies z·σ'(z) = deg σ · σ(z) (both sides vanish at z = 0 whatever
//! subgradient is picked), Euler's identity ⟨θ, ∇f⟩ = L·f holds exactly at kinks too.

use crate::error::{Error, Result};
use std::fmt;

/// A positively homogeneous activation function (see the module docs for the table).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Activation {
    /// σ(z) = max(0, z), degree 1, σ'(0) = 0.
    Relu,
    /// σ(z) = max(0, z)^q with q > 1, degree q, continuously differentiable.
    ReluPow(f64),
    /// σ(z) = z², degree 2.
    Quadratic,
    /// σ(z) = z for z > 0 and a·z otherwise, 0 ≤ a < 1, degree 1, σ'(0) = a.
    LeakyRelu(f64),
}

impl Activation {
    /// Every activation (for `implicit-bias list` and parse errors), from one table.
    pub fn catalogue() -> Vec<crate::catalogue::Row> {
        use crate::catalogue::Row;
        vec![
            Row::new("relu", "relu", "max(z, 0); degree 1"),
            Row::new(
                "relu_pow",
                "relu_pow:<q>",
                "max(z, 0)^q, q > 1; degree q (smooth)",
            ),
            Row::new("quadratic", "quadratic", "z²; degree 2"),
            Row::new(
                "leaky_relu",
                "leaky_relu:<a>",
                "max(z, a·z), 0 ≤ a < 1; degree 1",
            ),
        ]
    }

    /// Check the parameter: q > 1 finite for ReLU^q, 0 ≤ a < 1 for leaky ReLU.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Activation::ReluPow(q) if !(q > 1.0 && q.is_finite()) => Err(Error::spec(
                self.to_string(),
                format!("relu_pow needs a finite exponent q > 1, got {q}"),
            )),
            Activation::LeakyRelu(a) if !((0.0..1.0).contains(&a)) => Err(Error::spec(
                self.to_string(),
                format!("leaky_relu needs a slope 0 ≤ a < 1, got {a}"),
            )),
            _ => Ok(()),
        }
    }

    /// Parse `relu`, `relu_pow:<q>`, `quadratic` or `leaky_relu:<a>` (validated).
    pub fn parse(spec: &str) -> Result<Self> {
        let s = spec.trim();
        let (head, arg) = match s.split_once(':') {
            Some((h, r)) => (h, Some(r)),
            None => (s, None),
        };
        let number = |what: &str| -> Result<f64> {
            let r = arg.ok_or_else(|| {
                Error::spec(spec, format!("expected `{head}:<{what}>` with a number"))
            })?;
            r.trim()
                .parse::<f64>()
                .map_err(|_| Error::spec(spec, format!("{what} `{r}` is not a number")))
        };
        let act = match head {
            "relu" | "quadratic" => {
                if arg.is_some() {
                    return Err(Error::spec(spec, format!("`{head}` takes no argument")));
                }
                if head == "relu" {
                    Activation::Relu
                } else {
                    Activation::Quadratic
                }
            }
            "relu_pow" => Activation::ReluPow(number("q")?),
            "leaky_relu" => Activation::LeakyRelu(number("a")?),
            _ => {
                return Err(Error::spec(
                    spec,
                    format!(
                        "unknown activation `{head}` (expected one of {})",
                        crate::catalogue::expected_one_of(&Activation::catalogue())
                    ),
                ))
            }
        };
        act.validate().map_err(|e| match e {
            Error::Spec { reason, .. } => Error::spec(spec, reason),
            other => other,
        })?;
        Ok(act)
    }

    /// σ(z).
    #[inline]
    pub fn value(&self, z: f64) -> f64 {
        match *self {
            Activation::Relu => z.max(0.0),
            Activation::ReluPow(q) => {
                if z > 0.0 {
                    z.powf(q)
                } else {
                    0.0
                }
            }
            Activation::Quadratic => z * z,
            Activation::LeakyRelu(a) => {
                if z > 0.0 {
                    z
                } else {
                    a * z
                }
            }
        }
    }

    /// σ'(z), with the fixed subgradient at the kink: ReLU'(0) = 0, LeakyReLU'(0) = a.
    #[inline]
    pub fn derivative(&self, z: f64) -> f64 {
        match *self {
            Activation::Relu => {
                if z > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Activation::ReluPow(q) => {
                if z > 0.0 {
                    q * z.powf(q - 1.0)
                } else {
                    0.0
                }
            }
            Activation::Quadratic => 2.0 * z,
            Activation::LeakyRelu(a) => {
                if z > 0.0 {
                    1.0
                } else {
                    a
                }
            }
        }
    }

    /// Homogeneity degree: σ(cz) = c^deg σ(z) for c > 0 (1, q, 2, 1).
    pub fn degree(&self) -> f64 {
        match *self {
            Activation::Relu | Activation::LeakyRelu(_) => 1.0,
            Activation::ReluPow(q) => q,
            Activation::Quadratic => 2.0,
        }
    }

    /// True when σ is continuously differentiable (ReLU^q with q > 1, z²), i.e. the
    /// two-layer net is a smooth homogeneous model in the sense of \[M\] §2.3.
    pub fn is_smooth(&self) -> bool {
        matches!(self, Activation::ReluPow(_) | Activation::Quadratic)
    }
}

impl fmt::Display for Activation {
    /// The spec string, inverse of [`Activation::parse`] (f64 `Display` is shortest
    /// round-trip, so `relu_pow:1.5` ↔ `ReluPow(1.5)` exactly).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Activation::Relu => write!(f, "relu"),
            Activation::ReluPow(q) => write!(f, "relu_pow:{q}"),
            Activation::Quadratic => write!(f, "quadratic"),
            Activation::LeakyRelu(a) => write!(f, "leaky_relu:{a}"),
        }
    }
}

impl std::str::FromStr for Activation {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Activation::parse(s)
    }
}

impl From<Activation> for String {
    fn from(a: Activation) -> String {
        a.to_string()
    }
}

impl TryFrom<String> for Activation {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Activation::parse(&s)
    }
}

/// Run `$body` with `$sig` bound to a closure z ↦ (σ(z), σ'(z)) specialised to the
/// activation, so the elementwise passes are monomorphised with no dispatch in the inner
/// loop. Exponents 1.5, 2 and 3 avoid `powf` (≈ 15 ns per call): z^{1/2} = √z, z, z².
macro_rules! with_activation {
    ($act:expr, $sig:ident => $body:expr) => {
        match $act {
            $crate::models::Activation::Relu => {
                let $sig = |z: f64| if z > 0.0 { (z, 1.0) } else { (0.0, 0.0) };
                $body
            }
            $crate::models::Activation::ReluPow(q) if q == 2.0 => {
                let $sig = |z: f64| {
                    let p = z.max(0.0);
                    (p * p, 2.0 * p)
                };
                $body
            }
            $crate::models::Activation::ReluPow(q) if q == 1.5 => {
                let $sig = |z: f64| {
                    let p = z.max(0.0);
                    let r = p.sqrt();
                    (p * r, 1.5 * r)
                };
                $body
            }
            $crate::models::Activation::ReluPow(q) if q == 3.0 => {
                let $sig = |z: f64| {
                    let p = z.max(0.0);
                    let p2 = p * p;
                    (p2 * p, 3.0 * p2)
                };
                $body
            }
            $crate::models::Activation::ReluPow(q) => {
                let $sig = |z: f64| {
                    if z > 0.0 {
                        let p = z.powf(q - 1.0);
                        (p * z, q * p)
                    } else {
                        (0.0, 0.0)
                    }
                };
                $body
            }
            $crate::models::Activation::Quadratic => {
                let $sig = |z: f64| (z * z, 2.0 * z);
                $body
            }
            $crate::models::Activation::LeakyRelu(s) => {
                let $sig = |z: f64| if z > 0.0 { (z, 1.0) } else { (s * z, s) };
                $body
            }
        }
    };
}
pub(super) use with_activation;
