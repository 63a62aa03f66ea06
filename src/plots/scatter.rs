//! Scatter charts: directions of AdaGrad's h∞^{-1/2} across seeds (\[A\] Fig. 2).

use super::render::{
    check_size, color, draw_legend, legend_width, padded, render_err, write_svg, y_label_area,
    Extent, Marker, DESC_SIZE, FONT, MARGIN, TICK_SIZE, TITLE_SIZE, X_LABEL_AREA,
};
use super::ticks::{Axis, Scale};
use super::{ScatterChart, DEFAULT_SIZE};
use crate::error::{Error, Result};
use plotters::prelude::*;
use std::path::Path;

/// Upper bound on the number of major ticks per axis.
const MAX_TICKS: usize = 8;
/// Number of segments of the unit circle's polygon.
const CIRCLE_SEGMENTS: usize = 180;

/// Equal-scale ranges: the padded data box, widened along one axis so that one unit spans the
/// same number of pixels on both axes of a `plot_w` × `plot_h` plot.
fn equal_aspect(xs: Extent, ys: Extent, plot_w: f64, plot_h: f64) -> ((f64, f64), (f64, f64)) {
    let (x0, x1) = padded(xs.min, xs.max, Scale::Linear);
    let (y0, y1) = padded(ys.min, ys.max, Scale::Linear);
    let (cx, cy) = (0.5 * (x0 + x1), 0.5 * (y0 + y1));
    let per_px = ((x1 - x0) / plot_w).max((y1 - y0) / plot_h);
    let (hx, hy) = (0.5 * per_px * plot_w, 0.5 * per_px * plot_h);
    ((cx - hx, cx + hx), (cy - hy, cy + hy))
}

/// Renders a scatter chart as an SVG document of `width` × `height` pixels.
///
/// Each group's points are dots in its palette colour; both axes use the same scale; with
/// `unit_circle` the circle x² + y² = 1 is drawn in grey (and always fits in the view).
/// Non-finite points are skipped. Errors: [`Error::Config`] when no group has a finite point
/// (or the size is outside 320×200 … 20000×20000).
pub fn scatter_svg(chart: &ScatterChart, width: u32, height: u32) -> Result<String> {
    let what = format!("scatter chart `{}`", chart.title);
    check_size(&what, width, height)?;
    let groups: Vec<Vec<(f64, f64)>> = chart
        .groups
        .iter()
        .map(|(_, pts)| {
            pts.iter()
                .copied()
                .filter(|(x, y)| x.is_finite() && y.is_finite())
                .collect()
        })
        .collect();
    let (mut xs, mut ys) = (Extent::new(), Extent::new());
    for &(x, y) in groups.iter().flatten() {
        xs.add(x);
        ys.add(y);
    }
    if xs.is_empty() {
        return Err(Error::Config(format!(
            "{what}: nothing to plot (every point is missing or non-finite)"
        )));
    }
    if chart.unit_circle {
        for v in [-1.0, 1.0] {
            xs.add(v);
            ys.add(v);
        }
    }
    let labels: Vec<&str> = chart.groups.iter().map(|g| g.0.as_str()).collect();
    let entries: Vec<(String, RGBColor)> = chart
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| (g.0.clone(), color(i)))
        .collect();

    let note: &[&str] = if chart.unit_circle {
        &["grey: unit circle"]
    } else {
        &[]
    };

    let mut svg = String::new();
    {
        let err = render_err(&what);
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(&err)?;
        let body = root
            .titled(&chart.title, (FONT, TITLE_SIZE).into_font())
            .map_err(&err)?;
        let (body_w, body_h) = body.dim_in_pixel();
        let legend_w = legend_width(&labels, note, width);
        let (plot_area, legend_area) = body.split_horizontally(body_w.saturating_sub(legend_w));
        // The y label area depends on the tick labels, which depend on the range: two passes.
        let plot_h = f64::from(body_h.saturating_sub(2 * MARGIN + X_LABEL_AREA).max(1));
        let plot_w_for = |y_area: u32| {
            f64::from(
                (body_w.saturating_sub(legend_w))
                    .saturating_sub(2 * MARGIN + y_area)
                    .max(1),
            )
        };
        let mut y_area = 60;
        let mut ranges = equal_aspect(xs, ys, plot_w_for(y_area), plot_h);
        for _ in 0..2 {
            let y_axis = Axis::new(ranges.1 .0, ranges.1 .1, Scale::Linear, MAX_TICKS);
            y_area = y_label_area(&y_axis.labels());
            ranges = equal_aspect(xs, ys, plot_w_for(y_area), plot_h);
        }
        let ((x_lo, x_hi), (y_lo, y_hi)) = ranges;
        let x_axis = Axis::new(x_lo, x_hi, Scale::Linear, MAX_TICKS);
        let y_axis = Axis::new(y_lo, y_hi, Scale::Linear, MAX_TICKS);
        let mut ctx = ChartBuilder::on(&plot_area)
            .margin(MARGIN)
            .x_label_area_size(X_LABEL_AREA)
            .y_label_area_size(y_area)
            .build_cartesian_2d(x_axis, y_axis)
            .map_err(&err)?;
        ctx.configure_mesh()
            .x_desc(chart.x_label.as_str())
            .y_desc(chart.y_label.as_str())
            .label_style((FONT, TICK_SIZE))
            .axis_desc_style((FONT, DESC_SIZE))
            .draw()
            .map_err(&err)?;
        if chart.unit_circle {
            let circle = (0..=CIRCLE_SEGMENTS).map(|k| {
                let a = std::f64::consts::TAU * k as f64 / CIRCLE_SEGMENTS as f64;
                (a.cos(), a.sin())
            });
            ctx.draw_series(LineSeries::new(
                circle,
                RGBColor(150, 150, 150).stroke_width(1),
            ))
            .map_err(&err)?;
        }
        for (i, pts) in groups.iter().enumerate() {
            let style = color(i).mix(0.85).filled();
            ctx.draw_series(pts.iter().map(|&p| Circle::new(p, 4, style)))
                .map_err(&err)?;
        }
        draw_legend(&legend_area, &entries, Marker::Dot, note, &what)?;
        root.present().map_err(&err)?;
    }
    Ok(svg)
}

/// Renders `chart` at [`DEFAULT_SIZE`] (800 × 500) and writes it to `path`.
///
/// Errors: those of [`scatter_svg`], and [`Error::Io`] (with the path) when the file cannot
/// be written, e.g. its directory does not exist.
pub fn write_scatter(chart: &ScatterChart, path: &Path) -> Result<()> {
    let svg = scatter_svg(chart, DEFAULT_SIZE.0, DEFAULT_SIZE.1)?;
    write_svg(path, &svg)
}
