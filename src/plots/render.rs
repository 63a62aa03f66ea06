//! Pieces shared by the line and scatter charts: palette, sizes, padding, legend, file output.

use super::ticks::Scale;
use crate::error::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// Tableau 10, in series order.
const PALETTE: [(u8, u8, u8); 10] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
];

/// Colour of the i-th series or group (cycles after ten).
pub(crate) fn color(i: usize) -> RGBColor {
    let (r, g, b) = PALETTE[i % PALETTE.len()];
    RGBColor(r, g, b)
}

/// Font family of every text element (resolved by the SVG viewer, never read from disk).
pub(crate) const FONT: &str = "sans-serif";
/// plotters font sizes; the SVG backend writes `font-size = size / 1.24`.
pub(crate) const TITLE_SIZE: f64 = 24.0;
pub(crate) const TICK_SIZE: f64 = 15.0;
pub(crate) const DESC_SIZE: f64 = 17.0;
pub(crate) const LEGEND_SIZE: f64 = 15.0;
pub(crate) const NOTE_SIZE: f64 = 13.5;
/// Margin around the plot, and height of the x tick-label + description area, in pixels.
pub(crate) const MARGIN: u32 = 12;
pub(crate) const X_LABEL_AREA: u32 = 52;

/// Smallest and largest accepted figure sizes, in pixels.
const MIN_SIZE: (u32, u32) = (320, 200);
const MAX_SIZE: u32 = 20_000;

/// Rejects figure sizes the layout cannot fit.
pub(crate) fn check_size(what: &str, width: u32, height: u32) -> Result<()> {
    if width < MIN_SIZE.0 || height < MIN_SIZE.1 || width > MAX_SIZE || height > MAX_SIZE {
        return Err(Error::Config(format!(
            "{what}: figure size {width}x{height} px is outside {}x{} … {MAX_SIZE}x{MAX_SIZE}",
            MIN_SIZE.0, MIN_SIZE.1
        )));
    }
    Ok(())
}

/// Maps a plotters drawing error (never expected when drawing into a String) to [`Error`].
pub(crate) fn render_err<E: std::error::Error + Send + Sync>(
    what: &str,
) -> impl Fn(DrawingAreaErrorKind<E>) -> Error + '_ {
    move |e| Error::Config(format!("{what}: SVG rendering failed: {e}"))
}

/// Rough rendered width in pixels of `text` at plotters size `size` (≈ 0.6 em per character of
/// a sans-serif font; the SVG font size is size/1.24).
pub(crate) fn text_width(text: &str, size: f64) -> u32 {
    (text.chars().count() as f64 * 0.6 * size / 1.24).ceil() as u32
}

/// Width of the y label area: the longest tick label, the rotated description and gaps.
pub(crate) fn y_label_area(labels: &[String]) -> u32 {
    let widest = labels
        .iter()
        .map(|l| text_width(l, TICK_SIZE))
        .max()
        .unwrap_or(0);
    widest + (DESC_SIZE / 1.24).ceil() as u32 + 24
}

/// Width of the legend panel for these labels and note lines, at most a third of the figure.
pub(crate) fn legend_width(labels: &[&str], note: &[&str], total_width: u32) -> u32 {
    let widest = labels
        .iter()
        .map(|l| text_width(l, LEGEND_SIZE))
        .max()
        .unwrap_or(0);
    let note_w = note
        .iter()
        .map(|l| text_width(l, NOTE_SIZE))
        .max()
        .unwrap_or(0);
    (widest + 60).max(note_w + 20).clamp(110, total_width / 3)
}

/// Pads the data range [min, max] (finite, min ≤ max) by 3% per side; a degenerate range is
/// widened to ±10% of the value (±1 around 0) or ±0.5 decade on a log axis.
pub(crate) fn padded(min: f64, max: f64, scale: Scale) -> (f64, f64) {
    let span = max - min;
    if span > 1e-12 * min.abs().max(max.abs()) && span > 0.0 {
        return (min - 0.03 * span, max + 0.03 * span);
    }
    let half = match scale {
        Scale::Log10 => 0.5,
        Scale::Linear if min == 0.0 => 1.0,
        Scale::Linear => 0.1 * min.abs(),
    };
    (min - half, max + half)
}

/// Running min/max of finite values.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Extent {
    pub(crate) min: f64,
    pub(crate) max: f64,
}

impl Extent {
    pub(crate) fn new() -> Extent {
        Extent {
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }
    pub(crate) fn add(&mut self, v: f64) {
        if v.is_finite() {
            self.min = self.min.min(v);
            self.max = self.max.max(v);
        }
    }
    pub(crate) fn is_empty(&self) -> bool {
        self.min > self.max
    }
}

/// How a legend entry shows its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Marker {
    /// A short line segment (line charts).
    Line,
    /// A dot (scatter charts).
    Dot,
}

/// Draws the legend box at the top of `area`: one row per entry (marker in its colour, label),
/// and the grey `note` lines below the box.
pub(crate) fn draw_legend(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    entries: &[(String, RGBColor)],
    marker: Marker,
    note: &[&str],
    what: &str,
) -> Result<()> {
    let (w, _) = area.dim_in_pixel();
    let row = 22;
    let top = MARGIN as i32;
    let right = w as i32 - 8;
    let bottom = top + 8 + row * entries.len() as i32;
    let err = render_err(what);
    area.draw(&Rectangle::new(
        [(6, top), (right, bottom)],
        ShapeStyle {
            color: RGBColor(160, 160, 160).to_rgba(),
            filled: false,
            stroke_width: 1,
        },
    ))
    .map_err(&err)?;
    let text_style = TextStyle::from((FONT, LEGEND_SIZE).into_font())
        .pos(Pos::new(HPos::Left, VPos::Center))
        .color(&BLACK);
    for (i, (label, c)) in entries.iter().enumerate() {
        let y = top + 4 + row / 2 + row * i as i32;
        match marker {
            Marker::Line => area
                .draw(&PathElement::new(vec![(14, y), (38, y)], c.stroke_width(3)))
                .map_err(&err)?,
            Marker::Dot => area
                .draw(&Circle::new((26, y), 4, c.filled()))
                .map_err(&err)?,
        }
        area.draw(&Text::new(label.clone(), (46, y), text_style.clone()))
            .map_err(&err)?;
    }
    let style = TextStyle::from((FONT, NOTE_SIZE).into_font())
        .pos(Pos::new(HPos::Left, VPos::Top))
        .color(&RGBColor(90, 90, 90));
    for (i, line) in note.iter().enumerate() {
        let y = bottom + 6 + 16 * i as i32;
        area.draw(&Text::new(line.to_string(), (8, y), style.clone()))
            .map_err(&err)?;
    }
    Ok(())
}

/// Writes `svg` to `path` (the directory must exist).
pub(crate) fn write_svg(path: &Path, svg: &str) -> Result<()> {
    crate::write_file::write_atomic(path, svg.as_bytes())
}
