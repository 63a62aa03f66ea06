//! `report.md`: the report as Markdown tables (setting, margins per model with the best mean
//! in bold, expected orderings, KKT verdicts, convergence/schedules/wall times, figures).

use super::aggregate::Report;
use crate::numfmt::num;

impl Report {
    /// The Markdown report.
    pub fn markdown(&self) -> String {
        let s = &self.setting;
        let mut o = String::new();
        o.push_str(&format!(
            "# {}\n\n",
            s.title
                .clone()
                .unwrap_or_else(|| "Experiment report".into())
        ));
        o.push_str("## Setting\n\n");
        o.push_str(&format!(
            "- data: `{}` (m = {}, d = {})\n",
            s.data, s.m, s.d
        ));
        o.push_str(&format!(
            "- models: {}\n",
            s.models
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        o.push_str(&format!("- loss: {}", s.loss));
        if let Some(t) = s.target_log_loss {
            o.push_str(&format!(
                ", target L ≤ 1e{:.1}",
                t / std::f64::consts::LN_10
            ));
        }
        if let Some(ms) = s.max_steps {
            o.push_str(&format!(", at most {ms} steps"));
        }
        o.push('\n');
        o.push_str(&format!(
            "- seeds: {:?} ({} completed runs)\n- margins: γ_N(θ) = min_i y_i f(x_i; θ) / N(θ)^L, mean ± 95% CI over the seeds whose final θ separates the data (Student t); **bold** = largest mean per model and norm\n\n",
            s.seeds, s.runs
        ));
        for model in &s.models {
            o.push_str(&format!("## Margins — `{model}`\n\n| run | seeds |"));
            for n in &s.norms {
                o.push_str(&format!(" γ[{n}] |"));
            }
            o.push_str(" stop | log10 L | separated |\n|---|---|");
            for _ in &s.norms {
                o.push_str("---|");
            }
            o.push_str("---|---|---|\n");
            for r in self.runs.iter().filter(|r| &r.model == model) {
                o.push_str(&format!("| {} | {} |", r.label, r.n));
                for n in &s.norms {
                    let c = self.margin(model, &r.label, n);
                    let txt = match c {
                        Some(c) if c.n > 1 => format!("{} ± {}", num(c.mean), num(c.ci95)),
                        Some(c) => num(c.mean),
                        None => "–".into(),
                    };
                    if c.is_some_and(|c| c.best) {
                        o.push_str(&format!(" **{txt}** |"));
                    } else {
                        o.push_str(&format!(" {txt} |"));
                    }
                }
                let stops: Vec<String> = r.stops.iter().map(|(k, v)| format!("{k} ×{v}")).collect();
                o.push_str(&format!(
                    " {} | {} | {}/{} |\n",
                    stops.join(", "),
                    num(r.final_log10_loss_mean),
                    r.separated,
                    r.n
                ));
            }
            o.push('\n');
        }
        if !self.expectations.is_empty() {
            o.push_str("## Expected orderings\n\n| model | norm | expected largest | measured largest | shown |\n|---|---|---|---|---|\n");
            for e in &self.expectations {
                let actual: Vec<String> = e
                    .actual
                    .iter()
                    .map(|(l, v)| format!("{l} ({})", num(*v)))
                    .collect();
                o.push_str(&format!(
                    "| `{}` | {} | {} | {} | {} |\n",
                    e.model,
                    e.norm,
                    e.expected.join(", "),
                    actual.join(", "),
                    if e.holds { "yes" } else { "**no**" }
                ));
            }
            o.push('\n');
        }
        if !self.verdicts.is_empty() {
            o.push_str("## KKT verdicts of the final directions\n\nEach cell: mean ε_rel / smallest certified lower bound on κ / verdict (counts over the checked seeds; own = the optimizer's implicit norm, marked ★), then, where the checker ran its τ search, the largest τ_kkt over the seeds (the smallest τ of ∂_τN at which the certificate is `kkt`; `>τ_max`: not even at τ = 0.5). κ_kkt and κ_not are the checker's thresholds.\n\n");
            let mut norms: Vec<String> = Vec::new();
            for v in &self.verdicts {
                if !norms.contains(&v.norm) {
                    norms.push(v.norm.clone());
                }
            }
            for model in &s.models {
                if !self.verdicts.iter().any(|v| &v.model == model) {
                    continue;
                }
                o.push_str(&format!("`{model}`\n\n| run |"));
                for n in &norms {
                    o.push_str(&format!(" {n} |"));
                }
                o.push_str("\n|---|");
                for _ in &norms {
                    o.push_str("---|");
                }
                o.push('\n');
                for r in self.runs.iter().filter(|r| &r.model == model) {
                    o.push_str(&format!("| {} |", r.label));
                    for n in &norms {
                        match self.verdict(model, &r.label, n) {
                            Some(v) => {
                                let counts: Vec<String> = v
                                    .verdicts
                                    .iter()
                                    .map(|(k, c)| format!("{k} {c}/{}", v.n))
                                    .collect();
                                let tau = match v.tau_kkt_max {
                                    None => String::new(),
                                    Some(t) if t.is_finite() => format!(" / τ_kkt {}", num(t)),
                                    Some(_) => " / τ_kkt >τ_max".into(),
                                };
                                o.push_str(&format!(
                                    " {}{} / {} / {}{tau} |",
                                    if v.own { "★ " } else { "" },
                                    num(v.eps_rel_mean),
                                    num(v.kappa_lower_bound_min),
                                    counts.join(", ")
                                ));
                            }
                            None => o.push_str(" – |"),
                        }
                    }
                    o.push('\n');
                }
                o.push('\n');
            }
        }
        o.push_str("## Directional convergence, schedules, wall times\n\n| model | run | implicit norm | cos(θ_t, θ_T) at t/T = 0.5 | at 0.9 | test acc. | schedule assumption | holds | mean steps | wall / run (s) |\n|---|---|---|---|---|---|---|---|---|---|\n");
        for r in &self.runs {
            o.push_str(&format!(
                "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                r.model,
                r.label,
                r.implicit_norm.clone().unwrap_or_else(|| "–".into()),
                num(r.cosine_half),
                num(r.cosine_90),
                r.test_accuracy.map(num).unwrap_or_else(|| "–".into()),
                r.schedule.0,
                if r.schedule.1 { "yes" } else { "**no**" },
                num(r.steps_mean),
                num(r.wall_mean)
            ));
        }
        let total: f64 = self.runs.iter().map(|r| r.wall_total).sum();
        o.push_str(&format!(
            "\nTotal training + checking time over all runs: {} s (summed over runs; the grid runs them in parallel).\n\n",
            num(total)
        ));
        if self.runs.iter().any(|r| !r.schedule.1) {
            o.push_str("Schedule details where the assumption fails:\n\n");
            for r in self.runs.iter().filter(|r| !r.schedule.1) {
                o.push_str(&format!(
                    "- {} (`{}`): {}\n",
                    r.label, r.model, r.schedule.2
                ));
            }
            o.push('\n');
        }
        if !self.figures.is_empty() {
            o.push_str("## Figures\n\n");
            for f in &self.figures {
                o.push_str(&format!("![{f}]({f})\n\n"));
            }
        }
        o
    }
}
