//! SVG figures for experiment reports.
//!
//! The figures of the papers, rebuilt from the traces of `implicit-bias run`:
//!
//! * **Margin vs loss, one chart per norm** (\[M\] Fig. 1a and Fig. 2): the normalized margin
//!   γ_N(θ_t) = min_i y_i f(x_i; θ_t) / N(θ_t)^L against the training loss L(θ_t), one line per
//!   optimizer (mean over seeds) with its 95% confidence band. The loss axis is logarithmic and
//!   the loss goes far below f64's range in long runs (1e-2000), so the x values are given as
//!   log10 of the loss ([`XAxis::Log10Values`]) and ticks read `1e-100`, `1e-200`, ….
//!   The theory predicts that each optimizer's line rises to the maximum margin of *its* norm.
//! * **Cosine to the last iterate** (\[M\] Fig. 1b): ⟨θ_t/‖θ_t‖₂, θ_T/‖θ_T‖₂⟩ against the
//!   normalized time t/T ∈ [0, 1] on a linear axis — it tends to 1 when the direction converges
//!   (assumption (T2) of \[M\]).
//! * **Direction of h∞^{-1/2} across seeds** (\[A\] Fig. 2): AdaGrad's limiting conditioner
//!   h∞^{-1/2} depends on the initialization (RMSProp's does not), so its directions
//!   h∞^{-1/2}/‖h∞^{-1/2}‖₂ over seeds scatter. [`project_directions`] maps unit vectors to the
//!   plane (two coordinates or the top-2 principal directions); [`scatter_svg`] draws them, one
//!   colour per optimizer, with the unit circle for reference.
//!
//! Rendering uses plotters' SVG backend without any font feature: text is emitted as SVG
//! `<text>` elements (font family `sans-serif`, laid out by the browser), and plotters only
//! *estimates* text extents for its layout, so no system font is ever read. Ticks and tick
//! labels are computed by this module ([`ticks`]), not by plotters.
//!
//! Conventions shared by both chart kinds:
//! * non-finite points are skipped, and a line is broken where a point was skipped; on a log
//!   y axis non-positive values are skipped too (a band's lower edge ≤ 0 is clamped to the
//!   bottom of the axis);
//! * a chart with no finite point at all is an error ([`Error::Config`](crate::error::Error::Config)) naming the chart,
//!   rather than an empty picture;
//! * axis ranges are padded by 3% on each side (a degenerate range is widened to ±10% of the
//!   value, ±1 around 0, ±0.5 decade on a log axis);
//! * colours come from a fixed 10-colour palette (Tableau 10), in series order, cycling after
//!   ten; the legend (right of the plot) lists every series with its colour;
//! * output is deterministic: the same chart renders to byte-identical SVG.

mod directions;
mod line;
mod render;
mod scatter;
mod stats;
pub mod ticks;

pub use directions::{project_directions, Projection};
pub use line::{line_chart_svg, write_line_chart};
pub use scatter::{scatter_svg, write_scatter};
pub use stats::{aggregate_series, interpolate, mean_ci95, student_t975};

/// Default size of a written figure, in pixels.
pub const DEFAULT_SIZE: (u32, u32) = (800, 500);

/// One line of a chart: points (x, y) and an optional band (x, lo, hi) drawn as a translucent
/// area (the 95% CI over seeds, see [`aggregate_series`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Legend label (e.g. the optimizer's name).
    pub label: String,
    /// The line's points, in drawing order.
    pub points: Vec<(f64, f64)>,
    /// Optional band (x, lower, upper), drawn in the line's colour at 20% opacity.
    pub band: Option<Vec<(f64, f64, f64)>>,
}

/// How x values are given and shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XAxis {
    /// Values are shown as they are.
    Linear,
    /// x values are log10 of the quantity (e.g. log10 of the loss, which can be far below
    /// f64's range: 1e-2000); the axis is logarithmic in the quantity and ticks are labelled
    /// `1e-k`.
    Log10Values,
}

/// A line chart: one line (and optional band) per series.
#[derive(Clone, Debug, PartialEq)]
pub struct LineChart {
    /// Title shown above the plot.
    pub title: String,
    /// Description of the x axis.
    pub x_label: String,
    /// Description of the y axis.
    pub y_label: String,
    /// Linear or log10-valued x axis.
    pub x_axis: XAxis,
    /// Logarithmic y axis: y values are the quantity itself (must be > 0; others are skipped).
    pub y_log: bool,
    /// The lines, coloured in order from the palette.
    pub series: Vec<Series>,
}

/// Scatter of 2-D points (AdaGrad's h∞^{-1/2} directions across seeds, projected on two
/// coordinates or on the top-2 principal directions, \[A\] Fig. 2), one colour per group,
/// optional unit circle. Both axes use the same scale (a circle looks like a circle).
#[derive(Clone, Debug, PartialEq)]
pub struct ScatterChart {
    /// Title shown above the plot.
    pub title: String,
    /// Description of the x axis.
    pub x_label: String,
    /// Description of the y axis.
    pub y_label: String,
    /// (legend label, points) per group, coloured in order from the palette.
    pub groups: Vec<(String, Vec<(f64, f64)>)>,
    /// Draw the unit circle (projections of unit vectors lie inside it).
    pub unit_circle: bool,
}
