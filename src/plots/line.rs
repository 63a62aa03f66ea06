//! Line charts: margin vs log-loss (\[M\] Fig. 1a/2), cosine to the last iterate (\[M\] Fig. 1b).

use super::render::{
    check_size, color, draw_legend, legend_width, padded, render_err, write_svg, y_label_area,
    Extent, Marker, DESC_SIZE, FONT, MARGIN, TICK_SIZE, TITLE_SIZE, X_LABEL_AREA,
};
use super::ticks::{Axis, Scale};
use super::{LineChart, Series, XAxis, DEFAULT_SIZE};
use crate::error::{Error, Result};
use plotters::prelude::*;
use std::path::Path;

/// Opacity of a confidence band.
const BAND_OPACITY: f64 = 0.2;
/// Upper bound on the number of major ticks per axis.
const MAX_TICKS: usize = 8;

/// A band point in plot coordinates; `lo = None` means "clamp to the bottom of the axis"
/// (a lower edge ≤ 0 on a log y axis).
type BandPoint = (f64, Option<f64>, f64);

/// A series mapped to plot coordinates and split at skipped points.
struct Prepared {
    lines: Vec<Vec<(f64, f64)>>,
    bands: Vec<Vec<BandPoint>>,
}

/// The plotted y of a data y: log10 on a log axis (non-positive → skipped).
fn map_y(y: f64, y_log: bool) -> Option<f64> {
    if !y.is_finite() {
        return None;
    }
    if y_log {
        (y > 0.0).then(|| y.log10())
    } else {
        Some(y)
    }
}

/// Splits an iterator of optional points into runs of consecutive `Some`.
fn runs<T>(items: impl Iterator<Item = Option<T>>) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = vec![];
    let mut current: Vec<T> = vec![];
    for item in items {
        match item {
            Some(p) => current.push(p),
            None if !current.is_empty() => out.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn prepare(series: &Series, y_log: bool) -> Prepared {
    let lines = runs(series.points.iter().map(|&(x, y)| {
        let y = map_y(y, y_log)?;
        x.is_finite().then_some((x, y))
    }));
    let bands = match &series.band {
        None => vec![],
        Some(band) => runs(band.iter().map(|&(x, a, b)| {
            if !(x.is_finite() && a.is_finite() && b.is_finite()) {
                return None;
            }
            let (lo, hi) = (a.min(b), a.max(b));
            let hi = map_y(hi, y_log)?;
            Some((x, map_y(lo, y_log), hi))
        }))
        .into_iter()
        .filter(|r| r.len() >= 2)
        .collect(),
    };
    Prepared { lines, bands }
}

/// Renders a line chart as an SVG document of `width` × `height` pixels.
///
/// Each series is a line in its palette colour, its band (if any) a translucent area behind
/// it, and a legend on the right lists the labels (with a note when bands are shown). Ticks on
/// a [`XAxis::Log10Values`] x axis (and on a `y_log` y axis) are labelled `1e-k`. Non-finite
/// points are skipped and break the line; a point isolated between skipped ones is drawn as a
/// dot. Errors: [`Error::Config`] when no series has a finite point (or the size is outside
/// 320×200 … 20000×20000).
pub fn line_chart_svg(chart: &LineChart, width: u32, height: u32) -> Result<String> {
    let what = format!("line chart `{}`", chart.title);
    check_size(&what, width, height)?;
    let prepared: Vec<Prepared> = chart
        .series
        .iter()
        .map(|s| prepare(s, chart.y_log))
        .collect();
    let (mut xs, mut ys) = (Extent::new(), Extent::new());
    for p in &prepared {
        for &(x, y) in p.lines.iter().flatten() {
            xs.add(x);
            ys.add(y);
        }
        for &(x, lo, hi) in p.bands.iter().flatten() {
            xs.add(x);
            ys.add(hi);
            if let Some(lo) = lo {
                ys.add(lo);
            }
        }
    }
    if xs.is_empty() || ys.is_empty() {
        let why = if chart.y_log {
            "every point is missing, non-finite or non-positive on the log y axis"
        } else {
            "every point is missing or non-finite"
        };
        return Err(Error::Config(format!("{what}: nothing to plot ({why})")));
    }
    let x_scale = match chart.x_axis {
        XAxis::Linear => Scale::Linear,
        XAxis::Log10Values => Scale::Log10,
    };
    let y_scale = if chart.y_log {
        Scale::Log10
    } else {
        Scale::Linear
    };
    let (x_lo, x_hi) = padded(xs.min, xs.max, x_scale);
    let (y_lo, y_hi) = padded(ys.min, ys.max, y_scale);
    let x_axis = Axis::new(x_lo, x_hi, x_scale, MAX_TICKS);
    let y_axis = Axis::new(y_lo, y_hi, y_scale, MAX_TICKS);
    let y_area = y_label_area(&y_axis.labels());
    let bottom = y_axis.lo();

    let labels: Vec<&str> = chart.series.iter().map(|s| s.label.as_str()).collect();
    let entries: Vec<(String, RGBColor)> = chart
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| (s.label.clone(), color(i)))
        .collect();
    let note: &[&str] = if prepared.iter().any(|p| !p.bands.is_empty()) {
        &["shaded: 95% CI", "over seeds"]
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
        let (body_w, _) = body.dim_in_pixel();
        let legend_w = legend_width(&labels, note, width);
        let (plot_area, legend_area) = body.split_horizontally(body_w.saturating_sub(legend_w));
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
        for (i, p) in prepared.iter().enumerate() {
            let fill = color(i).mix(BAND_OPACITY).filled();
            for band in &p.bands {
                let upper = band.iter().map(|&(x, _, hi)| (x, hi));
                let lower = band
                    .iter()
                    .rev()
                    .map(|&(x, lo, _)| (x, lo.unwrap_or(bottom)));
                let outline: Vec<(f64, f64)> = upper.chain(lower).collect();
                ctx.draw_series(std::iter::once(Polygon::new(outline, fill)))
                    .map_err(&err)?;
            }
        }
        for (i, p) in prepared.iter().enumerate() {
            let c = color(i);
            for line in &p.lines {
                if line.len() == 1 {
                    ctx.draw_series(std::iter::once(Circle::new(line[0], 3, c.filled())))
                        .map_err(&err)?;
                } else {
                    ctx.draw_series(LineSeries::new(line.iter().copied(), c.stroke_width(2)))
                        .map_err(&err)?;
                }
            }
        }
        draw_legend(&legend_area, &entries, Marker::Line, note, &what)?;
        root.present().map_err(&err)?;
    }
    Ok(svg)
}

/// Renders `chart` at [`DEFAULT_SIZE`] (800 × 500) and writes it to `path`.
///
/// Errors: those of [`line_chart_svg`], and [`Error::Io`] (with the path) when the file
/// cannot be written, e.g. its directory does not exist.
pub fn write_line_chart(chart: &LineChart, path: &Path) -> Result<()> {
    let svg = line_chart_svg(chart, DEFAULT_SIZE.0, DEFAULT_SIZE.1)?;
    write_svg(path, &svg)
}
