//! What `implicit-bias list` prints: every catalogue of the crate's vocabulary
//! ([`crate::catalogue`]), each from the one table in the module that implements it.

use crate::catalogue::Catalogue;

/// Every catalogue, in the order `implicit-bias list` prints them.
pub fn catalogues() -> Vec<Catalogue> {
    vec![
        Catalogue {
            kind: "optimizers",
            rows: crate::optim::catalogue::rows(),
        },
        Catalogue {
            kind: "norms",
            rows: crate::norms::NormSpec::catalogue(),
        },
        Catalogue {
            kind: "models",
            rows: crate::models::ModelSpec::catalogue(),
        },
        Catalogue {
            kind: "activations",
            rows: crate::models::Activation::catalogue(),
        },
        Catalogue {
            kind: "losses",
            rows: crate::loss::Loss::catalogue(),
        },
        Catalogue {
            kind: "schedules",
            rows: crate::optim::Schedule::catalogue(),
        },
        Catalogue {
            kind: "inits",
            rows: crate::models::Init::catalogue(),
        },
        Catalogue {
            kind: "generators",
            rows: crate::data::generators::catalogue(),
        },
        Catalogue {
            kind: "data_formats",
            rows: crate::data::formats_catalogue(),
        },
    ]
}
