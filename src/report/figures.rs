//! The report's SVG figures: margin vs loss per (model, norm), cosine to the last iterate
//! vs normalized time per model, and the direction of AdaGrad's h∞^{−1/2} across seeds.

use super::aggregate::{order, Report};
use crate::error::{Error, Result};
use crate::experiment::RunRecord;
use crate::plots::{aggregate_series, LineChart, ScatterChart, XAxis};
use std::path::Path;

fn short_model(model: &str) -> String {
    model
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

impl Report {
    /// Render the figures into `dir` (SVG files next to `report.md`) and record their names.
    pub fn render_figures(&mut self, dir: &Path, records: &[RunRecord]) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let mut figs = Vec::new();
        let (models, labels) = order(records);
        for model in &models {
            let tag = short_model(model);
            for (ni, norm) in self.setting.norms.iter().enumerate() {
                let mut series = Vec::new();
                for label in &labels {
                    let curves: Vec<Vec<(f64, f64)>> = records
                        .iter()
                        .filter(|r| &r.model == model && &r.label == label)
                        .map(|r| {
                            let mut c: Vec<(f64, f64)> = r
                                .trace
                                .iter()
                                .filter_map(|p| {
                                    let y = *p.margins.get(ni)?;
                                    (p.log10_loss.is_finite() && y.is_finite() && y > 0.0)
                                        .then_some((p.log10_loss, y))
                                })
                                .collect();
                            c.sort_by(|a, b| a.0.total_cmp(&b.0));
                            c.dedup_by(|a, b| a.0 == b.0);
                            c
                        })
                        .filter(|c| c.len() >= 2)
                        .collect();
                    if !curves.is_empty() {
                        series.push(aggregate_series(label, &curves, 60));
                    }
                }
                if series.is_empty() {
                    continue;
                }
                let chart = LineChart {
                    title: format!("normalized {norm} margin vs loss — {model}"),
                    x_label: "training loss L (log scale)".into(),
                    y_label: format!("γ[{norm}] = min_i y_i f(x_i; θ) / ‖θ‖^L"),
                    x_axis: XAxis::Log10Values,
                    // Margins of different optimizers differ by orders of magnitude under
                    // one norm (e.g. ℓ∞: Signum ≈ 5, NGD ≈ 0.03), so the y axis is log too.
                    y_log: true,
                    series,
                };
                let name = format!("margin_{tag}_{}.svg", short_model(norm));
                crate::plots::write_line_chart(&chart, &dir.join(&name))?;
                figs.push(name);
            }
            let mut series = Vec::new();
            for label in &labels {
                let curves: Vec<Vec<(f64, f64)>> = records
                    .iter()
                    .filter(|r| &r.model == model && &r.label == label)
                    .map(|r| {
                        let t_end = r.steps.max(1) as f64;
                        r.cosine_to_last
                            .iter()
                            .filter(|(_, c)| c.is_finite())
                            .map(|(t, c)| (*t as f64 / t_end, *c))
                            .collect::<Vec<_>>()
                    })
                    .filter(|c| c.len() >= 2)
                    .collect();
                if !curves.is_empty() {
                    series.push(aggregate_series(label, &curves, 60));
                }
            }
            if !series.is_empty() {
                let chart = LineChart {
                    title: format!("cosine similarity to the last iterate — {model}"),
                    x_label: "normalized time t / T".into(),
                    y_label: "cos(θ_t, θ_T)".into(),
                    x_axis: XAxis::Linear,
                    y_log: false,
                    series,
                };
                let name = format!("cosine_{tag}.svg");
                crate::plots::write_line_chart(&chart, &dir.join(&name))?;
                figs.push(name);
            }
            let mut groups = Vec::new();
            for label in &labels {
                let hs: Vec<Vec<f64>> = records
                    .iter()
                    .filter(|r| &r.model == model && &r.label == label)
                    .filter_map(|r| r.adagrad_h_inv_sqrt.clone())
                    .filter(|h| h.len() >= 2)
                    .collect();
                if hs.is_empty() {
                    continue;
                }
                // Each h∞^{−1/2} is normalized to unit ℓ2 norm over all p coordinates, then
                // its first two coordinates are plotted (inside the unit circle when p > 2).
                // A zero or non-finite h (impossible for ε > 0) has no direction: no point.
                let pts = crate::plots::project_directions(
                    &hs,
                    &crate::plots::Projection::Coordinates(0, 1),
                )
                .unwrap_or_default();
                if !pts.is_empty() {
                    groups.push((label.clone(), pts));
                }
            }
            if !groups.is_empty() {
                let chart = ScatterChart {
                    title: format!("direction of h∞^(-1/2) across seeds — {model}"),
                    x_label: "coordinate 0 of h∞^(-1/2) / ‖h∞^(-1/2)‖₂".into(),
                    y_label: "coordinate 1 of h∞^(-1/2) / ‖h∞^(-1/2)‖₂".into(),
                    groups,
                    unit_circle: true,
                };
                let name = format!("adagrad_h_{tag}.svg");
                crate::plots::write_scatter(&chart, &dir.join(&name))?;
                figs.push(name);
            }
        }
        self.figures = figs;
        Ok(())
    }
}
